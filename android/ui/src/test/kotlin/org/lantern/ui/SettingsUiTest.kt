package org.lantern.ui

import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.assertIsOff
import androidx.compose.ui.test.assertIsOn
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.performClick
import kotlinx.coroutines.runBlocking
import org.lantern.presentation.NotificationAnswer
import org.lantern.presentation.UpdatesSetting
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** Settings on the real core: passphrase change, encrypted backup out and in, readable copy, auto-lock. */
class SettingsUiTest {
    private fun ComposeUiTest.field(labelKey: String) = onNode(hasSetTextAction() and hasText(EN.get(labelKey)))

    @Test
    fun changePassphraseThenUnlockWithTheNewOne() = uiTest { f ->
        f.unlockedJournal()
        setApp(f, f.state(Destination.Settings))
        awaitTitle(EN.get("settings_title"))
        enterText(field("settings_current_passphrase"), "not my passphrase")
        enterText(field("lock_new_passphrase"), "a brand new passphrase")
        enterText(field("lock_passphrase_again"), "a brand new passphrase")
        reveal(node(EN.get("settings_change_passphrase"))).performClick()
        awaitText(EN.get("error_wrong_passphrase"))

        // A refused change keeps what was typed: replace the current passphrase.
        clearText(field("settings_current_passphrase"))
        enterText(field("settings_current_passphrase"), UiFixture.PASSPHRASE)
        reveal(node(EN.get("settings_change_passphrase"))).performClick()
        awaitText(EN.get("settings_done_passphrase"))
        runBlocking {
            f.core.journal.lock()
            f.core.journal.unlock("a brand new passphrase")
        }
    }

    @Test
    fun encryptedBackupExportAndImportIntoAnotherInstallation() {
        val backup = File.createTempFile("lantern-backup", ".lantern").also { it.delete() }
        try {
            uiTest { f ->
                f.unlockedJournal()
                runBlocking { f.core.journal.add("Kept safe in the backup", 4, listOf("backup")) }
                f.platform.chosenFile = backup
                setApp(f, f.state(Destination.Settings))
                awaitText(EN.get("settings_backup"))
                // Too short a backup passphrase: refused before any file is written.
                enterText(field("settings_backup_passphrase"), "short")
                reveal(node(EN.get("settings_backup_export"))).performClick()
                awaitText(EN.get("error_passphrase_too_short"))
                assertFalse(backup.exists())

                enterText(field("settings_backup_passphrase"), " but now long enough")
                reveal(node(EN.get("settings_backup_export"))).performClick()
                awaitText(EN.get("settings_done_backup"))
                assertTrue(backup.length() > 0)
                assertFalse("Kept safe in the backup" in backup.readBytes().toString(Charsets.ISO_8859_1), "the backup is encrypted")
            }
            uiTest { other ->
                other.unlockedJournal("another installation's passphrase")
                other.platform.chosenFile = backup
                setApp(other, other.state(Destination.Settings))
                awaitText(EN.get("settings_backup"))
                enterText(field("settings_backup_passphrase"), "wrong backup passphrase")
                reveal(node(EN.get("settings_backup_import"))).performClick()
                awaitText(EN.get("error_wrong_passphrase"))
                assertEquals(0, runBlocking { other.core.journal.list(0, 10).entries.size }, "a failed import changes nothing")

                // A failed import keeps what was typed: replace it.
                clearText(field("settings_backup_passphrase"))
                enterText(field("settings_backup_passphrase"), "short but now long enough")
                reveal(node(EN.get("settings_backup_import"))).performClick()
                awaitText(EN.get("settings_done_import"))
                awaitText(EN.plural("settings_imported", 1, 1))
                val restored = runBlocking { other.core.journal.list(0, 10).entries.single() }
                assertEquals("Kept safe in the backup", restored.text)
            }
        } finally {
            backup.delete()
        }
    }

    @Test
    fun readableCopyOnlyAfterAnExplicitConfirmation() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.add("A line for the readable copy", null, emptyList()) }
        setApp(f, f.state(Destination.Settings))
        reveal(awaitText(EN.get("settings_plaintext_export"))).performClick()
        awaitText(EN.get("settings_plaintext_title"))
        node(EN.get("action_cancel")).performClick()
        awaitGone(EN.get("settings_plaintext_title"))
        assertEquals(null, f.platform.sharedPlaintext)

        reveal(node(EN.get("settings_plaintext_export"))).performClick()
        awaitText(EN.get("settings_plaintext_confirm")).performClick()
        awaitText(EN.get("settings_done_plaintext"))
        // The screen hands the copy to the platform in an effect of the next frame.
        awaitCondition("the readable copy handed to the platform") { f.platform.sharedPlaintext != null }
        assertNotNull(f.platform.sharedPlaintext).let { assertTrue("A line for the readable copy" in it) }
    }

    @Test
    fun autoLockDelayIsChosenAndKept() = uiTest { f ->
        f.unlockedJournal()
        setApp(f, f.state(Destination.Settings))
        awaitText(EN.get("settings_auto_lock"))
        reveal(node(EN.plural("settings_auto_lock_minutes", 5, 5))).performClick()
        awaitCondition("auto-lock after 5 minutes") { f.autoLock.delayMs == 300_000L }
        reveal(node(EN.get("settings_auto_lock_now"))).performClick()
        awaitCondition("auto-lock at once") { f.autoLock.delayMs == 0L }
    }

    @Test
    fun updatesAskForPermissionWhenTurnedOnAndARefusalLeavesThemOff() = uiTest { f ->
        f.unlockedJournal()
        f.platform.notificationAnswer = NotificationAnswer.Refused
        setApp(f, f.state(Destination.Settings))
        awaitText(EN.get("settings_updates"))
        val updates = onNode(hasClickAction() and hasText(EN.get("settings_updates_notify")))
        reveal(updates).assertIsOff().performClick()
        awaitText(EN.get("settings_updates_refused"))
        assertEquals(1, f.platform.notificationAsks, "asked when turned on")
        updates.assertIsOff()
        assertFalse(UpdatesSetting(f.preferences).enabled, "a refusal leaves updates off")

        // The question could not be asked: off, and said so.
        f.platform.notificationAnswer = NotificationAnswer.Failed
        updates.performClick()
        awaitText(EN.get("settings_updates_failed"))
        updates.assertIsOff()

        // Allowed: on, kept, the message gone.
        f.platform.notificationAnswer = NotificationAnswer.Granted
        updates.performClick()
        awaitCondition("updates on") { UpdatesSetting(f.preferences).enabled }
        awaitGone(EN.get("settings_updates_failed"))
        updates.assertIsOn()
        assertEquals(3, f.platform.notificationAsks)

        // Turning them off asks nothing.
        updates.performClick()
        awaitCondition("updates off") { !UpdatesSetting(f.preferences).enabled }
        assertEquals(3, f.platform.notificationAsks)
    }

    @Test
    fun settingsStayBehindTheJournalLock() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.lock() }
        setApp(f, f.state(Destination.Settings))
        awaitText(EN.get("lock_title"))
        assertFalse(shows(EN.get("settings_backup")))
    }
}
