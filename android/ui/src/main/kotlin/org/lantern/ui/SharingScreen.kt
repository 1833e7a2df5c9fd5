package org.lantern.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.Checkbox
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import com.google.zxing.BarcodeFormat
import com.google.zxing.qrcode.QRCodeWriter
import org.lantern.core.LanternCore
import org.lantern.presentation.AuditCheck
import org.lantern.presentation.AuditViewModel
import org.lantern.presentation.ConnectionRow
import org.lantern.presentation.ConsentDraft
import org.lantern.presentation.GrantRow
import org.lantern.presentation.Preferences
import org.lantern.presentation.SharingViewModel
import org.lantern.presentation.UiError
import uniffi.lantern.GrantStatus
import java.text.DateFormat
import java.util.Date

/**
 * Sharing: my supporters, pairing (invite as QR code or text), safety numbers, the consent
 * editor, active grants with revoke (after a confirmation), the audit log. Draws
 * SharingViewModel's state; every rule is the view model's or the core's.
 */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun SharingScreen(core: LanternCore, preferences: Preferences) {
    SecureScreen()
    val vm = rememberScreenModel("sharing") { SharingViewModel(core.sharing, preferences, it) }
    val audit = rememberScreenModel("sharing/audit") { AuditViewModel(core.sharing, it) }
    val s by vm.state.collectAsState()
    val a by audit.state.collectAsState()
    var showAudit by remember { mutableStateOf(false) }
    var confirmRevoke by remember { mutableStateOf<GrantRow?>(null) }
    LaunchedEffect(vm) { vm.load() }
    val strings = LocalStrings.current
    val day = DateFormat.getDateInstance(DateFormat.MEDIUM, strings.locale)

    ScreenColumn {
        Title(tr("sharing_title"))
        OutlinedTextField(s.myName, vm::onMyName, label = { Text(tr("sharing_my_name")) }, singleLine = true, modifier = Modifier.fillMaxWidth())
        FlowRow(verticalArrangement = androidx.compose.foundation.layout.Arrangement.Center) {
            Button(onClick = { vm.syncNow() }, enabled = !s.syncing, modifier = Modifier.padding(end = 8.dp, top = 4.dp)) { Text(tr("sharing_sync_now")) }
            TextButton(onClick = { showAudit = !showAudit; if (showAudit) audit.load() }, modifier = Modifier.padding(top = 4.dp)) { Text(tr("sharing_audit")) }
        }
        s.lastSync?.let { Text(tr("sharing_last_sync", it.posted.toInt(), it.applied.toInt())) }
        ErrorText(s.error)

        SectionTitle(tr("sharing_supporters"))
        if (s.supporters.isEmpty()) Text(tr("sharing_no_supporters"), style = MaterialTheme.typography.bodyLarge)
        s.supporters.forEach { c -> ConnectionCard(c, onCompare = { vm.compare(c.id) }, onShare = { vm.openEditor(c.id) }) }

        SectionTitle(tr("sharing_pair_title"))
        Text(tr("sharing_pair_explain"), style = MaterialTheme.typography.bodyLarge)
        OutlinedTextField(s.inviteText, vm::onInviteText, label = { Text(tr("sharing_invite_text")) }, modifier = Modifier.fillMaxWidth())
        Button(onClick = { vm.pair() }, enabled = !s.busy, modifier = Modifier.padding(top = 4.dp)) { Text(tr("sharing_pair_action")) }

        SectionTitle(tr("sharing_active_grants"))
        if (s.activeGrants.isEmpty()) Text(tr("sharing_no_grants"), style = MaterialTheme.typography.bodyLarge)
        s.activeGrants.forEach { g -> GrantCard(g, day, onRevoke = { confirmRevoke = g }) }
        if (s.pastGrants.isNotEmpty()) {
            SectionTitle(tr("sharing_past_grants"))
            s.pastGrants.forEach { g -> GrantCard(g, day, onRevoke = null) }
        }

        HorizontalDivider(Modifier.padding(vertical = 16.dp))
        SectionTitle(tr("sharing_support_someone"))
        Text(tr("sharing_invite_explain"), style = MaterialTheme.typography.bodyLarge)
        OutlinedTextField(s.relayUrl, vm::onRelayUrl, label = { Text(tr("sharing_relay_url")) }, singleLine = true, modifier = Modifier.fillMaxWidth())
        OutlinedButton(onClick = { vm.createInvite() }, enabled = !s.busy, modifier = Modifier.padding(top = 4.dp)) { Text(tr("sharing_create_invite")) }
        s.createdInvite?.let { invite ->
            val description = tr("sharing_invite_qr_description")
            QrCode(invite, Modifier.padding(vertical = 8.dp).size(240.dp).testTag("invite-qr").semantics { contentDescription = description })
            SelectionContainer { Text(invite, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodyMedium) }
        }
        s.peers.forEach { p -> ConnectionCard(p, onCompare = { vm.compare(p.id) }, onShare = null) }

        if (showAudit) {
            SectionTitle(tr("sharing_audit"))
            Row(verticalAlignment = Alignment.CenterVertically) {
                OutlinedButton(onClick = { audit.verify() }) { Text(tr("audit_verify")) }
                when (a.check) {
                    AuditCheck.Intact -> Text(tr("audit_intact"), Modifier.padding(start = 8.dp))
                    AuditCheck.Damaged -> Text(tr("audit_damaged"), color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(start = 8.dp))
                    AuditCheck.NotChecked -> Unit
                }
            }
            ErrorText(a.error)
            val at = DateFormat.getDateTimeInstance(DateFormat.MEDIUM, DateFormat.SHORT, strings.locale)
            a.rows.forEach { r -> Text("${at.format(Date(r.at * 1000))} · ${r.event}", style = MaterialTheme.typography.bodyMedium) }
        }
    }

    s.comparing?.let { c ->
        AlertDialog(
            onDismissRequest = {},
            title = { Text(tr("safety_title", c.theirName)) },
            text = {
                Column(Modifier.verticalScroll(rememberScrollState())) {
                    Text(tr("safety_explain"))
                    c.safetyNumberLines.forEach { Text(it, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.titleMedium) }
                }
            },
            confirmButton = { TextButton(onClick = { vm.safetyNumbersCompared(true) }) { Text(tr("safety_match")) } },
            dismissButton = { TextButton(onClick = { vm.safetyNumbersCompared(false) }) { Text(tr("safety_no_match")) } },
        )
    }
    s.editorFor?.let { to -> ConsentEditor(to, s.draft, s.error, vm) }
    confirmRevoke?.let { g ->
        AlertDialog(
            onDismissRequest = { confirmRevoke = null },
            title = { Text(tr("grant_revoke_confirm_title", g.recipientName)) },
            text = { Text(tr("grant_revoke_confirm_text", g.recipientName)) },
            confirmButton = { TextButton(onClick = { vm.revoke(g.id); confirmRevoke = null }) { Text(tr("grant_revoke")) } },
            dismissButton = { TextButton(onClick = { confirmRevoke = null }) { Text(tr("action_cancel")) } },
        )
    }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun ConnectionCard(c: ConnectionRow, onCompare: () -> Unit, onShare: (() -> Unit)?) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(c.theirName, style = MaterialTheme.typography.titleMedium)
            Text(tr(if (c.verified) "safety_verified" else "safety_not_verified"))
            if (onShare != null) Text(trPlural("sharing_active_count", c.activeGrants, c.activeGrants))
            FlowRow {
                TextButton(onClick = onCompare) { Text(tr("safety_compare")) }
                if (onShare != null) TextButton(onClick = onShare) { Text(tr("sharing_choose_what")) }
            }
        }
    }
}

@Composable
private fun GrantCard(g: GrantRow, day: DateFormat, onRevoke: (() -> Unit)?) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(tr("grant_to", g.recipientName), style = MaterialTheme.typography.titleMedium)
            g.howMuch.forEach { Text("• $it") }
            Text(tr("grant_purpose", g.purpose))
            Text(tr("grant_dates", day.format(Date(g.createdAt * 1000)), day.format(Date(g.expiresAt * 1000))))
            Text(g.rightToRevoke, style = MaterialTheme.typography.bodyMedium)
            if (onRevoke != null) {
                Button(onClick = onRevoke, modifier = Modifier.padding(top = 4.dp)) { Text(tr("grant_revoke")) }
            } else {
                Text(tr("grant_ended", tr(if (g.status == GrantStatus.REVOKED) "grant_status_revoked" else "grant_status_expired")), style = MaterialTheme.typography.labelLarge)
            }
        }
    }
}

@Composable
private fun ConsentEditor(to: ConnectionRow, d: ConsentDraft, error: UiError?, vm: SharingViewModel) {
    var tag by remember { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = vm::closeEditor,
        title = { Text(tr("consent_title", to.theirName)) },
        text = {
            Column(Modifier.verticalScroll(rememberScrollState())) {
                Check(d.moodTrends, tr("scope_mood_trends")) { vm.editDraft { it.copy(moodTrends = !it.moodTrends) } }
                Check(d.checkIns, tr("scope_checkins")) { vm.editDraft { it.copy(checkIns = !it.checkIns) } }
                Check(d.courseProgress, tr("scope_course")) { vm.editDraft { it.copy(courseProgress = !it.courseProgress) } }
                Check(d.alerts, tr("scope_alerts")) { vm.editDraft { it.copy(alerts = !it.alerts) } }
                Check(d.recoveryCount, tr("scope_recovery_count")) { vm.editDraft { it.copy(recoveryCount = !it.recoveryCount) } }
                Row(verticalAlignment = Alignment.CenterVertically) {
                    OutlinedTextField(tag, { tag = it }, label = { Text(tr("scope_tag")) }, singleLine = true, modifier = Modifier.weight(1f))
                    TextButton(onClick = { vm.editDraft { it.withTag(tag) }; tag = "" }) { Text(tr("entry_add_tag")) }
                }
                d.tags.forEach { Text(tr("scope_tag_chosen", it)) }
                OutlinedTextField(d.purpose, { p -> vm.editDraft { it.copy(purpose = p) } }, label = { Text(tr("consent_purpose")) }, modifier = Modifier.fillMaxWidth())
                Text(tr("consent_expiry"), Modifier.padding(top = 8.dp))
                ConsentDraft.expiryChoices().forEach { days ->
                    Row(
                        Modifier.fillMaxWidth().heightIn(min = 48.dp)
                            .selectable(selected = d.expiryDays == days, role = Role.RadioButton, onClick = { vm.editDraft { it.copy(expiryDays = days) } }),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        RadioButton(selected = d.expiryDays == days, onClick = null)
                        Text(trPlural("consent_days", days, days), Modifier.padding(start = 8.dp))
                    }
                }
                Text(tr("consent_revoke_note"), style = MaterialTheme.typography.bodyMedium)
                ErrorText(error)
            }
        },
        confirmButton = { TextButton(onClick = { vm.grant() }) { Text(tr("consent_give")) } },
        dismissButton = { TextButton(onClick = vm::closeEditor) { Text(tr("action_cancel")) } },
    )
}

@Composable
private fun Check(checked: Boolean, label: String, onToggle: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = 48.dp).selectable(selected = checked, role = Role.Checkbox, onClick = onToggle),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Checkbox(checked = checked, onCheckedChange = null)
        Text(label, Modifier.padding(start = 8.dp))
    }
}

/** The invite as a QR code (zxing encodes; Compose only paints the modules, black on white). */
@Composable
private fun QrCode(text: String, modifier: Modifier) {
    val matrix = remember(text) { QRCodeWriter().encode(text, BarcodeFormat.QR_CODE, 0, 0) }
    Canvas(modifier) {
        val cell = size.minDimension / matrix.width
        drawRect(Color.White)
        for (x in 0 until matrix.width) for (y in 0 until matrix.height) {
            if (matrix.get(x, y)) drawRect(Color.Black, Offset(x * cell, y * cell), Size(cell, cell))
        }
    }
}
