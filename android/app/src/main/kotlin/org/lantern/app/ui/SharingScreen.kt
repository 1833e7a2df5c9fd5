package org.lantern.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.selection.SelectionContainer
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
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.geometry.Size
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.res.pluralStringResource
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontFamily
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import com.google.zxing.BarcodeFormat
import com.google.zxing.qrcode.QRCodeWriter
import org.lantern.app.LanternApplication
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.AuditCheck
import org.lantern.presentation.AuditViewModel
import org.lantern.presentation.ConsentDraft
import org.lantern.presentation.ConnectionRow
import org.lantern.presentation.GrantRow
import org.lantern.presentation.SharingViewModel
import org.lantern.presentation.UiError
import java.text.DateFormat
import java.util.Date

/**
 * Sharing: my supporters, pairing (invite as QR code or text), safety numbers, the consent
 * editor, active grants with one-tap revoke, the audit log. Draws SharingViewModel's state.
 */
@Composable
fun SharingScreen(core: LanternCore, app: LanternApplication) {
    SecureScreen()
    val vm = rememberScreenModel("sharing") { SharingViewModel(core.sharing, app.preferences, it) }
    val audit = rememberScreenModel("audit") { AuditViewModel(core.sharing, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    val a by audit.state.collectAsStateWithLifecycle()
    var showAudit by remember { mutableStateOf(false) }
    LaunchedEffect(Unit) { vm.load() }

    LazyColumn(Modifier.padding(16.dp)) {
        item {
            Title(R.string.sharing_title)
            OutlinedTextField(s.myName, vm::onMyName, label = { Text(stringResource(R.string.sharing_my_name)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
            Row {
                Button(onClick = { vm.syncNow() }, enabled = !s.syncing) { Text(stringResource(R.string.sharing_sync_now)) }
                TextButton(onClick = { showAudit = !showAudit; if (showAudit) audit.load() }) { Text(stringResource(R.string.sharing_audit)) }
            }
            s.lastSync?.let { Text(stringResource(R.string.sharing_last_sync, it.posted.toInt(), it.applied.toInt())) }
            ErrorText(s.error)
        }

        item { Subtitle(R.string.sharing_supporters) }
        if (s.supporters.isEmpty()) item { Text(stringResource(R.string.sharing_no_supporters)) }
        items(s.supporters, key = { it.id }) { c -> ConnectionCard(c, onCompare = { vm.compare(c.id) }, onShare = { vm.openEditor(c.id) }) }

        item {
            Subtitle(R.string.sharing_pair_title)
            Text(stringResource(R.string.sharing_pair_explain))
            OutlinedTextField(s.inviteText, vm::onInviteText, label = { Text(stringResource(R.string.sharing_invite_text)) }, modifier = Modifier.fillMaxWidth())
            Button(onClick = { vm.pair() }, enabled = !s.busy) { Text(stringResource(R.string.sharing_pair_action)) }
        }

        item { Subtitle(R.string.sharing_active_grants) }
        if (s.activeGrants.isEmpty()) item { Text(stringResource(R.string.sharing_no_grants)) }
        items(s.activeGrants, key = { it.id }) { g -> GrantCard(g, onRevoke = { vm.revoke(g.id) }) }
        if (s.pastGrants.isNotEmpty()) {
            item { Subtitle(R.string.sharing_past_grants) }
            items(s.pastGrants, key = { it.id }) { g -> GrantCard(g, onRevoke = null) }
        }

        item {
            HorizontalDivider(Modifier.padding(vertical = 16.dp))
            Subtitle(R.string.sharing_support_someone)
            Text(stringResource(R.string.sharing_invite_explain))
            OutlinedTextField(s.relayUrl, vm::onRelayUrl, label = { Text(stringResource(R.string.sharing_relay_url)) }, singleLine = true, modifier = Modifier.fillMaxWidth())
            OutlinedButton(onClick = { vm.createInvite() }, enabled = !s.busy) { Text(stringResource(R.string.sharing_create_invite)) }
            s.createdInvite?.let { invite ->
                val description = stringResource(R.string.sharing_invite_qr_description)
                QrCode(invite, Modifier.size(240.dp).semantics { contentDescription = description })
                SelectionContainer { Text(invite, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.bodySmall) }
            }
            s.peers.forEach { p -> ConnectionCard(p, onCompare = { vm.compare(p.id) }, onShare = null) }
        }

        if (showAudit) {
            item {
                Subtitle(R.string.sharing_audit)
                Row {
                    OutlinedButton(onClick = { audit.verify() }) { Text(stringResource(R.string.audit_verify)) }
                    when (a.check) {
                        AuditCheck.Intact -> Text(stringResource(R.string.audit_intact), Modifier.padding(start = 8.dp))
                        AuditCheck.Damaged -> Text(stringResource(R.string.audit_damaged), color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(start = 8.dp))
                        AuditCheck.NotChecked -> Unit
                    }
                }
                ErrorText(a.error)
            }
            items(a.rows, key = { it.seq }) { r ->
                Text("${DateFormat.getDateTimeInstance().format(Date(r.at * 1000))} · ${r.event}", style = MaterialTheme.typography.bodySmall)
            }
        }
    }

    s.comparing?.let { c ->
        AlertDialog(
            onDismissRequest = {},
            title = { Text(stringResource(R.string.safety_title, c.theirName)) },
            text = {
                Column {
                    Text(stringResource(R.string.safety_explain))
                    c.safetyNumberLines.forEach { Text(it, fontFamily = FontFamily.Monospace, style = MaterialTheme.typography.titleMedium) }
                }
            },
            confirmButton = { TextButton(onClick = { vm.safetyNumbersCompared(true) }) { Text(stringResource(R.string.safety_match)) } },
            dismissButton = { TextButton(onClick = { vm.safetyNumbersCompared(false) }) { Text(stringResource(R.string.safety_no_match)) } },
        )
    }
    s.editorFor?.let { to -> ConsentEditor(to, s.draft, s.error, vm) }
}

@Composable
private fun Subtitle(res: Int) = Text(stringResource(res), style = MaterialTheme.typography.titleMedium, modifier = Modifier.padding(top = 16.dp, bottom = 4.dp))

@Composable
private fun ConnectionCard(c: ConnectionRow, onCompare: () -> Unit, onShare: (() -> Unit)?) {
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(c.theirName, style = MaterialTheme.typography.titleMedium)
            Text(stringResource(if (c.verified) R.string.safety_verified else R.string.safety_not_verified))
            if (onShare != null) Text(pluralStringResource(R.plurals.sharing_active_count, c.activeGrants, c.activeGrants))
            Row {
                TextButton(onClick = onCompare) { Text(stringResource(R.string.safety_compare)) }
                if (onShare != null) TextButton(onClick = onShare) { Text(stringResource(R.string.sharing_choose_what)) }
            }
        }
    }
}

@Composable
private fun GrantCard(g: GrantRow, onRevoke: (() -> Unit)?) {
    val date = DateFormat.getDateInstance()
    Card(Modifier.fillMaxWidth().padding(vertical = 4.dp)) {
        Column(Modifier.padding(12.dp)) {
            Text(stringResource(R.string.grant_to, g.recipientName), style = MaterialTheme.typography.titleMedium)
            g.howMuch.forEach { Text("• $it") }
            Text(stringResource(R.string.grant_purpose, g.purpose))
            Text(stringResource(R.string.grant_dates, date.format(Date(g.createdAt * 1000)), date.format(Date(g.expiresAt * 1000))))
            Text(g.rightToRevoke, style = MaterialTheme.typography.bodySmall)
            if (onRevoke != null) {
                Button(onClick = onRevoke) { Text(stringResource(R.string.grant_revoke)) }
            } else {
                Text(stringResource(R.string.grant_ended, g.status.name.lowercase()), style = MaterialTheme.typography.labelMedium)
            }
        }
    }
}

@Composable
private fun ConsentEditor(to: ConnectionRow, d: ConsentDraft, error: UiError?, vm: SharingViewModel) {
    var tag by remember { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = vm::closeEditor,
        title = { Text(stringResource(R.string.consent_title, to.theirName)) },
        text = {
            Column {
                Check(d.moodTrends, R.string.scope_mood_trends) { vm.editDraft { it.copy(moodTrends = !it.moodTrends) } }
                Check(d.checkIns, R.string.scope_checkins) { vm.editDraft { it.copy(checkIns = !it.checkIns) } }
                Check(d.courseProgress, R.string.scope_course) { vm.editDraft { it.copy(courseProgress = !it.courseProgress) } }
                Row {
                    OutlinedTextField(tag, { tag = it }, label = { Text(stringResource(R.string.scope_tag)) }, singleLine = true, modifier = Modifier.weight(1f))
                    TextButton(onClick = { vm.editDraft { it.withTag(tag) }; tag = "" }) { Text(stringResource(R.string.entry_add_tag)) }
                }
                d.tags.forEach { Text(stringResource(R.string.scope_tag_chosen, it)) }
                OutlinedTextField(d.purpose, { p -> vm.editDraft { it.copy(purpose = p) } }, label = { Text(stringResource(R.string.consent_purpose)) }, modifier = Modifier.fillMaxWidth())
                Text(stringResource(R.string.consent_expiry))
                ConsentDraft.expiryChoices().forEach { days ->
                    Row(Modifier.selectable(selected = d.expiryDays == days, role = Role.RadioButton, onClick = { vm.editDraft { it.copy(expiryDays = days) } })) {
                        RadioButton(selected = d.expiryDays == days, onClick = null)
                        Text(pluralStringResource(R.plurals.consent_days, days, days), Modifier.padding(start = 8.dp))
                    }
                }
                Text(stringResource(R.string.consent_revoke_note), style = MaterialTheme.typography.bodySmall)
                ErrorText(error)
            }
        },
        confirmButton = { TextButton(onClick = { vm.grant() }) { Text(stringResource(R.string.consent_give)) } },
        dismissButton = { TextButton(onClick = vm::closeEditor) { Text(stringResource(R.string.action_cancel)) } },
    )
}

@Composable
private fun Check(checked: Boolean, label: Int, onToggle: () -> Unit) {
    Row(Modifier.selectable(selected = checked, role = Role.Checkbox, onClick = onToggle)) {
        Checkbox(checked = checked, onCheckedChange = null)
        Text(stringResource(label), Modifier.padding(start = 8.dp))
    }
}

/** The invite as a QR code (zxing encodes; Compose only paints the modules). */
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
