package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.JournalService
import org.lantern.core.VaultState
import uniffi.lantern.PassphraseProblem
import uniffi.lantern.PlatformKeyProvider
import uniffi.lantern.checkNewPassphrase

/** Which form the lock screen shows. */
enum class LockMode { Loading, SetUp, Unlock, Recover, ShowRecoveryCode, Unlocked }

data class JournalLockUiState(
    val mode: LockMode = LockMode.Loading,
    val passphrase: String = "",
    val confirm: String = "",
    val recoveryCode: String = "",
    /** Shown once after setup or recovery, then forgotten when the person confirms. */
    val newRecoveryCode: String? = null,
    val platformKeyEnabled: Boolean = false,
    val busy: Boolean = false,
    val error: UiError? = null,
    val failedAttempts: Int = 0,
)

/**
 * The journal's lock screen: first-time setup (passphrase twice, then the recovery code shown
 * once), unlock by passphrase or platform key (biometric), and reset with the recovery code.
 * Typed passphrases are cleared from the state as soon as they have been used.
 */
class JournalLockViewModel(
    private val journal: JournalService,
    private val scope: CoroutineScope,
) {
    private val _state = MutableStateFlow(JournalLockUiState())
    val state: StateFlow<JournalLockUiState> = _state.asStateFlow()

    init {
        // Locking from anywhere (auto-lock, a Locked failure) brings the lock screen back.
        scope.launch {
            journal.vault.collect { v ->
                if (v == VaultState.Locked && _state.value.mode == LockMode.Unlocked) {
                    _state.update { it.copy(mode = LockMode.Unlock) }
                }
            }
        }
    }

    fun load(): Job = scope.launch {
        val loaded = attempt { journal.refresh() to runCatchingPlatform() }
        loaded.onSuccess { (vault, platform) ->
            _state.update {
                it.copy(
                    mode = when (vault) {
                        VaultState.NotSetUp -> LockMode.SetUp
                        VaultState.Unlocked -> LockMode.Unlocked
                        else -> LockMode.Unlock
                    },
                    platformKeyEnabled = platform,
                )
            }
        }
        loaded.uiError()?.let { e -> _state.update { it.copy(mode = LockMode.Unlock, error = e) } }
    }

    private suspend fun runCatchingPlatform(): Boolean = attempt { journal.platformKeyEnabled() }.getOrDefault(false)

    fun onPassphrase(value: String) = _state.update { it.copy(passphrase = value, error = null) }
    fun onConfirm(value: String) = _state.update { it.copy(confirm = value, error = null) }
    fun onRecoveryCode(value: String) = _state.update { it.copy(recoveryCode = value, error = null) }

    /** First-time setup. Checks length and confirmation before the (slow) key derivation. */
    fun setUp(): Job? {
        val s = _state.value
        passphraseProblem(s.passphrase, s.confirm)?.let { e -> _state.update { it.copy(error = e) }; return null }
        return busy {
            val code = attempt { journal.setUp(s.passphrase) }
            _state.update {
                code.getOrNull()?.let { c ->
                    it.copy(mode = LockMode.ShowRecoveryCode, newRecoveryCode = c, passphrase = "", confirm = "")
                } ?: it.copy(error = code.uiError())
            }
        }
    }

    fun unlock(): Job? {
        val pass = _state.value.passphrase
        if (pass.isEmpty()) {
            _state.update { it.copy(error = UiError.PassphraseTooShort) }
            return null
        }
        return busy {
            val done = attempt { journal.unlock(pass) }
            _state.update {
                if (done.isSuccess) {
                    it.copy(mode = LockMode.Unlocked, passphrase = "", failedAttempts = 0)
                } else {
                    it.copy(error = done.uiError(), passphrase = "", failedAttempts = it.failedAttempts + 1)
                }
            }
        }
    }

    /** Unlock with the platform key; the app has already shown the biometric prompt. */
    fun unlockWithPlatformKey(provider: PlatformKeyProvider): Job = busy {
        val done = attempt { journal.unlockWithPlatformKey(provider) }
        _state.update { if (done.isSuccess) it.copy(mode = LockMode.Unlocked) else it.copy(error = done.uiError()) }
    }

    fun startRecovery() = _state.update { it.copy(mode = LockMode.Recover, passphrase = "", confirm = "", error = null) }

    fun cancelRecovery() = _state.update { it.copy(mode = LockMode.Unlock, recoveryCode = "", passphrase = "", confirm = "") }

    /** Sets a new passphrase with the recovery code; the new recovery code is shown once. */
    fun recover(): Job? {
        val s = _state.value
        if (s.recoveryCode.isBlank()) {
            _state.update { it.copy(error = UiError.WrongRecoveryCode) }
            return null
        }
        passphraseProblem(s.passphrase, s.confirm)?.let { e -> _state.update { it.copy(error = e) }; return null }
        return busy {
            val code = attempt { journal.recover(s.recoveryCode, s.passphrase) }
            _state.update {
                code.getOrNull()?.let { c ->
                    it.copy(mode = LockMode.ShowRecoveryCode, newRecoveryCode = c, passphrase = "", confirm = "", recoveryCode = "")
                } ?: it.copy(error = code.uiError())
            }
        }
    }

    /** The person has written the recovery code down: forget it and open the journal. */
    fun recoveryCodeSaved() = _state.update { it.copy(mode = LockMode.Unlocked, newRecoveryCode = null) }

    fun lock(): Job = scope.launch {
        attempt { journal.lock() }
        _state.update { it.copy(mode = LockMode.Unlock) }
    }

    private fun busy(block: suspend () -> Unit): Job {
        _state.update { it.copy(busy = true, error = null) }
        return scope.launch {
            try {
                block()
            } finally {
                _state.update { it.copy(busy = false) }
            }
        }
    }

    companion object {
        /**
         * The problem with a new passphrase and its confirmation, or null when acceptable. The
         * rule (length, common passwords) is the core's: a pure, instant call.
         */
        fun passphraseProblem(passphrase: String, confirm: String): UiError? = when (checkNewPassphrase(passphrase)) {
            is PassphraseProblem.TooShort -> UiError.PassphraseTooShort
            is PassphraseProblem.TooCommon -> UiError.PassphraseTooCommon
            null -> if (passphrase != confirm) UiError.PassphrasesDiffer else null
        }
    }
}
