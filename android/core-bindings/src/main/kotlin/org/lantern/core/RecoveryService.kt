package org.lantern.core

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.lantern.Milestone
import uniffi.lantern.PreviousStart
import uniffi.lantern.Recovery
import uniffi.lantern.RecoveryStatus
import uniffi.lantern.describeMilestone

/**
 * The recovery day count and its milestones, off the main thread. The start date and the history
 * of earlier starts stay sealed in the core; sharing the count (and only the count) with a
 * supporter is the `Scope.RecoveryCount` consent, granted like any other.
 */
class RecoveryService internal constructor(
    private val recovery: Recovery,
    private val calls: CoreCalls,
) {
    private val _status = MutableStateFlow<RecoveryStatus?>(null)
    /** Where recovery stands; `null` when no start date is set (or before [refresh]). */
    val status: StateFlow<RecoveryStatus?> = _status.asStateFlow()

    suspend fun refresh(): RecoveryStatus? = calls.call { recovery.status() }.also { _status.value = it }

    /** Sets or corrects the start date (`YYYY-MM-DD`), counted on [timeZone]'s calendar. */
    suspend fun setStart(startDate: String, timeZone: String): RecoveryStatus =
        calls.call { recovery.setStart(startDate, timeZone) }.also { _status.value = it }

    /** Starts again ([newStart] or today), keeping the current start in the private history. */
    suspend fun reset(newStart: String? = null): RecoveryStatus =
        calls.call { recovery.reset(newStart) }.also { _status.value = it }

    suspend fun history(): List<PreviousStart> = calls.call { recovery.history() }

    /** Forgets the start date and the history; a shared count is withdrawn at the next sync. */
    suspend fun clear() {
        calls.call { recovery.clear() }
        _status.value = null
    }

    companion object {
        /** "24 hours", "1 week", "30 days", ..., "6 months", "1 year", "2 years" (English; the core's words). */
        fun words(milestone: Milestone): String = describeMilestone(milestone)
    }
}
