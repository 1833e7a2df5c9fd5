package org.lantern.app

import android.os.Bundle
import androidx.fragment.app.FragmentActivity
import androidx.activity.compose.setContent
import androidx.activity.enableEdgeToEdge
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.platform.ActivityNotificationPermission
import org.lantern.app.ui.LanternNavHost
import org.lantern.app.ui.LanternTheme

/** The single activity (a FragmentActivity, for the biometric prompt): draws the navigation host once the core is open. */
class MainActivity : FragmentActivity() {
    /** Registered during creation, as the activity result API requires; see [LanternApplication.notificationPermission]. */
    private val notificationPermission = ActivityNotificationPermission(this)

    override fun onCreate(savedInstanceState: Bundle?) {
        super.onCreate(savedInstanceState)
        enableEdgeToEdge()
        val app = application as LanternApplication
        app.notificationPermission = notificationPermission
        setContent {
            LanternTheme {
                val core by app.core.collectAsStateWithLifecycle()
                val ready = core
                if (ready == null) {
                    Box(Modifier.fillMaxSize(), contentAlignment = Alignment.Center) { CircularProgressIndicator() }
                } else {
                    LanternNavHost(ready, app)
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
