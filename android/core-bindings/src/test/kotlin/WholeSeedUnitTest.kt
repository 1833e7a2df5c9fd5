package org.lantern.test

import java.nio.file.Files
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import uniffi.lantern.Lantern
import uniffi.lantern.LessonBlock

/**
 * The whole seed unit reads through the Kotlin bindings, nothing missing: every heading, definition,
 * the quote and its source, all eight principles and their source, and both video resources
 * (present, without a link). The same list as the CLI's test (cli/tests/lessons.rs).
 */
class WholeSeedUnitTest {
    private val expected = listOf(
        "In this Unit we will explore the figure of a Peer Supporter as someone who inspires, empowers, and encourages personal change in others. We will talk about supporting a peer at all stages of his recovery and helping him build on his own strengths.",
        "Peer Supporter",
        "An individual who refers to his personal experience and his path towards recovery in a way that contributes to inspire a sense of hope in his peer who is currently going through a difficult situation. The peer supporter's life experience contributed to him acquiring specific experiential knowledge, which he can use to advise and guide his peer.",
        "Who is a Role model?",
        "A person whose behavior, attitude, values, etc., serve as an example for other people to follow, inspiring hope and motivation.",
        "What is Confidentiality?",
        "The ethical principle or legal right that information regarding a certain person, organization (especially in a formal relationship) shall be held secret unless the subject gives consent for disclosing it.",
        "Why is confidentiality so important in a peer support relationship?",
        "Confidentiality is important in order to create a safe space where both the Peer and the Peer Supporter feel comfortable sharing personal and intimate information. The Peer Supporter might have access to sensitive information about the Peer's life or conditions and it is important to respect the Peer's right to privacy. It is a good idea to set clear rules and boundaries on mutual confidentiality between the Peer Supporter and the Peer, so that they both feel comfortable and build a relationship based on trust.",
        "How to act as a Peer Supporter?",
        "When a person feels that she is truly accepted as she is she feels free to move from there and to begin to think about how she wants to grow, how she can become different, how she can be more than what she believed herself capable of being.",
        "Gordon, 2000",
        "National Certification Handbook, 2016",
        "Respect your Peer's individual needs and boundaries.",
        "Recognize that the goals, values, and beliefs of your Peer may differ from yours.",
        "Honor the place where your Peers are in their own unique journey of recovery.",
        "Empower your Peers to take an active role in their own recovery and wellbeing.",
        "Be collaborative in building equal, open, and trusting relationships with your Peers.",
        "Share your lived experiences in a way that demonstrates understanding and inspires hope for recovery.",
        "Play an active role in connecting your Peers to other resources and services.",
        "Collaborate with community, service providers and other stakeholders.",
        "Supporting a wellness journey",
        "Peer Support Workers a Symbol of Hope - YouTube",
        "Supporting Your Peer's Journey - YouTube",
    )

    private fun blockText(block: LessonBlock): String = when (block) {
        is LessonBlock.Paragraph -> block.text
        is LessonBlock.Definition -> "${block.term} ${block.meaning}"
        is LessonBlock.Quote -> "${block.text} ${block.source}"
        is LessonBlock.Principles -> (block.items + block.source).joinToString(" ")
        is LessonBlock.QuestionAnswer -> "${block.question} ${block.answer}"
        is LessonBlock.Video -> block.title
        else -> block.toString()
    }

    @Test
    fun everyPartOfTheSeedUnitIsThere() {
        Lantern.open(Files.createTempDirectory("lantern-seed").toString()).use { lantern ->
            val course = lantern.course()
            val unit = course.listUnits().single { it.id == "peer-supporter" }
            val lessons = course.listLessons(unit.id)
            assertEquals(unit.lessonCount.toInt(), lessons.size)
            val parts = mutableListOf(unit.title)
            val videos = mutableListOf<LessonBlock.Video>()
            for (summary in lessons) {
                val lesson = course.openLesson(unit.id, summary.id)
                parts += summary.title
                for (section in lesson.sections) {
                    parts += section.title
                    section.blocks.forEach { parts += blockText(it) }
                    videos += section.blocks.filterIsInstance<LessonBlock.Video>()
                }
            }
            val text = parts.joinToString(" ").split(Regex("\\s+")).joinToString(" ")
            for (piece in expected) {
                assertTrue(text.contains(piece), "missing from the unit read through Kotlin: $piece")
            }
            assertFalse(Regex("\\bthe the\\b").containsMatchIn(text), "a plain typo of the source came through")
            assertEquals(2, videos.size)
            assertTrue(videos.all { it.url == null }, "the source has no links: none may be invented")
        }
    }
}
