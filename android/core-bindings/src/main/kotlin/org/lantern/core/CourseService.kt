package org.lantern.core

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.lantern.Bookmark
import uniffi.lantern.ContentUpdate
import uniffi.lantern.Course
import uniffi.lantern.HelpSection
import uniffi.lantern.LessonContent
import uniffi.lantern.LessonSummary
import uniffi.lantern.PackInfo
import uniffi.lantern.SearchHit
import uniffi.lantern.SelfCheckResult
import uniffi.lantern.UnitProgress
import uniffi.lantern.UnitSummary

/**
 * The course, off the main thread: every call runs on the core dispatcher. Progress is kept as
 * a [StateFlow] that is refreshed after every call that changes it, so every screen showing
 * progress stays current without polling.
 */
class CourseService internal constructor(
    private val course: Course,
    private val calls: CoreCalls,
) {
    private val _progress = MutableStateFlow<List<UnitProgress>>(emptyList())

    /** Progress through every unit, in course order (empty until the first [refreshProgress]). */
    val progress: StateFlow<List<UnitProgress>> = _progress.asStateFlow()

    suspend fun packInfo(): PackInfo = calls.call { course.packInfo() }

    suspend fun units(): List<UnitSummary> = calls.call { course.listUnits() }

    suspend fun lessons(unitId: String): List<LessonSummary> = calls.call { course.listLessons(unitId) }

    suspend fun openLesson(unitId: String, lessonId: String): LessonContent =
        calls.call { course.openLesson(unitId, lessonId) }

    suspend fun refreshProgress(): List<UnitProgress> =
        calls.call { course.progress() }.also { _progress.value = it }

    suspend fun markSectionRead(unitId: String, lessonId: String, sectionId: String) {
        calls.call { course.markSectionRead(unitId, lessonId, sectionId) }
        refreshProgress()
    }

    /** Answers a self-check with the 0-based [choice]; the unit's score updates in [progress]. */
    suspend fun answerSelfCheck(exerciseId: String, choice: Int): SelfCheckResult {
        require(choice >= 0) { "choice must not be negative" }
        val result = calls.call { course.answerSelfCheck(exerciseId, choice.toUInt()) }
        refreshProgress()
        return result
    }

    suspend fun bookmarks(): List<Bookmark> = calls.call { course.bookmarks() }

    suspend fun addBookmark(unitId: String, lessonId: String, sectionId: String?): Boolean =
        calls.call { course.addBookmark(unitId, lessonId, sectionId) }

    suspend fun removeBookmark(unitId: String, lessonId: String, sectionId: String?): Boolean =
        calls.call { course.removeBookmark(unitId, lessonId, sectionId) }

    suspend fun search(query: String): List<SearchHit> = calls.call { course.search(query) }

    suspend fun helpNow(): HelpSection = calls.call { course.helpNow() }

    /** Fetches a newer signed pack; the current one stays readable whatever happens. */
    suspend fun updateFrom(url: String): ContentUpdate = calls.call { course.updateFromUrl(url) }
}
