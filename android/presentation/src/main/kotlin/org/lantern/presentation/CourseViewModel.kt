package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.CourseService
import uniffi.lantern.UnitProgress

/** One unit in the course list, with what the progress bar and score line show. */
data class UnitRow(
    val id: String,
    val title: String,
    val lessonCount: Int,
    val sectionsRead: Int,
    val sectionsTotal: Int,
    val selfChecksCorrect: Int,
    val selfChecksTotal: Int,
) {
    /** 0..100, for the progress bar and its accessibility description. */
    val percentRead: Int get() = if (sectionsTotal == 0) 0 else sectionsRead * 100 / sectionsTotal
    val finished: Boolean get() = sectionsTotal > 0 && sectionsRead == sectionsTotal
}

/** One lesson of the opened unit. */
data class LessonRow(
    val id: String,
    val title: String,
    val courseAuthored: Boolean,
    val sectionsRead: Int,
    val sectionsTotal: Int,
) {
    val finished: Boolean get() = sectionsTotal > 0 && sectionsRead == sectionsTotal
}

/** A run of snippet text; [match] runs are drawn highlighted. */
data class TextRun(val text: String, val match: Boolean)

/** One search result, ready to draw and to open. */
data class SearchRow(
    val unitId: String,
    val lessonId: String,
    val sectionId: String,
    val place: String,
    val sectionTitle: String,
    val snippet: List<TextRun>,
)

data class BookmarkRow(val unitId: String, val lessonId: String, val sectionId: String?, val title: String)

data class CourseUiState(
    val loading: Boolean = true,
    val courseTitle: String = "",
    val units: List<UnitRow> = emptyList(),
    val openUnitId: String? = null,
    val lessons: List<LessonRow> = emptyList(),
    val query: String = "",
    val searching: Boolean = false,
    val results: List<SearchRow>? = null,
    val bookmarks: List<BookmarkRow> = emptyList(),
    val error: UiError? = null,
)

/**
 * The course home: units with progress and score, a unit's lessons, offline search and
 * bookmarks. Progress comes from the core's [CourseService.progress] flow, so marking a section
 * read in the reader updates this screen too.
 */
class CourseViewModel(private val course: CourseService, private val scope: CoroutineScope) {
    private val _state = MutableStateFlow(CourseUiState())
    val state: StateFlow<CourseUiState> = _state.asStateFlow()
    private var searchJob: Job? = null

    init {
        scope.launch { course.progress.collect { applyProgress(it) } }
    }

    /** Loads the units, progress and bookmarks. */
    fun load(): Job = scope.launch {
        val loaded = attempt {
            val info = course.packInfo()
            val units = course.units()
            course.refreshProgress()
            Triple(info, units, course.bookmarks())
        }
        loaded.onSuccess { (info, units, bookmarks) ->
            val progress = course.progress.value.associateBy { it.unitId }
            _state.update { s ->
                s.copy(
                    loading = false,
                    courseTitle = info.title,
                    units = units.map { u ->
                        val p = progress[u.id]
                        UnitRow(
                            id = u.id,
                            title = u.title,
                            lessonCount = u.lessonCount.toInt(),
                            sectionsRead = p?.sectionsRead?.toInt() ?: 0,
                            sectionsTotal = p?.sectionsTotal?.toInt() ?: u.sectionCount.toInt(),
                            selfChecksCorrect = p?.selfChecksCorrect?.toInt() ?: 0,
                            selfChecksTotal = p?.selfChecksTotal?.toInt() ?: 0,
                        )
                    },
                    bookmarks = bookmarks.map { BookmarkRow(it.unitId, it.lessonId, it.sectionId, it.title) },
                    error = null,
                )
            }
        }
        loaded.uiError()?.let { e -> _state.update { it.copy(loading = false, error = e) } }
    }

    /** Opens a unit's lesson list. */
    fun openUnit(unitId: String): Job = scope.launch {
        val lessons = attempt { course.lessons(unitId) }
        lessons.onSuccess { list ->
            val progress = course.progress.value.firstOrNull { it.unitId == unitId }
            val perLesson = progress?.lessons?.associateBy { it.lessonId }.orEmpty()
            _state.update { s ->
                s.copy(
                    openUnitId = unitId,
                    lessons = list.map { l ->
                        LessonRow(
                            id = l.id,
                            title = l.title,
                            courseAuthored = l.courseAuthored,
                            sectionsRead = perLesson[l.id]?.sectionsRead?.toInt() ?: 0,
                            sectionsTotal = l.sections.size,
                        )
                    },
                    error = null,
                )
            }
        }
        lessons.uiError()?.let { e -> _state.update { it.copy(error = e) } }
    }

    fun closeUnit() = _state.update { it.copy(openUnitId = null, lessons = emptyList()) }

    fun onQueryChange(query: String) = _state.update { it.copy(query = query) }

    /** Searches every lesson offline. A blank query is refused here, not sent to the core. */
    fun search(): Job? {
        val query = _state.value.query.trim()
        if (query.isEmpty()) {
            _state.update { it.copy(results = null, error = UiError.EmptyQuery) }
            return null
        }
        searchJob?.cancel()
        _state.update { it.copy(searching = true, error = null) }
        return scope.launch {
            val hits = attempt { course.search(query) }
            _state.update { s ->
                s.copy(
                    searching = false,
                    results = hits.getOrNull()?.map { h ->
                        SearchRow(
                            unitId = h.unitId,
                            lessonId = h.lessonId,
                            sectionId = h.sectionId,
                            place = "${h.unitTitle} › ${h.lessonTitle}",
                            sectionTitle = h.sectionTitle,
                            snippet = highlightRuns(h.snippet),
                        )
                    } ?: s.results,
                    error = hits.uiError(),
                )
            }
        }.also { searchJob = it }
    }

    fun clearSearch() = _state.update { it.copy(query = "", results = null, error = null) }

    fun dismissError() = _state.update { it.copy(error = null) }

    private fun applyProgress(progress: List<UnitProgress>) {
        val byUnit = progress.associateBy { it.unitId }
        _state.update { s ->
            s.copy(
                units = s.units.map { row ->
                    byUnit[row.id]?.let { p ->
                        row.copy(
                            sectionsRead = p.sectionsRead.toInt(),
                            sectionsTotal = p.sectionsTotal.toInt(),
                            selfChecksCorrect = p.selfChecksCorrect.toInt(),
                            selfChecksTotal = p.selfChecksTotal.toInt(),
                        )
                    } ?: row
                },
                lessons = s.openUnitId?.let { byUnit[it] }?.let { p ->
                    val perLesson = p.lessons.associateBy { it.lessonId }
                    s.lessons.map { l -> l.copy(sectionsRead = perLesson[l.id]?.sectionsRead?.toInt() ?: l.sectionsRead) }
                } ?: s.lessons,
            )
        }
    }

    companion object {
        /** Splits a core snippet, whose matches are wrapped in `**`, into plain and matched runs. */
        fun highlightRuns(snippet: String): List<TextRun> {
            val parts = snippet.split("**")
            return parts.mapIndexedNotNull { i, text ->
                if (text.isEmpty()) null else TextRun(text, match = i % 2 == 1 && i < parts.size - 1)
            }
        }
    }
}
