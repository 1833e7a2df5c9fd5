package org.lantern.core

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.lantern.LanternException

/**
 * Runs blocking core calls off the caller's thread. Every exported core function may block on
 * disk or network (docs/design.md "Threading"), so the wrapper never calls the core directly from a
 * coroutine: it goes through [call], which switches to [io] and turns core exceptions into
 * [LanternFailure]. Tests inject their own dispatcher.
 */
class CoreCalls(val io: CoroutineDispatcher = Dispatchers.IO) {
    /** Runs [block] on [io]; a [LanternException] comes back as the matching [LanternFailure]. */
    suspend fun <T> call(block: () -> T): T = withContext(io) {
        try {
            block()
        } catch (e: LanternException) {
            throw e.toFailure()
        }
    }
}
