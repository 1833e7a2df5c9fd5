package org.lantern.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.launch
import org.lantern.core.LanternCore
import org.lantern.presentation.AutoLock
import org.lantern.presentation.JournalLockViewModel
import org.lantern.presentation.NotificationAnswer
import org.lantern.presentation.Preferences
import org.lantern.presentation.SettingsDone
import org.lantern.presentation.SettingsViewModel
import org.lantern.presentation.UpdatesSetting

/** Settings (behind the journal's lock): passphrase, recovery code, backup and export, auto-lock, biometric unlock, updates. */
@Composable
fun SettingsScreen(core: LanternCore, autoLock: AutoLock, preferences: Preferences) {
    SecureScreen()
    JournalGate(core) { Settings(core, autoLock, preferences) }
}

@OptIn(ExperimentalLayoutApi::class)
@Composable
private fun Settings(core: LanternCore, autoLock: AutoLock, preferences: Preferences) {
    val vm = rememberScreenModel("settings") { SettingsViewModel(core.journal, autoLock, it, UpdatesSetting(preferences)) }
    val s by vm.state.collectAsState()
    val platform = LocalPlatform.current
    val scope = rememberCoroutineScope()
    LaunchedEffect(vm) { vm.load() }
    // The readable copy goes straight to the place the person picks and is dropped from the state.
    LaunchedEffect(s.plaintextExport) {
        s.plaintextExport?.let { text ->
            platform.sharePlaintext(text)
            vm.plaintextExportHandedOver()
        }
    }

    Column(Modifier.fillMaxSize()) {
        // What just happened stays in view above the scrolling sections, wherever the action was.
        Column(Modifier.padding(horizontal = 16.dp)) {
            s.done?.let { done ->
                Text(
                    tr(DONE_KEYS.getValue(done)),
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.padding(top = 8.dp).semantics { liveRegion = LiveRegionMode.Polite },
                )
            }
            ErrorText(s.error)
        }
        ScreenColumn {
            Title(tr("settings_title"))

            SectionTitle(tr("settings_passphrase"))
            Secret(s.oldPassphrase, vm::onOld, tr("settings_current_passphrase"))
            Secret(s.newPassphrase, vm::onNew, tr("lock_new_passphrase"))
            Secret(s.confirmPassphrase, vm::onConfirm, tr("lock_passphrase_again"))
            Button(onClick = { vm.changePassphrase() }, enabled = !s.busy) { Text(tr("settings_change_passphrase")) }
            Text(tr("settings_recovery_explain"), style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(top = 12.dp))
            OutlinedTextField(s.recoveryCode, vm::onRecoveryCode, label = { Text(tr("lock_recovery_code")) }, modifier = Modifier.fillMaxWidth())
            OutlinedButton(onClick = { vm.resetWithRecoveryCode() }, enabled = !s.busy) { Text(tr("lock_recover_action")) }
            s.newRecoveryCode?.let { code ->
                Text(tr("lock_recovery_code_explain"), style = MaterialTheme.typography.bodyLarge)
                SelectionContainer { Text(code, style = MaterialTheme.typography.headlineSmall) }
                Button(onClick = vm::recoveryCodeSaved) { Text(tr("lock_recovery_code_saved")) }
            }

            HorizontalDivider(Modifier.padding(vertical = 16.dp))
            SectionTitle(tr("settings_backup"))
            Text(tr("settings_backup_explain"), style = MaterialTheme.typography.bodyMedium)
            Secret(s.backupPassphrase, vm::onBackupPassphrase, tr("settings_backup_passphrase"))
            FlowRow {
                Button(
                    onClick = {
                        // A passphrase the core's policy refuses: the view model says so before any file is chosen.
                        if (JournalLockViewModel.passphraseProblem(s.backupPassphrase, s.backupPassphrase) != null) vm.exportBackup("")
                        else scope.launch { platform.backupFiles.export(BACKUP_NAME) { path -> vm.exportBackup(path)?.join() } }
                    },
                    enabled = !s.busy,
                    modifier = Modifier.padding(end = 8.dp),
                ) { Text(tr("settings_backup_export")) }
                OutlinedButton(
                    onClick = {
                        if (s.backupPassphrase.isEmpty()) vm.importBackup("")
                        else scope.launch { platform.backupFiles.import { path -> vm.importBackup(path)?.join() } }
                    },
                    enabled = !s.busy,
                ) { Text(tr("settings_backup_import")) }
            }
            s.importedEntries?.let { Text(trPlural("settings_imported", it, it), style = MaterialTheme.typography.bodyLarge) }
            TextButton(onClick = vm::askPlaintextExport) { Text(tr("settings_plaintext_export")) }
            if (s.confirmingPlaintextExport) {
                AlertDialog(
                    onDismissRequest = vm::cancelPlaintextExport,
                    title = { Text(tr("settings_plaintext_title")) },
                    text = { Text(tr("settings_plaintext_warning")) },
                    confirmButton = { TextButton(onClick = { vm.confirmPlaintextExport() }) { Text(tr("settings_plaintext_confirm")) } },
                    dismissButton = { TextButton(onClick = vm::cancelPlaintextExport) { Text(tr("action_cancel")) } },
                )
            }

            HorizontalDivider(Modifier.padding(vertical = 16.dp))
            SectionTitle(tr("settings_auto_lock"))
            Column(Modifier.selectableGroup()) {
                s.autoLockChoicesMs.forEach { ms ->
                    Row(
                        Modifier.fillMaxWidth()
                            .selectable(selected = s.autoLockDelayMs == ms, role = Role.RadioButton, onClick = { vm.setAutoLockDelay(ms) })
                            .padding(vertical = 12.dp),
                        verticalAlignment = Alignment.CenterVertically,
                    ) {
                        RadioButton(selected = s.autoLockDelayMs == ms, onClick = null)
                        Text(autoLockLabel(ms), Modifier.padding(start = 8.dp))
                    }
                }
            }

            val platformKey = platform.platformKey
            if (platformKey != null) {
                Row(
                    Modifier.fillMaxWidth().padding(top = 8.dp).toggleable(
                        value = s.platformKeyEnabled,
                        role = Role.Switch,
                        onValueChange = { on ->
                            // Wrapping the journal key with the platform key needs a fresh biometric check too.
                            if (!on) vm.setPlatformKey(null)
                            else scope.launch { platformKey.authenticate()?.let { vm.setPlatformKey(it) } }
                        },
                    ).padding(vertical = 8.dp),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(tr("settings_biometric"), Modifier.weight(1f))
                    Switch(checked = s.platformKeyEnabled, onCheckedChange = null)
                }
            }
            HorizontalDivider(Modifier.padding(vertical = 16.dp))
            SectionTitle(tr("settings_updates"))
            Row(
                Modifier.fillMaxWidth().toggleable(
                    value = s.updatesOn,
                    role = Role.Switch,
                    // Turning updates on asks the platform for permission to notify, now.
                    onValueChange = { on -> vm.setUpdates(on) { platform.requestNotifications() } },
                ).padding(vertical = 8.dp),
                verticalAlignment = Alignment.CenterVertically,
            ) {
                Text(tr("settings_updates_notify"), Modifier.weight(1f))
                Switch(checked = s.updatesOn, onCheckedChange = null)
            }
            s.updatesRefused?.let { answer ->
                val refused = answer == NotificationAnswer.Refused
                Text(
                    tr(if (refused) "settings_updates_refused" else "settings_updates_failed"),
                    color = MaterialTheme.colorScheme.error,
                    style = MaterialTheme.typography.bodyLarge,
                    modifier = Modifier.padding(vertical = 8.dp).semantics { liveRegion = LiveRegionMode.Polite },
                )
                val openSettings = platform.openNotificationSettings
                if (refused && openSettings != null) TextButton(onClick = openSettings) { Text(tr("settings_updates_open_settings")) }
            }
        }
    }
}

@Composable
private fun autoLockLabel(ms: Long): String = when {
    ms == 0L -> tr("settings_auto_lock_now")
    ms < 60_000L -> trPlural("settings_auto_lock_seconds", (ms / 1000).toInt(), (ms / 1000).toInt())
    else -> trPlural("settings_auto_lock_minutes", (ms / 60_000).toInt(), (ms / 60_000).toInt())
}

private const val BACKUP_NAME = "lantern-backup.lantern"

private val DONE_KEYS = mapOf(
    SettingsDone.PassphraseChanged to "settings_done_passphrase",
    SettingsDone.BackupWritten to "settings_done_backup",
    SettingsDone.BackupImported to "settings_done_import",
    SettingsDone.PlaintextExported to "settings_done_plaintext",
    SettingsDone.PlatformKeyOn to "settings_done_biometric_on",
    SettingsDone.PlatformKeyOff to "settings_done_biometric_off",
)
