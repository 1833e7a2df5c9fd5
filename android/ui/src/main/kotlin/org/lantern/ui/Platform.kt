package org.lantern.ui

import org.lantern.presentation.NotificationAnswer
import uniffi.lantern.PlatformKeyProvider

/**
 * What the shared screens need from the platform they run on, kept small so Android-only
 * concerns (activity, FLAG_SECURE, Keystore and the biometric prompt, the system file picker,
 * the share sheet) stay in android/app and the desktop's in src/desktopMain.
 */
interface Platform {
    /** Private screens (journal, settings) call this while shown: no screenshots, blank in app switchers. */
    fun setSecure(secure: Boolean) {}

    /** Unlock with a platform key (biometrics); null where the platform has none (the desktop). */
    val platformKey: PlatformKeyUnlock? get() = null

    /** Where encrypted backups are written and read (a file picker). */
    val backupFiles: BackupFiles

    /** Hands the readable (plaintext) journal copy to a place the person chooses. */
    suspend fun sharePlaintext(text: String)

    /**
     * Asks for permission to post notifications, at the moment the person turns updates on
     * (Android 13+: `POST_NOTIFICATIONS`). The desktop posts none and needs no permission.
     */
    suspend fun requestNotifications(): NotificationAnswer = NotificationAnswer.Granted

    /** Opens the system settings where a refused permission to notify can be given; null where there are none. */
    val openNotificationSettings: (() -> Unit)? get() = null
}

/** The biometric prompt in front of the platform key. */
interface PlatformKeyUnlock {
    /** Asks the person to confirm it is them; the key provider to use, or null when they declined. */
    suspend fun authenticate(): PlatformKeyProvider?
}

/**
 * The core reads and writes backups by file path; a platform's file picker may hand out
 * something else (Android content URIs). Implementations pick a place, let the core work on a
 * path, and copy to or from the chosen place.
 */
interface BackupFiles {
    /** Lets the person choose where to save [suggestedName]; runs [write] with a path. False when cancelled. */
    suspend fun export(suggestedName: String, write: suspend (path: String) -> Unit): Boolean

    /** Lets the person choose a backup; runs [read] with a path. False when cancelled. */
    suspend fun import(read: suspend (path: String) -> Unit): Boolean
}
