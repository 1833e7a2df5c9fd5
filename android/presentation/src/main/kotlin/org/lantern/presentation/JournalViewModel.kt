package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.JournalService
import uniffi.lantern.Entry

/** One entry in the list: the first line of its text as a preview. */
data class EntryRow(
    val id: String,
    val preview: String,
    val mood: Int?,
    val tags: List<String>,
    val createdAtMs: Long,
    val edited: Boolean,
)

data class JournalUiState(
    val loading: Boolean = true,
    val entries: List<EntryRow> = emptyList(),
    val hasMore: Boolean = false,
    /** Records that failed their integrity check: the list says how many, the rest still shows. */
    val damagedCount: Int = 0,
    val tagFilter: String? = null,
    val query: String = "",
    val searchResults: List<EntryRow>? = null,
    val error: UiError? = null,
)

/**
 * The journal list: newest first, paged, filtered by tag, and full-text search. Only used while
 * unlocked; a Locked failure shows as [UiError.Locked] and the lock screen takes over.
 */
class JournalViewModel(private val journal: JournalService, private val scope: CoroutineScope) {
    private val _state = MutableStateFlow(JournalUiState())
    val state: StateFlow<JournalUiState> = _state.asStateFlow()

    /** Loads the first page, and builds the search index in the background. */
    fun load(): Job = scope.launch {
        loadPage(reset = true)
        attempt { journal.prepareSearch() }
    }

    fun loadMore(): Job = scope.launch { loadPage(reset = false) }

    fun filterByTag(tag: String?): Job {
        _state.update { it.copy(tagFilter = tag) }
        return scope.launch { loadPage(reset = true) }
    }

    private suspend fun loadPage(reset: Boolean) {
        val s = _state.value
        val offset = if (reset) 0 else s.entries.size
        val page = attempt { journal.list(offset, PAGE_SIZE, s.tagFilter) }
        _state.update { cur ->
            page.getOrNull()?.let { p ->
                val rows = p.entries.map(::row)
                cur.copy(
                    loading = false,
                    entries = if (reset) rows else cur.entries + rows,
                    hasMore = p.hasMore,
                    damagedCount = (if (reset) 0 else cur.damagedCount) + p.damagedIds.size,
                    error = null,
                )
            } ?: cur.copy(loading = false, error = page.uiError())
        }
    }

    fun onQueryChange(q: String) = _state.update { it.copy(query = q) }

    fun search(): Job? {
        val q = _state.value.query.trim()
        if (q.isEmpty()) {
            _state.update { it.copy(searchResults = null, error = UiError.EmptyQuery) }
            return null
        }
        return scope.launch {
            val hits = attempt { journal.search(q) }
            _state.update { it.copy(searchResults = hits.getOrNull()?.map(::row), error = hits.uiError()) }
        }
    }

    fun clearSearch() = _state.update { it.copy(query = "", searchResults = null, error = null) }

    fun dismissError() = _state.update { it.copy(error = null) }

    companion object {
        const val PAGE_SIZE = 30
        private const val PREVIEW_CHARS = 120

        fun row(e: Entry) = EntryRow(
            id = e.id,
            preview = e.text.lineSequence().firstOrNull { it.isNotBlank() }.orEmpty().take(PREVIEW_CHARS),
            mood = e.mood?.toInt(),
            tags = e.tags,
            createdAtMs = e.createdAtMs,
            edited = e.editedAtMs != null,
        )
    }
}
