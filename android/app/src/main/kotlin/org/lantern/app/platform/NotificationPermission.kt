package org.lantern.app.platform

import android.Manifest
import android.content.Context
import android.content.pm.PackageManager
import android.os.Build
import androidx.activity.ComponentActivity
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.ContextCompat

/**
 * Permission to post the "new updates" notification (Android 13+ `POST_NOTIFICATIONS`). Asked
 * at the moment the person turns updates on, never at start-up, so the system dialog explains
 * itself. The screens see only this interface (the shared Compose module draws the switch).
 */
interface NotificationPermission {
    enum class Result { Granted, Refused }

    /** True when a notification would be shown now (always true below Android 13). */
    fun granted(): Boolean

    /**
     * Asks the system when needed and reports the answer once. A refusal is final for this
     * request: the switch goes back off and the screen may point to the system settings (after
     * two refusals Android no longer shows its dialog and answers Refused at once).
     */
    fun request(onResult: (Result) -> Unit)
}

/**
 * The activity-result implementation. Must be created while the activity is being created
 * (`registerForActivityResult` refuses later registration), hence a property of MainActivity.
 */
class ActivityNotificationPermission(private val activity: ComponentActivity) : NotificationPermission {
    private var pending: ((NotificationPermission.Result) -> Unit)? = null
    private val launcher: ActivityResultLauncher<String> =
        activity.registerForActivityResult(ActivityResultContracts.RequestPermission()) { ok ->
            val callback = pending
            pending = null
            callback?.invoke(if (ok) NotificationPermission.Result.Granted else NotificationPermission.Result.Refused)
        }

    override fun granted(): Boolean = notificationsAllowed(activity)

    override fun request(onResult: (NotificationPermission.Result) -> Unit) {
        if (granted()) return onResult(NotificationPermission.Result.Granted)
        // Below 13 there is no runtime permission; granted() was true. A second request while
        // the dialog is up replaces the first callback rather than stacking dialogs.
        pending = onResult
        launcher.launch(Manifest.permission.POST_NOTIFICATIONS)
    }
}

/** Whether a notification may be posted now; also what `Notifications.newUpdates` checks. */
fun notificationsAllowed(context: Context): Boolean =
    Build.VERSION.SDK_INT < Build.VERSION_CODES.TIRAMISU ||
        ContextCompat.checkSelfPermission(context, Manifest.permission.POST_NOTIFICATIONS) == PackageManager.PERMISSION_GRANTED
