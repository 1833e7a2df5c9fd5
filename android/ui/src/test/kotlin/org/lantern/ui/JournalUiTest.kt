package org.lantern.ui

import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.assertIsNotEnabled
import androidx.compose.ui.test.captureToImage
import androidx.compose.ui.graphics.toPixelMap
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasSetTextAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithTag
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.semantics.SemanticsProperties
import kotlinx.coroutines.runBlocking
import org.lantern.core.VaultState
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertNotNull
import kotlin.test.assertTrue

/** The journal, clicked through on the real core: lock screen, entries, tags, search, check-in, trend. */
class JournalUiTest {
    private fun ComposeUiTest.field(labelKey: String) = onNode(hasSetTextAction() and hasText(EN.get(labelKey)))

    /** Waits until the journal list shows [text] (the editor's field may still show it too). */
    private fun ComposeUiTest.awaitListed(text: String) {
        awaitTitle(EN.get("journal_title"))
        awaitCondition("\"$text\" in the list") {
            onAllNodes(hasText(text) and !hasSetTextAction()).fetchSemanticsNodes().isNotEmpty()
        }
    }

    /** Clicks an entry's [tag] chip (a node of its own only in the unmerged tree: its list item merges it). */
    private fun ComposeUiTest.filterBy(tag: String) {
        val chip = hasContentDescription(EN.get("journal_filter_by_tag", tag))
        awaitCondition("the entry's tag chip \"$tag\"") { onAllNodes(chip, useUnmergedTree = true).fetchSemanticsNodes().isNotEmpty() }
        onAllNodes(chip, useUnmergedTree = true)[0].performClick()
        awaitText(EN.get("journal_tag_filter", tag))
    }

    @Test
    fun firstSetupShowsTheRecoveryCodeOnceThenTheJournal() = uiTest { f ->
        setApp(f, f.state(Destination.Journal))
        awaitText(EN.get("lock_setup_title"))
        assertTrue(f.platform.secure, "the journal marks the window secure")
        enterText(field("lock_passphrase"), "short")
        enterText(field("lock_passphrase_again"), "short")
        reveal(node(EN.get("lock_setup_action"))).performClick()
        awaitText(EN.get("error_passphrase_too_short"))

        clearText(field("lock_passphrase"))
        enterText(field("lock_passphrase"), UiFixture.PASSPHRASE)
        clearText(field("lock_passphrase_again"))
        enterText(field("lock_passphrase_again"), UiFixture.PASSPHRASE)
        reveal(node(EN.get("lock_setup_action"))).performClick()
        awaitText(EN.get("lock_recovery_code_title"))
        reveal(node(EN.get("lock_recovery_code_saved"))).performClick()
        // The journal itself, its first (empty) page loaded.
        awaitText(EN.get("journal_title"))
        awaitText(EN.get("journal_new_entry"))
        awaitText(EN.get("journal_empty"))
        assertEquals(VaultState.Unlocked, runBlocking { f.core.journal.refresh() }, "setting up leaves the journal unlocked")
    }

    @Test
    fun unlockWithAWrongThenTheRightPassphrase() = uiTest { f ->
        f.unlockedJournal()
        runBlocking { f.core.journal.lock() }
        setApp(f, f.state(Destination.Journal))
        awaitText(EN.get("lock_title"))
        enterText(field("lock_passphrase"), "not the passphrase")
        node(EN.get("lock_unlock")).performClick()
        awaitText(EN.get("error_wrong_passphrase"))
        // The wrong passphrase is cleared from the field; nothing else changed.
        enterText(field("lock_passphrase"), UiFixture.PASSPHRASE)
        node(EN.get("lock_unlock")).performClick()
        awaitText(EN.get("journal_new_entry"))
        awaitGone(EN.get("error_wrong_passphrase"))
    }

    @Test
    fun writeEditTagSearchAndDeleteAnEntry() = uiTest { f ->
        f.unlockedJournal()
        setApp(f, f.state(Destination.Journal))
        awaitText(EN.get("journal_new_entry")).performClick()

        // Write: text, mood 4, two tags.
        awaitText(EN.get("entry_new_title"))
        enterText(field("entry_text"), "Walked by the river after the meeting")
        tap(onNodeWithContentDescription(EN.get("mood_4")))
        enterText(field("entry_tag"), "Evening ")
        node(EN.get("entry_add_tag")).performClick()
        enterText(field("entry_tag"), "walks")
        node(EN.get("entry_add_tag")).performClick()
        onNodeWithContentDescription(EN.get("entry_remove_tag", "evening")).assertExists()
        reveal(node(EN.get("action_save"))).performClick()

        // Listed, with its mood and tags.
        awaitListed("Walked by the river after the meeting")
        // Inside the list item, whose click merges its texts.
        awaitCondition("the entry's mood in the list") {
            onAllNodesWithText(EN.get("mood_value", 4), useUnmergedTree = true).fetchSemanticsNodes().isNotEmpty()
        }
        val saved = runBlocking { f.core.journal.list(0, 10).entries.single() }
        assertEquals(listOf("evening", "walks"), saved.tags.sorted())
        assertEquals(4, saved.mood?.toInt())

        // Edit: same entry, new text, one tag removed.
        node("Walked by the river after the meeting").performClick()
        awaitText(EN.get("entry_edit_title"))
        clearText(field("entry_text"))
        enterText(field("entry_text"), "Walked by the river with a friend")
        tap(onNodeWithContentDescription(EN.get("entry_remove_tag", "walks")))
        reveal(node(EN.get("action_save"))).performClick()
        awaitListed("Walked by the river with a friend")
        val edited = runBlocking { f.core.journal.get(saved.id) }
        assertEquals(listOf("evening"), edited.tags)
        assertNotNull(edited.editedAtMs, "an edit keeps the id and records the edit")

        // Tag filter and search. Another entry arrives; a reload (the filter's) lists it.
        // The list's page is loaded before it arrives.
        settle()
        runBlocking { f.core.journal.add("Quiet morning, coffee on the step", 3, listOf("morning")) }
        filterBy("evening")
        node(EN.get("journal_tag_filter", "evening")).performClick()
        awaitText("Quiet morning, coffee on the step")
        // Now both are listed: the filter hides the one without the tag, and clearing it shows it.
        filterBy("evening")
        awaitGone("Quiet morning, coffee on the step")
        node("Walked by the river with a friend").assertExists()
        node(EN.get("journal_tag_filter", "evening")).performClick()
        awaitText("Quiet morning, coffee on the step")
        enterText(field("journal_search_label"), "coffee")
        onNodeWithContentDescription(EN.get("action_search")).performClick()
        awaitGone("Walked by the river with a friend")
        node("Quiet morning, coffee on the step").assertExists()
        node(EN.get("action_clear")).performClick()

        // Delete, after a confirmation.
        awaitText("Walked by the river with a friend").performClick()
        awaitText(EN.get("entry_edit_title"))
        reveal(node(EN.get("action_delete"))).performClick()
        awaitText(EN.get("entry_delete_title"))
        node(EN.get("entry_delete_confirm")).performClick()
        awaitGone("Walked by the river with a friend")
        assertEquals(1, runBlocking { f.core.journal.list(0, 10).entries.size })
    }

    @Test
    fun dailyCheckIn() = uiTest { f ->
        f.unlockedJournal()
        setApp(f, f.state(Destination.Journal))
        awaitText(EN.get("journal_check_in")).performClick()
        awaitText(EN.get("checkin_title"))
        node(EN.get("action_save")).assertIsNotEnabled()
        onNodeWithContentDescription(EN.get("mood_2")).performClick()
        enterText(onNode(hasSetTextAction()), "Tired but okay")
        node(EN.get("checkin_note_count", 14, 280)).assertExists()
        tap(reveal(node(EN.get("action_save"))))
        awaitText(EN.get("journal_new_entry"))
        val today = runBlocking { f.core.journal.checkIns(0, Long.MAX_VALUE) }
        assertEquals(2, today.single().mood.toInt())
        assertEquals("Tired but okay", today.single().note)

        // A second check-in today: the screen says there already is one.
        node(EN.get("journal_check_in")).performClick()
        awaitText(EN.get("checkin_already_today"))
    }

    @Test
    fun moodTrendChartIsDrawnAndDescribed() = uiTest { f ->
        f.unlockedJournal()
        val day = 86_400_000L
        val now = System.currentTimeMillis()
        runBlocking {
            f.core.journal.add("three days ago", 2, emptyList(), createdAtMs = now - 3 * day)
            f.core.journal.add("two days ago", 3, emptyList(), createdAtMs = now - 2 * day)
            f.core.journal.add("yesterday", 5, emptyList(), createdAtMs = now - day)
        }
        setApp(f, f.state(Destination.Journal))
        awaitText(EN.get("journal_trends")).performClick()
        awaitText(EN.get("trend_title"))
        awaitText(EN.get("trend_average", 10.0 / 3), substring = false)
        val chart = onNodeWithTag("mood-chart")
        chart.assertExists()
        val description = chart.fetchSemanticsNode().config[SemanticsProperties.ContentDescription].single()
        assertEquals(EN.get("trend_chart_description", 3, 10.0 / 3), description)
        // The chart is really drawn: its pixels are not all one colour.
        val pixels = chart.captureToImage().toPixelMap()
        val colours = (0 until pixels.width step 3).flatMap { x -> (0 until pixels.height step 3).map { y -> pixels[x, y] } }.toSet()
        assertTrue(colours.size > 2, "the chart draws a line and points")

        // Another range reloads the averages from the core.
        node(EN.get("trend_week")).performClick()
        awaitText(EN.get("trend_average", 10.0 / 3))
    }
}
