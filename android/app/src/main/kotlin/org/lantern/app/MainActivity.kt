package org.lantern.app

import android.os.Bundle
import androidx.activity.compose.BackHandler
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.activity.viewModels
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.intl.Locale
import androidx.fragment.app.FragmentActivity
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewModelScope
import org.lantern.app.platform.AndroidPlatform
import org.lantern.ui.AppState
import org.lantern.ui.CoreGate
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
 * (org.lantern.ui) once the core is open, with the Android platform services; until then the
 * shared `CoreGate` (progress, or a readable error with "Try again" when the core cannot open).
 */
class MainActivity : FragmentActivity() {
    private val holder: UiStateHolder by viewModels()

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val app = application as LanternApplication
        // Registers its activity-result launchers (file picker, notification permission): during onCreate.
        val platform = AndroidPlatform(this)
        setContent {
            LanternRoot(Strings.forLanguage(Locale.current.language)) {
                val opening by app.coreStart.state.collectAsStateWithLifecycle()
                Box(Modifier.fillMaxSize().safeDrawingPadding()) {
                    CoreGate(opening, onRetry = { app.coreStart.start() }) { core ->
                        BackHandler(enabled = holder.state.canGoBack) { holder.state.back() }
                        LanternApp(core, platform, app.autoLock, app.preferences, holder.state)
                    }
                }
            }
        }
    }
}
