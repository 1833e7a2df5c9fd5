package org.lantern.test

import java.nio.file.Files
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertThrows
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import uniffi.lantern.Lantern
import uniffi.lantern.LanternException
import uniffi.lantern.LessonBlock

/** The course through the generated Kotlin bindings, on the desktop JVM (JNA). */
class CourseTest {
    private fun openCore(): Lantern =
        Lantern.open(Files.createTempDirectory("lantern-course").toString())

    @Test
    fun readsTheSeedUnitOffline() {
        openCore().use { lantern ->
            val course = lantern.course()
            val units = course.listUnits()
            assertEquals("peer-supporter", units[0].id)

            val lessons = course.listLessons("peer-supporter")
            assertTrue(lessons.last().courseAuthored)

            val lesson = course.openLesson("peer-supporter", "how-to-act")
            val blocks = lesson.sections.flatMap { it.blocks }
            val principles = blocks.filterIsInstance<LessonBlock.Principles>().single()
            assertEquals(8, principles.items.size)
            assertEquals("National Certification Handbook, 2016", principles.source)
            assertTrue(
                principles.items.contains(
                    "Honor the place where your Peers are in their own unique journey of recovery."
                )
            )
            val quote = blocks.filterIsInstance<LessonBlock.Quote>().single()
            assertEquals("Gordon, 2000", quote.source)
            val videos = blocks.filterIsInstance<LessonBlock.Video>()
            assertEquals(2, videos.size)
            videos.forEach { assertNull(it.url) }

            assertThrows(LanternException.NotFound::class.java) {
                course.openLesson("peer-supporter", "no-such-lesson")
            }
        }
    }

    @Test
    fun searchesAndRecordsProgress() {
        openCore().use { lantern ->
            val course = lantern.course()
            val hits = course.search("Gordon")
            assertEquals("acceptance", hits[0].sectionId)
            assertTrue(hits[0].snippet.contains("**Gordon**"))
            assertThrows(LanternException.InvalidInput::class.java) { course.search("  ") }

            assertEquals(0u, course.unitProgress("peer-supporter").sectionsRead)
            course.markSectionRead("peer-supporter", "how-to-act", "guiding-principles")
            val result = course.answerSelfCheck("confidentiality-consent", 2u)
            assertTrue(result.correct)
            assertFalse(course.answerSelfCheck("peer-supporter-hope", 0u).correct)

            val progress = course.unitProgress("peer-supporter")
            assertEquals(1u, progress.sectionsRead)
            assertEquals(11u, progress.sectionsTotal)
            assertEquals(2u, progress.selfChecksAnswered)
            assertEquals(1u, progress.selfChecksCorrect)
        }
    }
}
