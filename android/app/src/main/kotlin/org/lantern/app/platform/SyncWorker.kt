package org.lantern.app.platform

import android.content.Context
import androidx.work.Constraints
import androidx.work.CoroutineWorker
import androidx.work.ExistingPeriodicWorkPolicy
import androidx.work.NetworkType
import androidx.work.PeriodicWorkRequestBuilder
import androidx.work.WorkManager
import androidx.work.WorkerParameters
import kotlinx.coroutines.flow.first
import org.lantern.app.LanternApplication
import org.lantern.presentation.BackgroundSync
import org.lantern.presentation.CoreOpening
import org.lantern.presentation.SyncOutcome
import java.util.concurrent.TimeUnit

/**
 * Periodic sync (every 30 minutes, on any network). What to do with the result is
 * BackgroundSync's decision; this worker only maps it to WorkManager and the notification.
 */
class SyncWorker(context: Context, params: WorkerParameters) : CoroutineWorker(context, params) {
    override suspend fun doWork(): Result {
        val app = applicationContext as LanternApplication
        // A cold start opens the core in LanternApplication.onCreate; a core that cannot open
        // fails this run (the next period tries again) instead of waiting forever.
        val core = when (val opening = app.coreStart.state.first { it !is CoreOpening.Opening }) {
            is CoreOpening.Open -> opening.core
            else -> return Result.failure()
        }
        return when (BackgroundSync(core.sharing).run()) {
            SyncOutcome.NewUpdates -> {
                // Only when the person turned updates on (and the system allows it: newUpdates checks).
                if (app.updates.enabled) Notifications.newUpdates(applicationContext)
                Result.success()
            }
            SyncOutcome.NothingNew, SyncOutcome.NeedsUnlock -> Result.success()
            SyncOutcome.RetryLater -> Result.retry()
            SyncOutcome.Failed -> Result.failure()
        }
    }

    companion object {
        private const val NAME = "lantern-sync"

        fun schedule(context: Context) {
            val request = PeriodicWorkRequestBuilder<SyncWorker>(30, TimeUnit.MINUTES)
                .setConstraints(Constraints.Builder().setRequiredNetworkType(NetworkType.CONNECTED).build())
                .build()
            WorkManager.getInstance(context).enqueueUniquePeriodicWork(NAME, ExistingPeriodicWorkPolicy.KEEP, request)
        }
    }
}
