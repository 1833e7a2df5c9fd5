package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.lantern.core.CourseService

data class HelpItem(val title: String, val text: String)

data class HelpUiState(
    val loading: Boolean = true,
    val title: String = "",
    val note: String = "",
    val items: List<HelpItem> = emptyList(),
    val error: UiError? = null,
)

/**
 * "Get help now": the crisis resources the content pack carries, shown without unlocking
 * anything and without network (the pack is bundled), reachable from every screen.
 */
class HelpViewModel(private val course: CourseService, private val scope: CoroutineScope) {
    private val _state = MutableStateFlow(HelpUiState())
    val state: StateFlow<HelpUiState> = _state.asStateFlow()

    fun load(): Job = scope.launch {
        val help = attempt { course.helpNow() }
        _state.value = help.getOrNull()?.let { h ->
            HelpUiState(false, h.title, h.note, h.resources.map { HelpItem(it.title, it.text) })
        } ?: HelpUiState(loading = false, error = help.uiError())
    }
}
