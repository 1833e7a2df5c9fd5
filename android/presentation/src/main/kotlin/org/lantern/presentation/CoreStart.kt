package org.lantern.presentation

import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.lantern.core.LanternCore
import org.lantern.core.LanternFailure

/** Where opening the core stands: the app shows a progress indicator, the screens, or a readable error. */
sealed interface CoreOpening {
    data object Opening : CoreOpening

    data class Open(val core: LanternCore) : CoreOpening

    /** The core could not be opened; [error] says why in the screens' terms, and [CoreStart.start] may try again. */
    data class Failed(val error: UiError) : CoreOpening
}

/**
 * Opens the core off the caller's thread and says how it went, so that a failure (storage the
 * app cannot use, damaged data, a native library that does not load) is a screen with a
 * message and "Try again", never a progress indicator that spins forever.
 */
class CoreStart(private val scope: CoroutineScope, private val open: suspend () -> LanternCore) {
    private val _state = MutableStateFlow<CoreOpening>(CoreOpening.Opening)
    val state: StateFlow<CoreOpening> = _state.asStateFlow()
    private var job: Job? = null

    /** Opens the core, or tries again after a failure; does nothing while open or opening. */
    fun start(): Job {
        job?.takeIf { it.isActive || _state.value is CoreOpening.Open }?.let { return it }
        _state.value = CoreOpening.Opening
        return scope.launch {
            _state.value = try {
                CoreOpening.Open(open())
            } catch (e: CancellationException) {
                throw e
            } catch (f: LanternFailure) {
                CoreOpening.Failed(UiError.of(f))
            } catch (e: Exception) {
                CoreOpening.Failed(UiError.Unexpected)
            } catch (e: LinkageError) {
                // The native core did not load (a missing or wrong-ABI library): not a crash loop.
                CoreOpening.Failed(UiError.Unexpected)
            }
        }.also { job = it }
    }

    /** The open core, or null while opening or after a failure. */
    val core: LanternCore? get() = (_state.value as? CoreOpening.Open)?.core
}
