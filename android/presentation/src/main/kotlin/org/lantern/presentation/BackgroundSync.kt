package org.lantern.presentation

import org.lantern.core.LanternFailure
import org.lantern.core.SharingService

/** What the periodic background sync should do next. */
enum class SyncOutcome {
    /** Something new arrived from a peer: post the generic "new updates" notification. */
    NewUpdates,
    NothingNew,
    /** The relay or network is down: nothing lost, let the scheduler retry with backoff. */
    RetryLater,
    /** The journal is locked, so sharing records cannot be read: sync after the next unlock. */
    NeedsUnlock,
    /** A lasting failure (relay refused, damaged data): stop retrying, the app shows it. */
    Failed,
}

/**
 * The decision behind the platform schedulers (WorkManager, BGTaskScheduler): run one sync and
 * say whether to notify, retry or wait. The notification itself never carries any shared or
 * private text: the app posts a fixed, generic line.
 */
class BackgroundSync(private val sharing: SharingService) {
    suspend fun run(): SyncOutcome = try {
        val summary = sharing.sync()
        if (summary.applied > 0uL) SyncOutcome.NewUpdates else SyncOutcome.NothingNew
    } catch (f: LanternFailure) {
        when (f) {
            is LanternFailure.RelayDown -> SyncOutcome.RetryLater
            is LanternFailure.Locked, is LanternFailure.NotSetUp -> SyncOutcome.NeedsUnlock
            else -> SyncOutcome.Failed
        }
    }
}
