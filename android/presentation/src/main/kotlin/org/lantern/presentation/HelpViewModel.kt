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
    /** Who vouches for this text: the publisher's name and key fingerprint. */
    val publisherName: String = "",
    val publisherFingerprint: String = "",
    /** Signed only with the public development key: say so next to the resources. */
    val unverified: Boolean = false,
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
            HelpUiState(
                loading = false,
                title = h.title,
                note = h.note,
                items = h.resources.map { HelpItem(it.title, it.text) },
                publisherName = h.publisher.name,
                publisherFingerprint = h.publisher.keyFingerprint,
                unverified = h.publisher.development,
            )
        } ?: HelpUiState(loading = false, error = help.uiError())
    }
}
