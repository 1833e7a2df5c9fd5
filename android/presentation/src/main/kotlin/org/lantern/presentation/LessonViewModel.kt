package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.CourseService
import uniffi.lantern.LessonBlock

/** What the reader draws for one block. Every block kind of the course has its own case. */
sealed interface ReaderBlock {
    data class Paragraph(val text: String) : ReaderBlock
    data class Definition(val term: String, val meaning: String) : ReaderBlock
    data class Quote(val text: String, val source: String) : ReaderBlock
    data class Principles(val items: List<String>, val source: String) : ReaderBlock
    data class QuestionAnswer(val question: String, val answer: String, val revealed: Boolean) : ReaderBlock

    /** [url] is null when the pack has no link: drawn as "needs a connection", never as a link. */
    data class Video(val title: String, val url: String?) : ReaderBlock {
        val available: Boolean get() = url != null
    }

    data class Reflection(val id: String, val text: String) : ReaderBlock

    data class SelfCheck(
        val id: String,
        val question: String,
        val choices: List<String>,
        val chosen: Int? = null,
        val correctChoice: Int? = null,
        val explanation: String? = null,
    ) : ReaderBlock {
        val answered: Boolean get() = correctChoice != null
        val correct: Boolean get() = answered && chosen == correctChoice
    }
}

data class ReaderSection(val id: String, val title: String, val blocks: List<ReaderBlock>, val read: Boolean)

data class LessonUiState(
    val loading: Boolean = true,
    val unitTitle: String = "",
    val title: String = "",
    val courseAuthored: Boolean = false,
    val sections: List<ReaderSection> = emptyList(),
    val bookmarked: Boolean = false,
    val error: UiError? = null,
) {
    val sectionsRead: Int get() = sections.count { it.read }
}

/**
 * The lesson reader: the lesson as typed blocks, sections marked read as the person reaches
 * their end, self-checks answered with the verdict and explanation from the core, answers of
 * question-and-answer blocks revealed on request, and the lesson's bookmark.
 */
class LessonViewModel(
    private val course: CourseService,
    private val scope: CoroutineScope,
    val unitId: String,
    val lessonId: String,
) {
    private val _state = MutableStateFlow(LessonUiState())
    val state: StateFlow<LessonUiState> = _state.asStateFlow()

    fun load(): Job = scope.launch {
        val loaded = attempt {
            val lesson = course.openLesson(unitId, lessonId)
            val progress = course.refreshProgress()
            val bookmarks = course.bookmarks()
            Triple(lesson, progress, bookmarks)
        }
        loaded.onSuccess { (lesson, progress, bookmarks) ->
            val read = progress.firstOrNull { it.unitId == unitId }
                ?.lessons?.firstOrNull { it.lessonId == lessonId }?.sectionsRead?.toInt() ?: 0
            _state.value = LessonUiState(
                loading = false,
                unitTitle = lesson.unitTitle,
                title = lesson.title,
                courseAuthored = lesson.courseAuthored,
                // The core counts read sections per lesson; readers go in order, so the first
                // `read` sections are shown as read.
                sections = lesson.sections.mapIndexed { i, s ->
                    ReaderSection(s.id, s.title, s.blocks.map(::readerBlock), read = i < read)
                },
                bookmarked = bookmarks.any { it.unitId == unitId && it.lessonId == lessonId && it.sectionId == null },
            )
        }
        loaded.uiError()?.let { e -> _state.update { it.copy(loading = false, error = e) } }
    }

    /** The person reached the end of a section. */
    fun markRead(sectionId: String): Job = scope.launch {
        val done = attempt { course.markSectionRead(unitId, lessonId, sectionId) }
        _state.update { s ->
            if (done.isSuccess) {
                s.copy(sections = s.sections.map { if (it.id == sectionId) it.copy(read = true) else it })
            } else {
                s.copy(error = done.uiError())
            }
        }
    }

    /** Answers a self-check; the verdict and explanation replace the question's state. */
    fun answer(exerciseId: String, choice: Int): Job = scope.launch {
        val result = attempt { course.answerSelfCheck(exerciseId, choice) }
        result.onSuccess { r ->
            updateBlock<ReaderBlock.SelfCheck>({ it.id == exerciseId }) {
                it.copy(chosen = choice, correctChoice = r.correctChoice.toInt(), explanation = r.explanation)
            }
        }
        result.uiError()?.let { e -> _state.update { it.copy(error = e) } }
    }

    /** Lets the person try a self-check again. */
    fun retry(exerciseId: String) = updateBlock<ReaderBlock.SelfCheck>({ it.id == exerciseId }) {
        it.copy(chosen = null, correctChoice = null, explanation = null)
    }

    fun revealAnswer(question: String) = updateBlock<ReaderBlock.QuestionAnswer>({ it.question == question }) {
        it.copy(revealed = true)
    }

    fun toggleBookmark(): Job = scope.launch {
        val on = _state.value.bookmarked
        val done = attempt {
            if (on) course.removeBookmark(unitId, lessonId, null) else course.addBookmark(unitId, lessonId, null)
        }
        _state.update { if (done.isSuccess) it.copy(bookmarked = !on) else it.copy(error = done.uiError()) }
    }

    fun dismissError() = _state.update { it.copy(error = null) }

    private inline fun <reified B : ReaderBlock> updateBlock(crossinline which: (B) -> Boolean, crossinline change: (B) -> B) {
        _state.update { s ->
            s.copy(sections = s.sections.map { sec ->
                sec.copy(blocks = sec.blocks.map { b -> if (b is B && which(b)) change(b) else b })
            })
        }
    }

    private fun readerBlock(block: LessonBlock): ReaderBlock = when (block) {
        is LessonBlock.Paragraph -> ReaderBlock.Paragraph(block.text)
        is LessonBlock.Definition -> ReaderBlock.Definition(block.term, block.meaning)
        is LessonBlock.Quote -> ReaderBlock.Quote(block.text, block.source)
        is LessonBlock.Principles -> ReaderBlock.Principles(block.items, block.source)
        is LessonBlock.QuestionAnswer -> ReaderBlock.QuestionAnswer(block.question, block.answer, revealed = false)
        is LessonBlock.Video -> ReaderBlock.Video(block.title, block.url)
        is LessonBlock.ReflectionPrompt -> ReaderBlock.Reflection(block.id, block.text)
        is LessonBlock.SelfCheck -> ReaderBlock.SelfCheck(block.id, block.question, block.choices)
    }
}
