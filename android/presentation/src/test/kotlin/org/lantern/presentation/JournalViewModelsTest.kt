package org.lantern.presentation

import java.nio.file.Files
import java.time.Instant
import java.time.ZoneId
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.SecretKey
import javax.crypto.spec.GCMParameterSpec
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotEquals
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue
import org.lantern.core.LanternFailure
import org.lantern.core.VaultState
import uniffi.lantern.PlatformKeyException
import uniffi.lantern.PlatformKeyProvider

private const val PASS = "correct horse battery"

/** Sets the journal up (the fixture's KDF is fast) and returns the lock screen, unlocked. */
private suspend fun CoreFixture.unlockedJournal(): JournalLockViewModel {
    val lock = JournalLockViewModel(core.journal, scope)
    lock.load().join()
    lock.onPassphrase(PASS)
    lock.onConfirm(PASS)
    lock.setUp()!!.join()
    lock.recoveryCodeSaved()
    return lock
}

/**
 * The platform-key foreign trait implemented in Kotlin with a software AES-GCM key: the same
 * contract the Android Keystore provider fulfils on a device, exercised across the FFI here.
 */
private class SoftwareKeyProvider(private val key: SecretKey = KeyGenerator.getInstance("AES").apply { init(256) }.generateKey()) :
    PlatformKeyProvider {
    var calls = 0
    override fun wrapKey(key: ByteArray): ByteArray {
        calls++
        val c = Cipher.getInstance("AES/GCM/NoPadding").apply { init(Cipher.ENCRYPT_MODE, this@SoftwareKeyProvider.key) }
        return c.iv + c.doFinal(key)
    }

    override fun unwrapKey(wrapped: ByteArray): ByteArray {
        calls++
        return try {
            Cipher.getInstance("AES/GCM/NoPadding").run {
                init(Cipher.DECRYPT_MODE, key, GCMParameterSpec(128, wrapped, 0, 12))
                doFinal(wrapped, 12, wrapped.size - 12)
            }
        } catch (e: javax.crypto.AEADBadTagException) {
            throw PlatformKeyException.KeyUnavailable("platform key refused")
        }
    }
}

/** A fixed clock (UTC) so trend ranges are exact. */
private object FixedClock : Clock {
    override fun nowMs() = Instant.parse("2026-06-15T12:00:00Z").toEpochMilli()
    override fun zone(): ZoneId = ZoneId.of("UTC")
}

class JournalLockViewModelTest {
    @Test
    fun firstSetupChecksThePassphraseThenShowsTheRecoveryCodeOnce() = withCore {
        val vm = JournalLockViewModel(core.journal, scope)
        vm.load().join()
        assertEquals(LockMode.SetUp, vm.state.value.mode)

        vm.onPassphrase("short"); vm.onConfirm("short")
        assertNull(vm.setUp())
        assertEquals(UiError.PassphraseTooShort, vm.state.value.error)
        // The core's rule, not a copy: long enough, but a common password in disguise.
        vm.onPassphrase("Password2024!"); vm.onConfirm("Password2024!")
        assertNull(vm.setUp())
        assertEquals(UiError.PassphraseTooCommon, vm.state.value.error)
        vm.onPassphrase(PASS); vm.onConfirm("$PASS!")
        assertNull(vm.setUp())
        assertEquals(UiError.PassphrasesDiffer, vm.state.value.error)
        assertEquals(VaultState.NotSetUp, core.journal.refresh(), "nothing reached the core")

        vm.onConfirm(PASS)
        vm.setUp()!!.join()
        val s = vm.state.value
        assertEquals(LockMode.ShowRecoveryCode, s.mode)
        assertTrue(s.newRecoveryCode!!.length >= 16)
        assertEquals("", s.passphrase, "the typed passphrase is cleared once used")
        vm.recoveryCodeSaved()
        assertEquals(LockMode.Unlocked, vm.state.value.mode)
        assertNull(vm.state.value.newRecoveryCode, "the code is forgotten after it was shown")
    }

    @Test
    fun aWrongPassphraseIsATypedErrorAndChangesNothing() = withCore {
        val vm = unlockedJournal()
        core.journal.add("kept safe", 3, listOf("a"))
        vm.lock().join()
        assertEquals(LockMode.Unlock, vm.state.value.mode)

        vm.onPassphrase("not the passphrase")
        vm.unlock()!!.join()
        assertEquals(UiError.WrongPassphrase, vm.state.value.error)
        assertEquals(LockMode.Unlock, vm.state.value.mode)
        assertEquals(1, vm.state.value.failedAttempts)
        assertEquals(VaultState.Locked, core.journal.vault.value)

        vm.onPassphrase(PASS)
        vm.unlock()!!.join()
        assertEquals(LockMode.Unlocked, vm.state.value.mode)
        assertEquals(listOf("kept safe"), core.journal.list(0, 10).entries.map { it.text })
    }

    @Test
    fun lockingFromElsewhereBringsTheLockScreenBackAndLockedCallsAreTyped() = withCore {
        val lock = unlockedJournal()
        val list = JournalViewModel(core.journal, scope)
        core.journal.lock() // as the auto-lock does when the app was in the background too long
        lock.state.awaitState { it.mode == LockMode.Unlock }
        list.load().join()
        assertEquals(UiError.Locked, list.state.value.error)
        val editor = EntryEditorViewModel(core.journal, scope)
        editor.onText("written while locked")
        editor.save()!!.join()
        assertEquals(UiError.Locked, editor.state.value.error)
        assertFalse(editor.state.value.done)
    }

    @Test
    fun theRecoveryCodeResetsThePassphraseAndIsReplaced() = withCore {
        val vm = JournalLockViewModel(core.journal, scope)
        vm.load().join()
        vm.onPassphrase(PASS); vm.onConfirm(PASS)
        vm.setUp()!!.join()
        val code = vm.state.value.newRecoveryCode!!
        vm.recoveryCodeSaved()
        vm.lock().join()

        vm.startRecovery()
        vm.onRecoveryCode("AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        vm.onPassphrase("a new passphrase"); vm.onConfirm("a new passphrase")
        vm.recover()!!.join()
        assertEquals(UiError.WrongRecoveryCode, vm.state.value.error)

        vm.onRecoveryCode(code.lowercase())
        vm.onPassphrase("a new passphrase"); vm.onConfirm("a new passphrase")
        vm.recover()!!.join()
        val s = vm.state.value
        assertNull(s.error)
        assertEquals(LockMode.ShowRecoveryCode, s.mode)
        assertNotEquals(code, s.newRecoveryCode)

        core.journal.lock()
        assertTrue(runCatching { core.journal.unlock(PASS) }.exceptionOrNull() is LanternFailure.WrongPassphrase)
        core.journal.unlock("a new passphrase")
        assertEquals(VaultState.Unlocked, core.journal.vault.value)
    }

    @Test
    fun thePlatformKeyUnlocksThroughTheForeignTrait() = withCore {
        val lock = unlockedJournal()
        val settings = SettingsViewModel(core.journal, AutoLock(Preferences(dir.resolve("s.properties").toFile())), scope)
        val provider = SoftwareKeyProvider()
        settings.setPlatformKey(provider).join()
        assertEquals(SettingsDone.PlatformKeyOn, settings.state.value.done)
        assertTrue(core.journal.platformKeyEnabled())
        lock.lock().join()

        lock.unlockWithPlatformKey(SoftwareKeyProvider()).join() // another key: refused
        assertEquals(UiError.WrongPassphrase, lock.state.value.error)
        assertEquals(LockMode.Unlock, lock.state.value.mode)

        val broken = object : PlatformKeyProvider {
            override fun wrapKey(key: ByteArray): ByteArray = error("unused")
            override fun unwrapKey(wrapped: ByteArray): ByteArray = throw java.io.IOException("keystore unavailable")
        }
        lock.unlockWithPlatformKey(broken).join()
        assertEquals(UiError.Unexpected, lock.state.value.error)
        assertEquals(VaultState.Locked, core.journal.refresh())

        // The provider's own typed failure crosses the FFI as itself: a dismissed prompt is
        // "cancelled", not a crash and not a wrong passphrase.
        val dismissed = object : PlatformKeyProvider {
            override fun wrapKey(key: ByteArray): ByteArray = error("unused")
            override fun unwrapKey(wrapped: ByteArray): ByteArray = throw PlatformKeyException.Cancelled()
        }
        lock.unlockWithPlatformKey(dismissed).join()
        assertEquals(UiError.Cancelled, lock.state.value.error)
        assertEquals(VaultState.Locked, core.journal.refresh())

        lock.unlockWithPlatformKey(provider).join()
        assertEquals(LockMode.Unlocked, lock.state.value.mode)
        assertEquals(2, provider.calls, "wrapped once, unwrapped once")
    }
}

class JournalScreensTest {
    @Test
    fun theEditorWritesEditsAndDeletesEntries() = withCore {
        unlockedJournal()
        val editor = EntryEditorViewModel(core.journal, scope)
        assertNull(editor.save())
        assertEquals(UiError.EmptyText, editor.state.value.error)

        editor.onText("Walked to the meeting today.\nFelt steady.")
        editor.onMood(4)
        editor.onTagDraft("  Meetings "); editor.addTag()
        editor.onTagDraft("meetings"); editor.addTag()
        editor.onTagDraft("walk"); editor.addTag()
        assertEquals(listOf("meetings", "walk"), editor.state.value.tags)
        editor.save()!!.join()
        val id = assertNotNull(editor.state.value.entryId)
        assertTrue(editor.state.value.done)

        val edit = EntryEditorViewModel(core.journal, scope, id)
        edit.load()!!.join()
        assertEquals(4, edit.state.value.mood)
        edit.onMood(4) // tapping the chosen mood again clears it
        assertNull(edit.state.value.mood)
        edit.onText("Walked to the meeting today. Felt steady and hopeful.")
        edit.removeTag("walk")
        edit.save()!!.join()
        val stored = core.journal.get(id)
        assertEquals(id, stored.id, "an edit keeps the entry's id")
        assertNull(stored.mood)
        assertEquals(listOf("meetings"), stored.tags)
        assertNotNull(stored.editedAtMs)

        edit.delete()!!.join()
        assertTrue(edit.state.value.done)
        val gone = EntryEditorViewModel(core.journal, scope, id)
        gone.load()!!.join()
        assertEquals(UiError.NotFound, gone.state.value.error)
    }

    @Test
    fun theListPagesNewestFirstFiltersByTagAndSearches() = withCore {
        unlockedJournal()
        val base = 1_700_000_000_000
        repeat(35) { i ->
            core.journal.add("entry number $i\nsecond line", mood = null, tags = if (i % 5 == 0) listOf("gratitude") else emptyList(), createdAtMs = base + i * 60_000L)
        }
        core.journal.add("A calm evening by the river", 5, listOf("evening"), createdAtMs = base + 40 * 60_000L)
        val vm = JournalViewModel(core.journal, scope)
        vm.load().join()
        var s = vm.state.value
        assertEquals(JournalViewModel.PAGE_SIZE, s.entries.size)
        assertTrue(s.hasMore)
        assertEquals("A calm evening by the river", s.entries.first().preview)
        assertEquals("entry number 34", s.entries[1].preview, "the preview is the first line")
        vm.loadMore().join()
        s = vm.state.value
        assertEquals(36, s.entries.size)
        assertFalse(s.hasMore)
        assertEquals(0, s.damagedCount)

        vm.filterByTag("gratitude").join()
        assertEquals(7, vm.state.value.entries.size)
        assertTrue(vm.state.value.entries.all { "gratitude" in it.tags })

        vm.onQueryChange("calm river")
        vm.search()!!.join()
        assertEquals(listOf("A calm evening by the river"), vm.state.value.searchResults!!.map { it.preview })
        vm.onQueryChange("  ")
        assertNull(vm.search())
        assertEquals(UiError.EmptyQuery, vm.state.value.error)
    }

    @Test
    fun checkInNeedsAMoodAndKnowsAboutToday() = withCore {
        unlockedJournal()
        val vm = CheckInViewModel(core.journal, scope)
        vm.load().join()
        assertFalse(vm.state.value.checkedInToday)
        assertNull(vm.save())
        assertEquals(UiError.MoodOutOfRange, vm.state.value.error)
        vm.onMood(9)
        assertEquals(UiError.MoodOutOfRange, vm.state.value.error)
        vm.onMood(4)
        vm.onNote("x".repeat(CheckInViewModel.MAX_NOTE + 1))
        assertFalse(vm.state.value.canSave)
        assertNull(vm.save())
        vm.onNote("  slept well  ")
        vm.save()!!.join()
        assertTrue(vm.state.value.done)
        val again = CheckInViewModel(core.journal, scope)
        again.load().join()
        assertTrue(again.state.value.checkedInToday)
        val (from, to) = Clock.System.today()
        val stored = core.journal.checkIns(from, to).single()
        assertEquals(4, stored.mood.toInt())
        assertEquals("slept well", stored.note)
    }

    @Test
    fun theMoodTrendAveragesDaysAndWeeksOverTheChosenRange() = withCore {
        unlockedJournal()
        val vm = MoodTrendViewModel(core.journal, scope, FixedClock)
        vm.load().join()
        assertFalse(vm.state.value.enoughData)
        assertNull(vm.state.value.average)

        val day = 86_400_000L
        val noon = FixedClock.nowMs()
        core.journal.add("two days ago", 2, emptyList(), createdAtMs = noon - 2 * day)
        core.journal.add("yesterday", 3, emptyList(), createdAtMs = noon - day)
        core.journal.add("yesterday again", 5, emptyList(), createdAtMs = noon - day + 1_000)
        core.journal.add("long ago", 1, emptyList(), createdAtMs = noon - 60 * day)
        vm.select(TrendRange.Week).join()
        val s = vm.state.value
        assertTrue(s.enoughData)
        assertEquals(listOf("2026-06-13", "2026-06-14"), s.points.map { it.label })
        assertEquals(listOf(2.0, 4.0), s.points.map { it.average })
        assertEquals(10.0 / 3.0, s.average!!, 1e-9)

        vm.select(TrendRange.Quarter).join()
        assertTrue(vm.state.value.points.size >= 2, "weekly points over three months include the old entry")
        assertEquals(11.0 / 4.0, vm.state.value.average!!, 1e-9)
    }
}

class SettingsViewModelTest {
    private fun CoreFixture.settings() =
        SettingsViewModel(core.journal, AutoLock(Preferences(dir.resolve("settings.properties").toFile())), scope)

    @Test
    fun changingThePassphraseChecksTheOldOne() = withCore {
        unlockedJournal()
        val vm = settings()
        vm.onOld("wrong old passphrase"); vm.onNew("another passphrase"); vm.onConfirm("another passphrase")
        vm.changePassphrase()!!.join()
        assertEquals(UiError.WrongPassphrase, vm.state.value.error)
        vm.onNew("another passphrase"); vm.onConfirm("different")
        assertNull(vm.changePassphrase())
        assertEquals(UiError.PassphrasesDiffer, vm.state.value.error)

        vm.onOld(PASS); vm.onNew("another passphrase"); vm.onConfirm("another passphrase")
        vm.changePassphrase()!!.join()
        assertEquals(SettingsDone.PassphraseChanged, vm.state.value.done)
        assertEquals("", vm.state.value.newPassphrase)
        core.journal.lock()
        core.journal.unlock("another passphrase")
    }

    @Test
    fun anEncryptedBackupRestoresIntoAnotherInstallation() = withCore {
        unlockedJournal()
        core.journal.add("worth keeping", 4, listOf("backup"))
        val vm = settings()
        val file = Files.createTempDirectory("lantern-backup").resolve("journal.lantern").toString()
        vm.onBackupPassphrase("short")
        assertNull(vm.exportBackup(file))
        assertEquals(UiError.PassphraseTooShort, vm.state.value.error)
        vm.onBackupPassphrase("letmein2024")
        assertNull(vm.exportBackup(file))
        assertEquals(UiError.PassphraseTooCommon, vm.state.value.error)
        vm.onBackupPassphrase("backup passphrase")
        vm.exportBackup(file)!!.join()
        assertEquals(SettingsDone.BackupWritten, vm.state.value.done)
        assertFalse(String(Files.readAllBytes(java.nio.file.Path.of(file))).contains("worth keeping"), "the backup is encrypted")

        withCore {
            unlockedJournal()
            val other = settings()
            other.onBackupPassphrase("not the backup passphrase")
            other.importBackup(file)!!.join()
            assertEquals(UiError.WrongPassphrase, other.state.value.error)
            other.onBackupPassphrase("backup passphrase")
            other.importBackup(file)!!.join()
            assertEquals(SettingsDone.BackupImported, other.state.value.done)
            assertEquals(1, other.state.value.importedEntries)
            assertEquals(listOf("worth keeping"), core.journal.list(0, 10).entries.map { it.text })
        }
    }

    @Test
    fun thePlaintextExportNeedsAnExplicitConfirmation() = withCore {
        unlockedJournal()
        core.journal.add("my own copy", null, emptyList())
        val vm = settings()
        assertNull(vm.confirmPlaintextExport(), "no export without the confirmation step")
        vm.askPlaintextExport()
        vm.confirmPlaintextExport()!!.join()
        assertTrue(vm.state.value.plaintextExport!!.contains("my own copy"))
        vm.plaintextExportHandedOver()
        assertNull(vm.state.value.plaintextExport)
    }

    @Test
    fun theAutoLockDelayIsOneOfTheOfferedChoices() = withCore {
        val vm = settings()
        vm.setAutoLockDelay(300_000)
        assertEquals(300_000, vm.state.value.autoLockDelayMs)
        assertEquals(300_000, AutoLock(Preferences(dir.resolve("settings.properties").toFile())).delayMs)
        vm.setAutoLockDelay(12_345)
        assertEquals(UiError.InvalidInput, vm.state.value.error)
        assertEquals(300_000, vm.state.value.autoLockDelayMs)
    }
}
