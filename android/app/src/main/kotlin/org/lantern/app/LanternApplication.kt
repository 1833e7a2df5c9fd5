package org.lantern.app

import android.app.Application
import android.os.SystemClock
import androidx.lifecycle.DefaultLifecycleObserver
import androidx.lifecycle.LifecycleOwner
import androidx.lifecycle.ProcessLifecycleOwner
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import org.lantern.app.platform.NotificationPermission
import org.lantern.app.platform.Notifications
import org.lantern.app.platform.SyncWorker
import org.lantern.core.LanternCore
import org.lantern.presentation.AutoLock
import org.lantern.presentation.Preferences
import java.io.File

/**
 * Process-wide services: the core (opened once, off the main thread, on the app's private
 * files directory), the auto-lock rule, the notification channel and the periodic sync.
 */
class LanternApplication : Application() {
    val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Main.immediate)

    private val _core = MutableStateFlow<LanternCore?>(null)
    /** Null until the core has opened; the activity shows a progress indicator until then. */
    val core: StateFlow<LanternCore?> = _core.asStateFlow()

    lateinit var preferences: Preferences
        private set
    lateinit var autoLock: AutoLock
        private set

    /**
     * Asks for POST_NOTIFICATIONS when the person turns updates on; set by the activity on
     * screen (null with no activity, e.g. during a background sync, when nothing may be asked).
     */
    var notificationPermission: NotificationPermission? = null

    override fun onCreate() {
        super.onCreate()
        preferences = Preferences(File(filesDir, "settings.properties"))
        autoLock = AutoLock(preferences)
        Notifications.createChannel(this)
        SyncWorker.schedule(this)
        appScope.launch { _core.value = LanternCore.open(File(filesDir, "lantern").path) }
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
            val core = _core.value ?: return
            appScope.launch { runCatching { core.journal.lock() } }
        }
    }
}
