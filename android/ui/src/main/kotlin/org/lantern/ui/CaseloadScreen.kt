package org.lantern.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.CardDefaults
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.CaseloadPeer
import org.lantern.presentation.CaseloadViewModel
import org.lantern.presentation.InboxItem
import org.lantern.presentation.Preferences
import uniffi.lantern.Scope
import java.text.DateFormat
import java.util.Date

/** The one caseload model of a running UI: the list and each peer's page share it. */
@Composable
private fun caseloadModel(core: LanternCore, preferences: Preferences): CaseloadViewModel =
    rememberScreenModel("caseload") { CaseloadViewModel(core.sharing, preferences, it) }

@Composable
private fun dateTime(): DateFormat = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT, LocalStrings.current.locale)

@Composable
private fun date(): DateFormat = DateFormat.getDateInstance(DateFormat.MEDIUM, LocalStrings.current.locale)

/**
 * The supporter's caseload: every peer who shares with me, newest news first, each with when they
 * last shared, how much is new since I last looked, and when their consent runs out.
 */
@Composable
fun CaseloadScreen(core: LanternCore, preferences: Preferences, onOpenPeer: (String) -> Unit) {
    SecureScreen()
    val vm = caseloadModel(core, preferences)
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }
    val whenShared = dateTime()
    val day = date()
    ScreenColumn {
        Title(tr("inbox_title"))
        Button(onClick = { vm.syncNow() }, enabled = !s.syncing, modifier = Modifier.padding(vertical = 4.dp)) { Text(tr("sharing_sync_now")) }
        ErrorText(s.error)
        if (!s.loading && s.peers.isEmpty()) Text(tr("caseload_empty"), style = MaterialTheme.typography.bodyLarge)
        s.peers.forEach { p ->
            Card(
                Modifier.fillMaxWidth().padding(vertical = 6.dp).heightIn(min = 48.dp).testTag("peer-${p.connectionId}")
                    .clickable(role = Role.Button, onClickLabel = tr("caseload_open")) { onOpenPeer(p.connectionId) },
                colors = if (p.newCount > 0) CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer) else CardDefaults.cardColors(),
            ) {
                Column(Modifier.padding(12.dp)) {
                    Text(p.name, style = MaterialTheme.typography.titleMedium)
                    Text(
                        p.lastSharedAt?.let { tr("caseload_last_shared", whenShared.format(Date(it * 1000))) } ?: tr("caseload_never_shared"),
                        style = MaterialTheme.typography.bodyMedium,
                    )
                    Text(
                        if (p.newCount > 0) trPlural("caseload_new", p.newCount, p.newCount) else tr("caseload_nothing_new"),
                        style = MaterialTheme.typography.bodyMedium,
                    )
                    Text(
                        p.nextExpiry?.let { tr("caseload_expires", day.format(Date(it * 1000))) } ?: tr("inbox_no_consent"),
                        style = MaterialTheme.typography.bodyMedium,
                    )
                }
            }
        }
    }
}

/**
 * One peer's page: what they let me see (why, until when), their mood trend, and their shared
 * timeline with what is new since I last looked marked as such.
 */
@Composable
fun PeerScreen(core: LanternCore, preferences: Preferences, connectionId: String) {
    SecureScreen()
    val vm = caseloadModel(core, preferences)
    val s by vm.state.collectAsState()
    // Opened once the list is loaded (also when this page is the first screen, after a restart).
    LaunchedEffect(vm, connectionId, s.peers.any { it.connectionId == connectionId }) {
        if (s.peers.isEmpty()) vm.load().join()
        vm.open(connectionId)
    }
    DisposableEffect(vm, connectionId) { onDispose { vm.close() } }
    val peer = s.peers.firstOrNull { it.connectionId == connectionId }
    ScreenColumn {
        Title(peer?.name ?: tr("inbox_title"))
        ErrorText(s.error)
        if (peer == null) return@ScreenColumn
        PeerConsents(peer)
        peer.recoveryCount?.let { r ->
            Text(trPlural("inbox_recovery_days", r.days, r.days), style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 8.dp))
            r.milestone?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
        }
        SectionTitle(tr("trend_title"))
        val averages = peer.moodTrend.map { it.average }
        when {
            averages.isEmpty() && peer.consents.any { g -> g.scopes.any { it is Scope.MoodTrends } } ->
                Text(tr("caseload_trend_pending"), style = MaterialTheme.typography.bodyLarge)
            averages.isEmpty() -> Text(tr("caseload_no_trend"), style = MaterialTheme.typography.bodyLarge)
            else -> {
                MoodChart(averages, tr("trend_chart_description", averages.size, averages.average()))
                peer.moodTrend.takeLast(4).reversed().forEach { p -> Text(tr("caseload_week_average", p.label, p.average), style = MaterialTheme.typography.bodyLarge) }
            }
        }
        if (peer.courseProgress.isNotEmpty()) {
            SectionTitle(tr("inbox_course"))
            peer.courseProgress.forEach { u -> Text(tr("course_unit_progress", u.percentRead, u.selfChecksCorrect, u.selfChecksTotal)) }
        }
        SectionTitle(tr("caseload_timeline"))
        if (peer.timeline.isEmpty()) Text(tr("caseload_timeline_empty"), style = MaterialTheme.typography.bodyLarge)
        val whenShared = dateTime()
        peer.timeline.forEach { item -> TimelineCard(item, isNew = item.itemId in peer.newItemIds, format = whenShared) }
    }
}

@Composable
private fun PeerConsents(peer: CaseloadPeer) {
    SectionTitle(tr("caseload_consents"))
    if (peer.consents.isEmpty()) Text(tr("inbox_no_consent"), style = MaterialTheme.typography.bodyLarge)
    val day = date()
    peer.consents.forEach { g ->
        Text(tr("inbox_consent", g.purpose, day.format(Date(g.expiresAt * 1000))), style = MaterialTheme.typography.bodyLarge)
        g.howMuch.forEach { Text("• $it", style = MaterialTheme.typography.bodyMedium) }
    }
}

@Composable
private fun TimelineCard(item: InboxItem, isNew: Boolean, format: DateFormat) {
    Card(
        Modifier.fillMaxWidth().padding(vertical = 4.dp),
        colors = if (isNew) CardDefaults.cardColors(containerColor = MaterialTheme.colorScheme.secondaryContainer) else CardDefaults.cardColors(),
    ) {
        Column(Modifier.padding(12.dp)) {
            if (isNew) Text(tr("caseload_new_badge"), style = MaterialTheme.typography.labelLarge)
            when (item) {
                is InboxItem.Entry -> {
                    Text(format.format(Date(item.createdAtMs)), style = MaterialTheme.typography.labelLarge)
                    Text(item.text, style = MaterialTheme.typography.bodyLarge)
                    item.mood?.let { Text(tr("mood_value", it)) }
                    if (item.tags.isNotEmpty()) Text(item.tags.joinToString(", ") { "#$it" }, style = MaterialTheme.typography.bodyMedium)
                    if (item.edited) Text(tr("inbox_edited"), style = MaterialTheme.typography.labelLarge)
                }
                is InboxItem.CheckIn -> {
                    Text(tr("inbox_checkin", format.format(Date(item.createdAtMs))), style = MaterialTheme.typography.labelLarge)
                    Text(tr("mood_value", item.mood))
                    item.note?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
                }
                is InboxItem.Alert -> {
                    Text(tr("inbox_alert", format.format(Date(item.sentAtMs))), style = MaterialTheme.typography.titleMedium, color = MaterialTheme.colorScheme.error)
                    item.note?.let { Text(it, style = MaterialTheme.typography.bodyLarge) }
                }
                // Summaries are drawn above the timeline, not in it.
                is InboxItem.MoodTrend, is InboxItem.CourseProgress -> Unit
            }
        }
    }
}
