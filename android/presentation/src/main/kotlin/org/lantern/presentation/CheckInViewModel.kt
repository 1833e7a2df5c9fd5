package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.JournalService

data class CheckInUiState(
    val mood: Int? = null,
    val note: String = "",
    val saving: Boolean = false,
    val checkedInToday: Boolean = false,
    val done: Boolean = false,
    val error: UiError? = null,
) {
    val canSave: Boolean get() = mood != null && !saving && note.length <= CheckInViewModel.MAX_NOTE
}

/** The daily check-in: a mood (required) and a short optional note. */
class CheckInViewModel(
    private val journal: JournalService,
    private val scope: CoroutineScope,
    private val clock: Clock = Clock.System,
) {
    private val _state = MutableStateFlow(CheckInUiState())
    val state: StateFlow<CheckInUiState> = _state.asStateFlow()

    /** Finds out whether today already has a check-in (the screen then says so). */
    fun load(): Job = scope.launch {
        val (from, to) = clock.today()
        val today = attempt { journal.checkIns(from, to) }
        _state.update { it.copy(checkedInToday = today.getOrNull()?.isNotEmpty() ?: false, error = today.uiError()) }
    }

    fun onMood(mood: Int) = _state.update {
        if (mood in 1..5) it.copy(mood = mood, error = null) else it.copy(error = UiError.MoodOutOfRange)
    }

    fun onNote(note: String) = _state.update { it.copy(note = note) }

    fun save(): Job? {
        val s = _state.value
        val mood = s.mood ?: run { _state.update { it.copy(error = UiError.MoodOutOfRange) }; return null }
        if (s.note.length > MAX_NOTE) {
            _state.update { it.copy(error = UiError.InvalidInput) }
            return null
        }
        _state.update { it.copy(saving = true, error = null) }
        return scope.launch {
            val saved = attempt { journal.checkIn(mood, s.note.trim().ifEmpty { null }) }
            _state.update {
                if (saved.isSuccess) it.copy(saving = false, done = true, checkedInToday = true, note = "")
                else it.copy(saving = false, error = saved.uiError())
            }
        }
    }

    companion object {
        /** A check-in note is short by design; longer thoughts belong in an entry. */
        const val MAX_NOTE = 280
    }
}
