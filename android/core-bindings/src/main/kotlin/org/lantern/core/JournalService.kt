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
import uniffi.lantern.LanternException
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

    suspend fun unlockWithPlatformKey(provider: PlatformKeyProvider) {
        val guarded = GuardedKeyProvider(provider)
        guarded.rethrowing { call { journal.unlockWithPlatformKey(guarded) } }
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

    suspend fun enablePlatformKey(provider: PlatformKeyProvider) {
        val guarded = GuardedKeyProvider(provider)
        guarded.rethrowing { call { journal.enablePlatformKey(guarded) } }
    }

    suspend fun disablePlatformKey() = call { journal.disablePlatformKey() }

    suspend fun platformKeyEnabled(): Boolean = call { journal.platformKeyEnabled() }

    /** Lowers the KDF cost so tests run fast; the app never calls this. */
    suspend fun useFastKdfForTests() = call { journal.setKdfIterationsForTests(1_000u) }

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

/**
 * Carries a key provider's typed failure around the FFI. The core's `LanternError` is a flat
 * error, and uniffi cannot lower a flat error raised by foreign code ("Can't lift flat
 * errors"), so a provider that throws `LanternException` (biometric cancelled, key
 * invalidated) would crash the callback. This wrapper catches whatever the provider throws,
 * hands the core a plain exception (which it sees as an internal callback failure and aborts
 * the unlock), and [rethrowing] then reports the provider's own typed failure to the caller.
 */
internal class GuardedKeyProvider(private val inner: PlatformKeyProvider) : PlatformKeyProvider {
    @Volatile private var failure: LanternFailure? = null

    override fun wrapKey(key: ByteArray): ByteArray = guard { inner.wrapKey(key) }

    override fun unwrapKey(wrapped: ByteArray): ByteArray = guard { inner.unwrapKey(wrapped) }

    private inline fun guard(block: () -> ByteArray): ByteArray = try {
        block()
    } catch (e: LanternException) {
        failure = e.toFailure()
        throw IllegalStateException("platform key provider failed")
    } catch (e: Exception) {
        failure = LanternFailure.Internal("platform key provider: ${e.javaClass.simpleName}", e)
        throw IllegalStateException("platform key provider failed")
    }

    suspend fun <T> rethrowing(block: suspend () -> T): T = try {
        block()
    } catch (f: LanternFailure) {
        throw failure ?: f
    }
}
