package org.lantern.app.platform

import android.content.Intent
import android.net.Uri
import android.provider.Settings
import android.view.WindowManager
import androidx.activity.result.ActivityResultLauncher
import androidx.activity.result.contract.ActivityResultContracts
import androidx.fragment.app.FragmentActivity
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.suspendCancellableCoroutine
import org.lantern.core.KeystoreKeyProvider
import org.lantern.presentation.NotificationAnswer
import org.lantern.ui.BackupFiles
import org.lantern.ui.Platform
import org.lantern.ui.PlatformKeyUnlock
import uniffi.lantern.PlatformKeyProvider
import kotlin.coroutines.resume

/**
 * The Android side of the shared UI's [Platform]: FLAG_SECURE on the activity's window, the
 * biometric prompt in front of the Keystore key, the system file picker for backups, the share
 * sheet for the readable copy, and the POST_NOTIFICATIONS question when updates are turned on.
 * Create it in the activity's onCreate (the activity-result launchers must be registered before
 * the activity starts).
 */
class AndroidPlatform(private val activity: FragmentActivity) : Platform {
    private var pendingPick: CompletableDeferred<Uri?>? = null
    private val createDocument: ActivityResultLauncher<String> =
        activity.registerForActivityResult(ActivityResultContracts.CreateDocument("application/octet-stream")) { pendingPick?.complete(it) }
    private val openDocument: ActivityResultLauncher<Array<String>> =
        activity.registerForActivityResult(ActivityResultContracts.OpenDocument()) { pendingPick?.complete(it) }

    private val notificationPermission = ActivityNotificationPermission(activity)

    override suspend fun requestNotifications(): NotificationAnswer = suspendCancellableCoroutine { done ->
        try {
            notificationPermission.request { result ->
                if (done.isActive) {
                    done.resume(if (result == NotificationPermission.Result.Granted) NotificationAnswer.Granted else NotificationAnswer.Refused)
                }
            }
        } catch (e: IllegalStateException) {
            // The launcher refuses when the activity is not in a state to show the dialog.
            if (done.isActive) done.resume(NotificationAnswer.Failed)
        }
    }

    override val openNotificationSettings: () -> Unit = {
        activity.startActivity(
            Intent(Settings.ACTION_APP_NOTIFICATION_SETTINGS).putExtra(Settings.EXTRA_APP_PACKAGE, activity.packageName),
        )
    }

    override fun setSecure(secure: Boolean) {
        if (secure) activity.window.addFlags(WindowManager.LayoutParams.FLAG_SECURE)
        else activity.window.clearFlags(WindowManager.LayoutParams.FLAG_SECURE)
    }

    override val platformKey: PlatformKeyUnlock = object : PlatformKeyUnlock {
        override suspend fun authenticate(): PlatformKeyProvider? = suspendCancellableCoroutine { done ->
            Biometrics.authenticate(activity, onSuccess = { done.resume(KeystoreKeyProvider.forJournal()) }, onFailure = { done.resume(null) })
        }
    }

    override val backupFiles: BackupFiles = object : BackupFiles {
        override suspend fun export(suggestedName: String, write: suspend (path: String) -> Unit): Boolean {
            val uri = pick { createDocument.launch(suggestedName) } ?: return false
            DocumentFiles.exportTo(activity, uri, write)
            return true
        }

        override suspend fun import(read: suspend (path: String) -> Unit): Boolean {
            val uri = pick { openDocument.launch(arrayOf("*/*")) } ?: return false
            DocumentFiles.importFrom(activity, uri, read)
            return true
        }
    }

    override suspend fun sharePlaintext(text: String) {
        val send = Intent(Intent.ACTION_SEND).setType("text/markdown").putExtra(Intent.EXTRA_TEXT, text)
        activity.startActivity(Intent.createChooser(send, null))
    }

    private suspend fun pick(launch: () -> Unit): Uri? {
        val pick = CompletableDeferred<Uri?>()
        pendingPick = pick
        launch()
        return pick.await().also { pendingPick = null }
    }
}
