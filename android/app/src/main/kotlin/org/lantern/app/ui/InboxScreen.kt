package org.lantern.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.InboxItem
import org.lantern.presentation.InboxViewModel
import java.text.DateFormat
import java.util.Date

/** The supporter's inbox: per peer, what they let me see (why, until when) and what they shared. */
@Composable
fun InboxScreen(core: LanternCore) {
    SecureScreen()
    val vm = rememberScreenModel("inbox") { InboxViewModel(core.sharing, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    val date = DateFormat.getDateTimeInstance()
    LazyColumn(Modifier.padding(16.dp)) {
        item {
            Title(R.string.inbox_title)
            Button(onClick = { vm.syncNow() }, enabled = !s.syncing) { Text(stringResource(R.string.sharing_sync_now)) }
            ErrorText(s.error)
            if (!s.loading && s.peers.isEmpty()) Text(stringResource(R.string.inbox_empty))
        }
        s.peers.forEach { peer ->
            item {
                Text(peer.peerName, style = MaterialTheme.typography.titleLarge, modifier = Modifier.padding(top = 16.dp).semantics { heading() })
                if (peer.consents.isEmpty()) Text(stringResource(R.string.inbox_no_consent))
                peer.consents.forEach { g ->
                    Text(stringResource(R.string.inbox_consent, g.purpose, DateFormat.getDateInstance().format(Date(g.expiresAt * 1000))))
                    g.howMuch.forEach { Text("• $it", style = MaterialTheme.typography.bodySmall) }
                }
            }
            items(peer.items, key = { "${peer.connectionId}/${it.itemId}" }) { item ->
                Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
                    Column(Modifier.padding(12.dp)) {
                        when (item) {
                            is InboxItem.Entry -> {
                                Text(date.format(Date(item.createdAtMs)), style = MaterialTheme.typography.labelMedium)
                                Text(item.text)
                                item.mood?.let { Text(stringResource(R.string.mood_value, it)) }
                                if (item.edited) Text(stringResource(R.string.inbox_edited), style = MaterialTheme.typography.labelSmall)
                            }
                            is InboxItem.CheckIn -> {
                                Text(stringResource(R.string.inbox_checkin, date.format(Date(item.createdAtMs))), style = MaterialTheme.typography.labelMedium)
                                Text(stringResource(R.string.mood_value, item.mood))
                                item.note?.let { Text(it) }
                            }
                            is InboxItem.MoodTrend -> {
                                Text(stringResource(R.string.trend_title), style = MaterialTheme.typography.titleSmall)
                                item.points.takeLast(7).forEach { p -> Text(stringResource(R.string.inbox_trend_point, p.label, p.average)) }
                            }
                            is InboxItem.CourseProgress -> {
                                Text(stringResource(R.string.inbox_course), style = MaterialTheme.typography.titleSmall)
                                item.units.forEach { u -> Text(stringResource(R.string.course_unit_progress, u.percentRead, u.selfChecksCorrect, u.selfChecksTotal)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
