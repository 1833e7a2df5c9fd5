package org.lantern.ui

import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasClickAction
import androidx.compose.ui.test.hasContentDescription
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.onNodeWithContentDescription
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performImeAction
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.ui.test.hasScrollToIndexAction
import androidx.compose.ui.test.performScrollToIndex
import kotlinx.coroutines.runBlocking
import uniffi.lantern.LessonBlock
import kotlin.test.Test
import kotlin.test.assertEquals

/** The course, clicked through on the real core and its bundled, signed pack. */
class CourseUiTest {
    @Test
    fun courseListToLessonMarkReadAndSelfCheckScore() = uiTest { f ->
        // The correct answer of the lesson's first self-check, learnt on a scratch installation.
        val lesson = runBlocking {
            f.core.course.lessons(UNIT).map { f.core.course.openLesson(UNIT, it.id) }
                .first { l -> l.sections.any { s -> s.blocks.any { it is LessonBlock.SelfCheck } } }
        }
        val selfCheck = lesson.sections.flatMap { it.blocks }.filterIsInstance<LessonBlock.SelfCheck>().first()
        val correct = UiFixture().use { scratch -> runBlocking { scratch.core.course.answerSelfCheck(selfCheck.id, 0).correctChoice.toInt() } }
        val firstSection = lesson.sections.first()

        setApp(f)
        awaitText("The Peer Supporter", substring = true)
        node("0% read · self-check score 0 of 4", ).assertExists()
        onNodeWithContentDescription("The Peer Supporter", substring = true).performClick()
        awaitText(lesson.title).performClick()

        // The reader: title as heading, first section marked read.
        awaitText(firstSection.title)
        reveal(onAllNodesWithText(EN.get("lesson_mark_read"))[0]).performClick()
        awaitText(EN.get("lesson_section_read"))

        // The self-check: pick the right choice, see the verdict.
        // Item 0 of the reader's list is the header; section i is item i + 1.
        val sectionIndex = lesson.sections.indexOfFirst { sec -> sec.blocks.any { it == selfCheck } }
        onNode(hasScrollToIndexAction()).performScrollToIndex(sectionIndex + 1)
        awaitText(selfCheck.question)
        reveal(onNodeWithText(selfCheck.choices[correct])).performClick()
        reveal(awaitText(EN.get("lesson_correct"))).assertExistsDisplayed()

        // Back on the course list: progress and score moved.
        onNodeWithContentDescription(EN.get("action_back")).performClick()
        onNodeWithText(EN.get("course_all_units")).performClick()
        awaitText("self-check score 1 of 4", substring = true)
        val progress = onAllNodesWithText("% read", substring = true).fetchSemanticsNodes().first()
        val shown = progress.config[androidx.compose.ui.semantics.SemanticsProperties.Text].joinToString()
        check(!shown.startsWith("0%")) { "reading a section moved the unit's progress: $shown" }
    }

    @Test
    fun searchFindsLessonsOfflineAndOpensThem() = uiTest { f ->
        setApp(f)
        awaitText("The Peer Supporter", substring = true)
        enterText(onNodeWithText(EN.get("course_search_label")), "confidentiality")
        onNodeWithContentDescription(EN.get("action_search")).performClick()
        awaitText("results", substring = true)
        val hits = onAllNodes(hasClickAction() and hasText("Peer Supporter", substring = true)).fetchSemanticsNodes()
        check(hits.isNotEmpty()) { "search shows clickable results" }
        // The first hit opens its lesson at the section it was found in, whose title is in view.
        val first = runBlocking { f.core.course.search("confidentiality").first() }
        onAllNodes(hasClickAction() and hasText("Peer Supporter", substring = true))[0].performClick()
        awaitGone(EN.get("action_clear"))
        awaitText(first.sectionTitle).assertIsDisplayed()
        check(shows(EN.get("lesson_mark_read")) || shows(EN.get("lesson_section_read"))) { "the hit's section can be marked read" }

        // An empty search is refused with a readable message, not sent to the core.
        onNodeWithContentDescription(EN.get("action_back")).performClick()
        onNodeWithText(EN.get("action_clear")).performClick()
        onNodeWithContentDescription(EN.get("action_search")).performClick()
        awaitText(EN.get("error_empty_query"))
    }

    @Test
    fun spanishStringsOnTheCourseScreen() = uiTest { f ->
        setApp(f, strings = ES)
        awaitText("0% leído", substring = true).assertExists()
        node(ES.get("help_now_button")).assertExists()
        // The tab is named in Spanish: as its label, or (when a Spanish label would not fit
        // whole, as "Compartir" on a phone) as its icon's name for screen readers.
        onNode(hasText(ES.get("tab_journal")) or hasContentDescription(ES.get("tab_journal"))).assertExists()
        assertEquals("Ayuda inmediata", ES.get("help_now_button"))
    }

    private fun androidx.compose.ui.test.SemanticsNodeInteraction.assertExistsDisplayed() = assertExists()

    companion object {
        const val UNIT = "peer-supporter"
    }
}
