package org.lantern.presentation

import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFalse
import kotlin.test.assertNotNull
import kotlin.test.assertNull
import kotlin.test.assertTrue

/** The course screens over the real core and its bundled, signed content pack. */
class CourseViewModelTest {
    @Test
    fun unitsAndLessonsComeFromTheBundledPackWithNoNetwork() = withCore {
        val vm = CourseViewModel(core.course, scope)
        vm.load().join()
        val s = vm.state.value
        assertNull(s.error)
        assertFalse(s.loading)
        assertTrue(s.courseTitle.isNotBlank())
        val unit = s.units.single { it.id == "peer-supporter" }
        assertEquals("The Peer Supporter", unit.title)
        assertEquals(4, unit.lessonCount)
        assertEquals(0, unit.percentRead)
        assertEquals(4, unit.selfChecksTotal)

        vm.openUnit("peer-supporter").join()
        val lessons = vm.state.value.lessons
        assertEquals(listOf("role-model", "confidentiality", "how-to-act", "check-yourself"), lessons.map { it.id })
        assertTrue(lessons.last().courseAuthored)
        assertFalse(lessons.first().courseAuthored)
    }

    @Test
    fun theReaderShowsEveryBlockKind() = withCore {
        fun blocksOf(lessonId: String): List<ReaderBlock> {
            val vm = LessonViewModel(core.course, scope, "peer-supporter", lessonId)
            kotlinx.coroutines.runBlocking { vm.load().join() }
            assertNull(vm.state.value.error)
            return vm.state.value.sections.flatMap { it.blocks }
        }
        val all = listOf("role-model", "confidentiality", "how-to-act", "check-yourself").flatMap(::blocksOf)
        assertTrue(all.any { it is ReaderBlock.Paragraph })
        assertTrue(all.any { it is ReaderBlock.Definition && it.term == "Confidentiality" })
        assertTrue(all.any { it is ReaderBlock.Quote && it.source == "Gordon, 2000" })
        val principles = all.filterIsInstance<ReaderBlock.Principles>().single()
        assertEquals(8, principles.items.size)
        assertEquals("National Certification Handbook, 2016", principles.source)
        val qa = all.filterIsInstance<ReaderBlock.QuestionAnswer>().single()
        assertFalse(qa.revealed, "answers stay hidden until asked for")
        val videos = all.filterIsInstance<ReaderBlock.Video>()
        assertEquals(2, videos.size)
        assertTrue(videos.none { it.available }, "videos without a link show as unavailable")
        assertEquals(3, all.count { it is ReaderBlock.Reflection })
        assertEquals(4, all.count { it is ReaderBlock.SelfCheck })
    }

    @Test
    fun questionAnswersAreRevealedOnRequest() = withCore {
        val vm = LessonViewModel(core.course, scope, "peer-supporter", "confidentiality")
        vm.load().join()
        val qa = vm.state.value.sections.flatMap { it.blocks }.filterIsInstance<ReaderBlock.QuestionAnswer>().single()
        vm.revealAnswer(qa.question)
        val after = vm.state.value.sections.flatMap { it.blocks }.filterIsInstance<ReaderBlock.QuestionAnswer>().single()
        assertTrue(after.revealed)
        assertTrue(after.answer.startsWith("Confidentiality is important"))
    }

    @Test
    fun readingASectionUpdatesTheUnitProgressOnTheHomeScreen() = withCore {
        val home = CourseViewModel(core.course, scope)
        home.load().join()
        home.openUnit("peer-supporter").join()
        val reader = LessonViewModel(core.course, scope, "peer-supporter", "role-model")
        reader.load().join()
        assertEquals(0, reader.state.value.sectionsRead)

        reader.markRead("introduction").join()
        assertTrue(reader.state.value.sections.first { it.id == "introduction" }.read)
        val unit = home.state.awaitState { s -> s.units.single().sectionsRead == 1 }.units.single()
        assertTrue(unit.percentRead > 0)
        home.state.awaitState { s -> s.lessons.first { it.id == "role-model" }.sectionsRead == 1 }

        // A reader opened later shows the section as read (progress is stored in the core).
        val again = LessonViewModel(core.course, scope, "peer-supporter", "role-model")
        again.load().join()
        assertEquals(1, again.state.value.sectionsRead)
    }

    @Test
    fun selfChecksGiveTheVerdictAndExplanationAndCountInTheScore() = withCore {
        val vm = LessonViewModel(core.course, scope, "peer-supporter", "check-yourself")
        vm.load().join()
        fun check() = vm.state.value.sections.flatMap { it.blocks }.filterIsInstance<ReaderBlock.SelfCheck>()
            .single { it.id == "confidentiality-consent" }
        assertFalse(check().answered)

        vm.answer("confidentiality-consent", 0).join()
        assertTrue(check().answered)
        assertFalse(check().correct)
        assertEquals(2, check().correctChoice)
        assertTrue(check().explanation.orEmpty().contains("consent"))

        vm.retry("confidentiality-consent")
        assertFalse(check().answered)
        vm.answer("confidentiality-consent", 2).join()
        assertTrue(check().correct)

        val home = CourseViewModel(core.course, scope)
        home.load().join()
        assertEquals(1, home.state.value.units.single().selfChecksCorrect)
    }

    @Test
    fun searchFindsLessonsOfflineAndHighlightsMatches() = withCore {
        val vm = CourseViewModel(core.course, scope)
        vm.onQueryChange("confidentiality")
        vm.search()!!.join()
        val results = assertNotNull(vm.state.value.results)
        assertTrue(results.isNotEmpty())
        assertTrue(results.any { it.lessonId == "confidentiality" })
        assertTrue(results.first().snippet.any { it.match }, "the matched word is highlighted")

        vm.onQueryChange("   ")
        assertNull(vm.search(), "a blank query never reaches the core")
        assertEquals(UiError.EmptyQuery, vm.state.value.error)
    }

    @Test
    fun bookmarksShowOnTheHome() = withCore {
        val reader = LessonViewModel(core.course, scope, "peer-supporter", "how-to-act")
        reader.load().join()
        assertFalse(reader.state.value.bookmarked)
        reader.toggleBookmark().join()
        assertTrue(reader.state.value.bookmarked)
        val home = CourseViewModel(core.course, scope)
        home.load().join()
        assertEquals(listOf("how-to-act"), home.state.value.bookmarks.map { it.lessonId })
        reader.toggleBookmark().join()
        home.load().join()
        assertTrue(home.state.value.bookmarks.isEmpty())
    }

    @Test
    fun anUnknownLessonIsANotFoundError() = withCore {
        val vm = LessonViewModel(core.course, scope, "peer-supporter", "no-such-lesson")
        vm.load().join()
        assertEquals(UiError.NotFound, vm.state.value.error)
        assertFalse(vm.state.value.loading)
        val home = CourseViewModel(core.course, scope)
        home.openUnit("no-such-unit").join()
        assertEquals(UiError.NotFound, home.state.value.error)
    }

    @Test
    fun helpNowComesFromThePack() = withCore {
        val vm = HelpViewModel(core.course, scope)
        vm.load().join()
        val s = vm.state.value
        assertEquals("Get help now", s.title)
        assertTrue(s.note.contains("not an emergency service"))
        assertTrue(s.items.size >= 4)
        assertTrue(s.items.any { it.title == "If someone is in immediate danger" })
        // The test build's pack is signed with the public development key: the screen says so.
        assertTrue(s.unverified)
        assertEquals(8, s.publisherFingerprint.split(" ").size)
    }

    @Test
    fun snippetHighlightingSplitsOnMarkers() {
        assertEquals(
            listOf(TextRun("a ", false), TextRun("b", true), TextRun(" c", false)),
            CourseViewModel.highlightRuns("a **b** c"),
        )
        assertEquals(listOf(TextRun("x ", false), TextRun("y", false)), CourseViewModel.highlightRuns("x **y"))
    }
}
