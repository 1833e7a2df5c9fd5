package org.lantern.app

import android.app.Application
import android.os.SystemClock
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import org.lantern.app.platform.Notifications
import org.lantern.app.platform.SyncWorker
import org.lantern.core.LanternCore
import org.lantern.presentation.AutoLock
import org.lantern.presentation.CoreStart
import org.lantern.presentation.Preferences
import org.lantern.presentation.UpdatesSetting
import java.io.File

/**
 * Process-wide services: the core (opened once, off the main thread, on the app's private
 * files directory), the auto-lock rule, the notification channel and the periodic sync.
 */
class LanternApplication : Application() {
    val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)

    /**
     * Opening the core: the activity draws the shared `CoreGate` over its state (a progress
     * indicator, the screens, or a readable error with "Try again"); the sync worker waits for it.
     */
    lateinit var coreStart: CoreStart
        private set

    lateinit var preferences: Preferences
        private set
    lateinit var autoLock: AutoLock
        private set
    /** Whether a background sync may post the "new updates" notification (Settings asks for the permission). */
    lateinit var updates: UpdatesSetting
        private set

    override fun onCreate() {
        super.onCreate()
        preferences = Preferences(File(filesDir, "settings.properties"))
        autoLock = AutoLock(preferences)
        updates = UpdatesSetting(preferences)
        Notifications.createChannel(this)
        SyncWorker.schedule(this)
        coreStart = CoreStart(appScope) { LanternCore.open(File(filesDir, "lantern").path) }
        coreStart.start()
        ProcessLifecycleOwner.get().lifecycle.addObserver(AutoLockObserver())
    }

    /** Reports foreground/background to [AutoLock] and locks the journal when it says so. */
    private inner class AutoLockObserver : DefaultLifecycleObserver {
        override fun onStop(owner: LifecycleOwner) {
            if (autoLock.onBackgrounded(SystemClock.elapsedRealtime())) lockJournal()
        }

        override fun onStart(owner: LifecycleOwner) {
            if (autoLock.onForegrounded(SystemClock.elapsedRealtime())) lockJournal()
        }

        private fun lockJournal() {
            val core = coreStart.core ?: return
            appScope.launch { runCatching { core.journal.lock() } }
        }
    }
}
