package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.JournalService
import uniffi.lantern.PlaintextFormat
import uniffi.lantern.PlatformKeyProvider

/** What Settings just finished, for a short confirmation message. */
enum class SettingsDone { PassphraseChanged, BackupWritten, BackupImported, PlaintextExported, PlatformKeyOn, PlatformKeyOff }

data class SettingsUiState(
    val oldPassphrase: String = "",
    val newPassphrase: String = "",
    val confirmPassphrase: String = "",
    val recoveryCode: String = "",
    /** A new recovery code after a reset with the old one, shown once. */
    val newRecoveryCode: String? = null,
    val backupPassphrase: String = "",
    val autoLockDelayMs: Long = AutoLock.DEFAULT_DELAY_MS,
    val autoLockChoicesMs: List<Long> = AutoLock.CHOICES_MS,
    val platformKeyEnabled: Boolean = false,
    /** The "new updates" notification is on (see [UpdatesSetting]). */
    val updatesOn: Boolean = false,
    /** Why turning updates on did not work ([NotificationAnswer.Refused] or [NotificationAnswer.Failed]); updates stay off. */
    val updatesRefused: NotificationAnswer? = null,
    /** The plaintext export asks for an explicit second confirmation before it runs. */
    val confirmingPlaintextExport: Boolean = false,
    val plaintextExport: String? = null,
    val importedEntries: Int? = null,
    val busy: Boolean = false,
    val done: SettingsDone? = null,
    val error: UiError? = null,
)

/**
 * Settings: change the passphrase, reset it with the recovery code, encrypted backup and
 * import, the explicit plaintext export, the auto-lock delay, unlocking with the platform
 * key, and the "new updates" notification. File locations and the permission to notify come
 * from the app (the system file picker, the platform's permission dialog); this class decides
 * the rest.
 */
class SettingsViewModel(
    private val journal: JournalService,
    private val autoLock: AutoLock,
    private val scope: CoroutineScope,
    private val updates: UpdatesSetting? = null,
) {
    private val _state = MutableStateFlow(
        SettingsUiState(autoLockDelayMs = autoLock.delayMs, updatesOn = updates?.enabled ?: false),
    )
    val state: StateFlow<SettingsUiState> = _state.asStateFlow()

    fun load(): Job = scope.launch {
        val enabled = attempt { journal.platformKeyEnabled() }
        _state.update { it.copy(platformKeyEnabled = enabled.getOrDefault(false)) }
    }

    fun onOld(v: String) = _state.update { it.copy(oldPassphrase = v, error = null) }
    fun onNew(v: String) = _state.update { it.copy(newPassphrase = v, error = null) }
    fun onConfirm(v: String) = _state.update { it.copy(confirmPassphrase = v, error = null) }
    fun onRecoveryCode(v: String) = _state.update { it.copy(recoveryCode = v, error = null) }
    fun onBackupPassphrase(v: String) = _state.update { it.copy(backupPassphrase = v, error = null) }

    fun changePassphrase(): Job? {
        val s = _state.value
        JournalLockViewModel.passphraseProblem(s.newPassphrase, s.confirmPassphrase)?.let { e ->
            _state.update { it.copy(error = e) }
            return null
        }
        return run(SettingsDone.PassphraseChanged) {
            journal.changePassphrase(s.oldPassphrase, s.newPassphrase)
            _state.update { it.copy(oldPassphrase = "", newPassphrase = "", confirmPassphrase = "") }
        }
    }

    /** Resets the passphrase with the recovery code; shows the new code once. */
    fun resetWithRecoveryCode(): Job? {
        val s = _state.value
        JournalLockViewModel.passphraseProblem(s.newPassphrase, s.confirmPassphrase)?.let { e ->
            _state.update { it.copy(error = e) }
            return null
        }
        return run(SettingsDone.PassphraseChanged) {
            val code = journal.recover(s.recoveryCode, s.newPassphrase)
            _state.update { it.copy(newRecoveryCode = code, recoveryCode = "", newPassphrase = "", confirmPassphrase = "") }
        }
    }

    fun recoveryCodeSaved() = _state.update { it.copy(newRecoveryCode = null) }

    /** Writes an encrypted backup to [path] (from the file picker). */
    fun exportBackup(path: String): Job? {
        val pass = _state.value.backupPassphrase
        JournalLockViewModel.passphraseProblem(pass, pass)?.let { e ->
            _state.update { it.copy(error = e) }
            return null
        }
        return run(SettingsDone.BackupWritten) {
            journal.exportBackup(path, pass)
            _state.update { it.copy(backupPassphrase = "") }
        }
    }

    fun importBackup(path: String): Job? {
        val pass = _state.value.backupPassphrase
        if (pass.isEmpty()) {
            _state.update { it.copy(error = UiError.PassphraseTooShort) }
            return null
        }
        return run(SettingsDone.BackupImported) {
            val report = journal.importBackup(path, pass)
            _state.update { it.copy(backupPassphrase = "", importedEntries = report.entriesAdded.toInt()) }
        }
    }

    /** First tap: ask for confirmation (the copy is unencrypted). */
    fun askPlaintextExport() = _state.update { it.copy(confirmingPlaintextExport = true) }

    fun cancelPlaintextExport() = _state.update { it.copy(confirmingPlaintextExport = false) }

    /** Second tap: the person confirmed; the text goes to the share sheet, then is dropped. */
    fun confirmPlaintextExport(format: PlaintextFormat = PlaintextFormat.MARKDOWN): Job? {
        if (!_state.value.confirmingPlaintextExport) return null
        return run(SettingsDone.PlaintextExported) {
            val text = journal.exportPlaintext(format)
            _state.update { it.copy(plaintextExport = text, confirmingPlaintextExport = false) }
        }
    }

    fun plaintextExportHandedOver() = _state.update { it.copy(plaintextExport = null) }

    fun setAutoLockDelay(ms: Long) {
        if (ms !in AutoLock.CHOICES_MS) {
            _state.update { it.copy(error = UiError.InvalidInput) }
            return
        }
        autoLock.delayMs = ms
        _state.update { it.copy(autoLockDelayMs = ms) }
    }

    fun setPlatformKey(provider: PlatformKeyProvider?): Job =
        run(if (provider != null) SettingsDone.PlatformKeyOn else SettingsDone.PlatformKeyOff) {
            if (provider != null) journal.enablePlatformKey(provider) else journal.disablePlatformKey()
            _state.update { it.copy(platformKeyEnabled = provider != null) }
        }

    /**
     * Turns the "new updates" notification on or off. Turning it on asks the platform first
     * ([askPermission], at this moment and not at start-up); a refusal or a failure to ask
     * leaves it off and is shown. Turning it off needs nobody's permission.
     */
    fun setUpdates(on: Boolean, askPermission: suspend () -> NotificationAnswer): Job? {
        val setting = updates ?: return null
        if (!on) {
            setting.set(false)
            _state.update { it.copy(updatesOn = false, updatesRefused = null) }
            return null
        }
        return scope.launch {
            val answer = try {
                askPermission()
            } catch (e: kotlinx.coroutines.CancellationException) {
                throw e
            } catch (e: Exception) {
                NotificationAnswer.Failed
            }
            val granted = answer == NotificationAnswer.Granted
            setting.set(granted)
            _state.update { it.copy(updatesOn = granted, updatesRefused = if (granted) null else answer) }
        }
    }

    fun dismiss() = _state.update { it.copy(done = null, error = null) }

    private fun run(done: SettingsDone, block: suspend () -> Unit): Job {
        _state.update { it.copy(busy = true, error = null, done = null) }
        return scope.launch {
            val r = attempt { block() }
            _state.update { it.copy(busy = false, done = if (r.isSuccess) done else null, error = r.uiError()) }
        }
    }
}
