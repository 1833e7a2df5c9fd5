package org.lantern.core

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.lantern.CheckIn
import uniffi.lantern.Entry
import uniffi.lantern.EntryPage
import uniffi.lantern.EntryQuery
import uniffi.lantern.EntryUpdate
import uniffi.lantern.ImportReport
import uniffi.lantern.Journal
import uniffi.lantern.MoodTrends
import uniffi.lantern.NewEntry
import uniffi.lantern.PlaintextFormat
import uniffi.lantern.PlatformKeyProvider

/** Whether the journal can be read right now. */
enum class VaultState { Unknown, NotSetUp, Locked, Unlocked }

/**
 * The encrypted journal, off the main thread. [vault] follows every call: a call that finds the
 * vault locked (for example after an auto-lock) moves it to [VaultState.Locked], so the lock
 * screen appears wherever the person was. Passphrases pass straight through to the core and
 * are never stored or logged here.
 */
class JournalService internal constructor(
    private val journal: Journal,
    private val calls: CoreCalls,
) {
    private val _vault = MutableStateFlow(VaultState.Unknown)
    val vault: StateFlow<VaultState> = _vault.asStateFlow()

    private suspend fun <T> call(block: () -> T): T = try {
        calls.call(block)
    } catch (f: LanternFailure) {
        when (f) {
            is LanternFailure.Locked -> _vault.value = VaultState.Locked
            is LanternFailure.NotSetUp -> _vault.value = VaultState.NotSetUp
            else -> Unit
        }
        throw f
    }

    /** Reads the vault's state from the core. */
    suspend fun refresh(): VaultState = call {
        when {
            !journal.isSetUp() -> VaultState.NotSetUp
            journal.isUnlocked() -> VaultState.Unlocked
            else -> VaultState.Locked
        }
    }.also { _vault.value = it }

    /** First-time setup; returns the recovery code to show once. Leaves the journal unlocked. */
    suspend fun setUp(passphrase: String): String =
        call { journal.setup(passphrase) }.also { _vault.value = VaultState.Unlocked }

    suspend fun unlock(passphrase: String) {
        call { journal.unlock(passphrase) }
        _vault.value = VaultState.Unlocked
    }

    /**
     * Unlocks with the platform-held key. The provider's own failure (a `PlatformKeyException`)
     * reaches the core typed and comes back as a [LanternFailure]: `Cancelled` as
     * [LanternFailure.Cancelled], `KeyUnavailable` as [LanternFailure.WrongPassphrase].
     */
    suspend fun unlockWithPlatformKey(provider: PlatformKeyProvider) {
        call { journal.unlockWithPlatformKey(provider) }
        _vault.value = VaultState.Unlocked
    }

    /** Locks: the core zeroizes the keys and drops the in-memory search index. */
    suspend fun lock() {
        call { journal.lock() }
        _vault.value = VaultState.Locked
    }

    suspend fun changePassphrase(old: String, new: String) = call { journal.changePassphrase(old, new) }

    /** Resets the passphrase with the recovery code; returns the NEW recovery code. */
    suspend fun recover(recoveryCode: String, newPassphrase: String): String =
        call { journal.recover(recoveryCode, newPassphrase) }.also { _vault.value = VaultState.Unlocked }

    suspend fun enablePlatformKey(provider: PlatformKeyProvider) = call { journal.enablePlatformKey(provider) }

    suspend fun disablePlatformKey() = call { journal.disablePlatformKey() }

    suspend fun platformKeyEnabled(): Boolean = call { journal.platformKeyEnabled() }

    /** Adds an entry; [createdAtMs] is for imports and tests, the app leaves it to the core (now). */
    suspend fun add(text: String, mood: Int?, tags: List<String>, createdAtMs: Long? = null): Entry =
        call { journal.addEntry(NewEntry(text = text, mood = mood?.toUByte(), tags = tags, createdAtMs = createdAtMs)) }

    suspend fun get(id: String): Entry = call { journal.getEntry(id) }

    suspend fun edit(id: String, text: String, mood: Int?, tags: List<String>): Entry = call {
        journal.editEntry(
            id,
            EntryUpdate(text = text, mood = mood?.toUByte(), clearMood = mood == null, tags = tags),
        )
    }

    suspend fun delete(id: String) = call { journal.deleteEntry(id) }

    suspend fun list(offset: Int, limit: Int, tag: String? = null, fromMs: Long? = null, toMs: Long? = null): EntryPage =
        call { journal.listEntries(EntryQuery(offset.toUInt(), limit.toUInt(), tag, fromMs, toMs)) }

    suspend fun search(query: String, limit: Int = 20): List<Entry> = call { journal.search(query, limit.toUInt()) }

    /** Builds the in-memory search index; started in the background after unlock. */
    suspend fun prepareSearch() = call { journal.prepareSearch() }

    suspend fun checkIn(mood: Int, note: String?): CheckIn = call { journal.addCheckin(mood.toUByte(), note) }

    suspend fun checkIns(fromMs: Long, toMs: Long): List<CheckIn> = call { journal.listCheckins(fromMs, toMs) }

    suspend fun moodTrends(fromMs: Long, toMs: Long, utcOffsetMinutes: Int): MoodTrends =
        call { journal.moodTrends(fromMs, toMs, utcOffsetMinutes) }

    suspend fun exportBackup(path: String, passphrase: String) = call { journal.exportBackup(path, passphrase) }

    suspend fun importBackup(path: String, passphrase: String): ImportReport =
        call { journal.importBackup(path, passphrase) }

    suspend fun exportPlaintext(format: PlaintextFormat): String = call { journal.exportPlaintext(format) }
}
