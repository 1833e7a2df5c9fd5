package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.JournalService
import uniffi.lantern.normalizeTag

data class EntryEditorUiState(
    val entryId: String? = null,
    val loading: Boolean = false,
    val text: String = "",
    val mood: Int? = null,
    val tags: List<String> = emptyList(),
    val tagDraft: String = "",
    val saving: Boolean = false,
    /** Set when the entry was saved (or deleted): the screen closes. */
    val done: Boolean = false,
    val error: UiError? = null,
) {
    val isNew: Boolean get() = entryId == null
    val canSave: Boolean get() = text.isNotBlank() && !saving
}

/** Writes a new entry or edits one (same id): text, an optional mood 1-5, tags. */
class EntryEditorViewModel(
    private val journal: JournalService,
    private val scope: CoroutineScope,
    entryId: String? = null,
) {
    private val _state = MutableStateFlow(EntryEditorUiState(entryId = entryId, loading = entryId != null))
    val state: StateFlow<EntryEditorUiState> = _state.asStateFlow()

    fun load(): Job? {
        val id = _state.value.entryId ?: return null
        return scope.launch {
            val entry = attempt { journal.get(id) }
            _state.update { s ->
                entry.getOrNull()?.let { e ->
                    s.copy(loading = false, text = e.text, mood = e.mood?.toInt(), tags = e.tags)
                } ?: s.copy(loading = false, error = entry.uiError())
            }
        }
    }

    fun onText(text: String) = _state.update { it.copy(text = text, error = null) }

    /** Picks a mood (1-5); picking the current one again clears it. */
    fun onMood(mood: Int?) = _state.update {
        when {
            mood == null || mood == it.mood -> it.copy(mood = null)
            mood !in 1..5 -> it.copy(error = UiError.MoodOutOfRange)
            else -> it.copy(mood = mood, error = null)
        }
    }

    fun onTagDraft(draft: String) = _state.update { it.copy(tagDraft = draft) }

    /**
     * Adds the drafted tag as the core normalises it (no duplicates). A blank draft is just
     * cleared; a tag the core refuses (too long) stays in the field with `InvalidInput`.
     */
    fun addTag() = _state.update { s ->
        if (s.tagDraft.isBlank()) return@update s.copy(tagDraft = "")
        val tag = runCatching { normalizeTag(s.tagDraft) }.getOrNull()
        when {
            tag == null -> s.copy(error = UiError.InvalidInput)
            tag in s.tags -> s.copy(tagDraft = "")
            else -> s.copy(tags = s.tags + tag, tagDraft = "", error = null)
        }
    }

    fun removeTag(tag: String) = _state.update { it.copy(tags = it.tags - tag) }

    fun save(): Job? {
        val s = _state.value
        if (s.text.isBlank()) {
            _state.update { it.copy(error = UiError.EmptyText) }
            return null
        }
        _state.update { it.copy(saving = true, error = null) }
        return scope.launch {
            val saved = attempt {
                val id = s.entryId
                if (id == null) journal.add(s.text, s.mood, s.tags) else journal.edit(id, s.text, s.mood, s.tags)
            }
            _state.update { cur ->
                saved.getOrNull()?.let { e -> cur.copy(saving = false, entryId = e.id, done = true) }
                    ?: cur.copy(saving = false, error = saved.uiError())
            }
        }
    }

    fun delete(): Job? {
        val id = _state.value.entryId ?: return null
        return scope.launch {
            val done = attempt { journal.delete(id) }
            _state.update { if (done.isSuccess) it.copy(done = true) else it.copy(error = done.uiError()) }
        }
    }
}
