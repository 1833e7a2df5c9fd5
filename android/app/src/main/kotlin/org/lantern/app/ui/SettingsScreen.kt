package org.lantern.app.ui

import android.content.Intent
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.foundation.verticalScroll
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
import androidx.compose.runtime.getValue
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kotlinx.coroutines.launch
import org.lantern.app.R
import org.lantern.app.platform.Biometrics
import org.lantern.app.platform.DocumentFiles
import org.lantern.core.KeystoreKeyProvider
import org.lantern.core.LanternCore
import org.lantern.presentation.AutoLock
import org.lantern.presentation.SettingsDone
import org.lantern.presentation.SettingsViewModel

/** Settings: passphrase, recovery code, backup and export, auto-lock delay, biometric unlock. */
@Composable
fun SettingsScreen(core: LanternCore, autoLock: AutoLock) {
    SecureScreen()
    val vm = rememberScreenModel("settings") { SettingsViewModel(core.journal, autoLock, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    val context = LocalContext.current
    val activity = context as? FragmentActivity
    val scope = rememberCoroutineScope()
    LaunchedEffect(Unit) { vm.load() }

    val exportBackup = rememberLauncherForActivityResult(ActivityResultContracts.CreateDocument("application/octet-stream")) { uri ->
        if (uri != null) scope.launch { DocumentFiles.exportTo(context, uri) { path -> vm.exportBackup(path)?.join() } }
    }
    val importBackup = rememberLauncherForActivityResult(ActivityResultContracts.OpenDocument()) { uri ->
        if (uri != null) scope.launch { DocumentFiles.importFrom(context, uri) { path -> vm.importBackup(path)?.join() } }
    }
    // The plaintext copy goes straight to the share sheet and is dropped from the state.
    LaunchedEffect(s.plaintextExport) {
        s.plaintextExport?.let { text ->
            context.startActivity(Intent.createChooser(Intent(Intent.ACTION_SEND).setType("text/markdown").putExtra(Intent.EXTRA_TEXT, text), null))
            vm.plaintextExportHandedOver()
        }
    }

    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Title(R.string.settings_passphrase)
        Secret(s.oldPassphrase, vm::onOld, R.string.settings_current_passphrase)
        Secret(s.newPassphrase, vm::onNew, R.string.lock_new_passphrase)
        Secret(s.confirmPassphrase, vm::onConfirm, R.string.lock_passphrase_again)
        Button(onClick = { vm.changePassphrase() }, enabled = !s.busy) { Text(stringResource(R.string.settings_change_passphrase)) }
        OutlinedTextField(s.recoveryCode, vm::onRecoveryCode, label = { Text(stringResource(R.string.lock_recovery_code)) })
        OutlinedButton(onClick = { vm.resetWithRecoveryCode() }, enabled = !s.busy) { Text(stringResource(R.string.lock_recover_action)) }
        s.newRecoveryCode?.let { code ->
            Text(stringResource(R.string.lock_recovery_code_explain))
            SelectionContainer { Text(code, style = MaterialTheme.typography.headlineSmall) }
            Button(onClick = vm::recoveryCodeSaved) { Text(stringResource(R.string.lock_recovery_code_saved)) }
        }

        HorizontalDivider(Modifier.padding(vertical = 16.dp))
        Title(R.string.settings_backup)
        Secret(s.backupPassphrase, vm::onBackupPassphrase, R.string.settings_backup_passphrase)
        Row {
            Button(onClick = { exportBackup.launch("lantern-backup.lantern") }, enabled = !s.busy) { Text(stringResource(R.string.settings_backup_export)) }
            OutlinedButton(onClick = { importBackup.launch(arrayOf("*/*")) }, enabled = !s.busy, modifier = Modifier.padding(start = 8.dp)) {
                Text(stringResource(R.string.settings_backup_import))
            }
        }
        s.importedEntries?.let { Text(stringResource(R.string.settings_imported, it)) }
        TextButton(onClick = vm::askPlaintextExport) { Text(stringResource(R.string.settings_plaintext_export)) }
        if (s.confirmingPlaintextExport) {
            AlertDialog(
                onDismissRequest = vm::cancelPlaintextExport,
                title = { Text(stringResource(R.string.settings_plaintext_title)) },
                text = { Text(stringResource(R.string.settings_plaintext_warning)) },
                confirmButton = { TextButton(onClick = { vm.confirmPlaintextExport() }) { Text(stringResource(R.string.settings_plaintext_confirm)) } },
                dismissButton = { TextButton(onClick = vm::cancelPlaintextExport) { Text(stringResource(R.string.action_cancel)) } },
            )
        }

        HorizontalDivider(Modifier.padding(vertical = 16.dp))
        Title(R.string.settings_auto_lock)
        s.autoLockChoicesMs.forEach { ms ->
            Row(Modifier.selectable(selected = s.autoLockDelayMs == ms, role = Role.RadioButton, onClick = { vm.setAutoLockDelay(ms) }).padding(vertical = 4.dp)) {
                RadioButton(selected = s.autoLockDelayMs == ms, onClick = null)
                Text(
                    if (ms == 0L) stringResource(R.string.settings_auto_lock_now) else stringResource(R.string.settings_auto_lock_after, (ms / 1000).toInt()),
                    Modifier.padding(start = 8.dp),
                )
            }
        }
        Row(Modifier.padding(top = 8.dp)) {
            Text(stringResource(R.string.settings_biometric), Modifier.weight(1f))
            Switch(
                checked = s.platformKeyEnabled,
                onCheckedChange = { on ->
                    // Wrapping the key with the Keystore key needs a fresh biometric check too.
                    if (!on) vm.setPlatformKey(null)
                    else if (activity != null) Biometrics.authenticate(activity) { vm.setPlatformKey(KeystoreKeyProvider.forJournal()) }
                },
            )
        }

        s.done?.let { done ->
            val message = when (done) {
                SettingsDone.PassphraseChanged -> R.string.settings_done_passphrase
                SettingsDone.BackupWritten -> R.string.settings_done_backup
                SettingsDone.BackupImported -> R.string.settings_done_import
                SettingsDone.PlaintextExported -> R.string.settings_done_plaintext
                SettingsDone.PlatformKeyOn -> R.string.settings_done_biometric_on
                SettingsDone.PlatformKeyOff -> R.string.settings_done_biometric_off
            }
            Text(stringResource(message), style = MaterialTheme.typography.bodyMedium)
        }
        ErrorText(s.error)
    }
}
