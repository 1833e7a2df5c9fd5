package org.lantern.app

import android.os.Bundle
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.intl.Locale
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import org.lantern.app.platform.ActivityNotificationPermission
import org.lantern.app.platform.AndroidPlatform
import org.lantern.ui.AppState
import org.lantern.ui.LanternApp
import org.lantern.ui.LanternRoot
import org.lantern.ui.ScreenModels
import org.lantern.ui.Strings

/** Keeps the shared UI's navigation and screen models across configuration changes. */
class UiStateHolder : ViewModel() {
    val state = AppState(ScreenModels(viewModelScope))
}

/**
 * The single activity (a FragmentActivity, for the biometric prompt): draws the shared UI
 * (org.lantern.ui) once the core is open, with the Android platform services.
 */
class MainActivity : FragmentActivity() {
    private val holder: UiStateHolder by viewModels()

    /** Registered during creation, as the activity result API requires; see [LanternApplication.notificationPermission]. */
    private val notificationPermission = ActivityNotificationPermission(this)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val app = application as LanternApplication
        val platform = AndroidPlatform(this)
        app.notificationPermission = notificationPermission
        setContent {
            LanternRoot(Strings.forLanguage(Locale.current.language)) {
                val core by app.core.collectAsStateWithLifecycle()
                val ready = core
                Box(Modifier.fillMaxSize().safeDrawingPadding()) {
                    if (ready == null) {
                        CircularProgressIndicator(Modifier.align(Alignment.Center))
                    } else {
                        BackHandler(enabled = holder.state.canGoBack) { holder.state.back() }
                        LanternApp(ready, platform, app.autoLock, app.preferences, holder.state)
                    }
                }
            }
        }
    }

    override fun onDestroy() {
        val app = application as LanternApplication
        if (app.notificationPermission === notificationPermission) app.notificationPermission = null
        super.onDestroy()
    }
}
