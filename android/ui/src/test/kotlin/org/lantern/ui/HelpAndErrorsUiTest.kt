package org.lantern.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.isHeading
import kotlinx.coroutines.runBlocking
import kotlin.test.Test
import kotlin.test.assertTrue

/** "Get help now" from every screen, and the error states the view models know, as readable messages. */
class HelpAndErrorsUiTest {
    @Test
    fun getHelpNowIsOneTapFromEveryScreen() = uiTest { f ->
        f.unlockedJournal()
        val entry = runBlocking { f.core.journal.add("An entry to open", 3, emptyList()) }
        val help = runBlocking { f.core.course.helpNow() }
        val screens = listOf(
            Destination.Course, Destination.Lesson("peer-supporter", "role-model"), Destination.Journal,
            Destination.Entry(null), Destination.Entry(entry.id), Destination.CheckIn, Destination.Trends,
            Destination.Sharing, Destination.Caseload, Destination.Peer("no-such-peer"), Destination.Settings, Destination.Help,
        )
        val state = f.state()
        setApp(f, state = state)
        for (screen in screens) {
            runOnIdle { state.selectTab(screen) }
            waitForIdle()
            // The top bar's button (the help screen's own title reads the same until it loads).
            onNode(hasText(EN.get("help_now_button")) and hasClickAction()).performClick()
            awaitText(help.title)
            onNode(isHeading() and hasText(help.title)).assertExists()
            assertTrue(help.resources.isNotEmpty())
            awaitText(help.resources.first().title)
        }
        // Locked journal: help still opens.
        runBlocking { f.core.journal.lock() }
        runOnIdle { state.selectTab(Destination.Journal) }
        awaitText(EN.get("lock_title"))
        node(EN.get("help_now_button")).performClick()
        awaitText(help.title)
    }

    @Test
    fun aLockedJournalIsAReadableMessageInTheEditor() = uiTest { f ->
        f.unlockedJournal()
        setScreen(f) { EntryEditorScreen(f.core, "journal/entry/new", null, onDone = {}) }
        awaitText(EN.get("entry_new_title"))
        runBlocking { f.core.journal.lock() }
        enterText(onNode(hasSetTextAction() and hasText(EN.get("entry_text"))), "Written after an auto-lock")
        reveal(node(EN.get("action_save"))).performClick()
        awaitText(EN.get("error_locked"))
    }

    @Test
    fun anEntryThatNoLongerExistsIsAReadableMessage() = uiTest { f ->
        f.unlockedJournal()
        setScreen(f) { EntryEditorScreen(f.core, "journal/entry/gone", "0123456789abcdef0123456789abcdef", onDone = {}) }
        awaitText(EN.get("error_not_found"))
    }

    @Test
    fun lockScreenErrorsAreReadableMessages() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.lock() }
        setApp(f, f.state(Destination.Journal))
        awaitText(EN.get("lock_title"))
        node(EN.get("lock_unlock")).performClick()
        awaitText(EN.get("error_passphrase_too_short"))

        reveal(node(EN.get("lock_forgot"))).performClick()
        awaitText(EN.get("lock_recover_title"))
        enterText(onNode(hasSetTextAction() and hasText(EN.get("lock_recovery_code"))), "AAAA-BBBB-CCCC-DDDD")
        enterText(onNode(hasSetTextAction() and hasText(EN.get("lock_new_passphrase"))), "a new passphrase")
        enterText(onNode(hasSetTextAction() and hasText(EN.get("lock_passphrase_again"))), "another passphrase")
        reveal(node(EN.get("lock_recover_action"))).performClick()
        awaitText(EN.get("error_passphrases_differ"))
    }

    @Test
    fun aWrongRecoveryCodeIsAReadableMessage() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.lock() }
        setApp(f, f.state(Destination.Journal))
        reveal(awaitText(EN.get("lock_forgot"))).performClick()
        awaitText(EN.get("lock_recover_title"))
        enterText(onNode(hasSetTextAction() and hasText(EN.get("lock_recovery_code"))), "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF")
        enterText(onNode(hasSetTextAction() and hasText(EN.get("lock_new_passphrase"))), "a new passphrase")
        enterText(onNode(hasSetTextAction() and hasText(EN.get("lock_passphrase_again"))), "a new passphrase")
        reveal(node(EN.get("lock_recover_action"))).performClick()
        awaitText(EN.get("error_wrong_recovery_code"))
    }

    @Test
    fun errorMessagesAreSpanishInSpanish() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.lock() }
        setApp(f, f.state(Destination.Journal), strings = ES)
        awaitText(ES.get("lock_title"))
        enterText(onNode(hasSetTextAction() and hasText(ES.get("lock_passphrase"))), "no es esta")
        node(ES.get("lock_unlock")).performClick()
        awaitText(ES.get("error_wrong_passphrase"))
        onNodeWithContentDescription(ES.get("action_back")).assertDoesNotExist()
    }
}

/** One screen alone (not the whole app), with what LanternApp would provide around it. */
fun ComposeUiTest.setScreen(f: UiFixture, strings: Strings = EN, fontScale: Float = 1f, screen: @Composable () -> Unit) = setContent {
    Scaled(fontScale) {
        LanternRoot(strings, dark = false) {
            CompositionLocalProvider(LocalPlatform provides f.platform, LocalScreenModels provides f.models) { screen() }
        }
    }
}
