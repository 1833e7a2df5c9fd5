package org.lantern.presentation

/** The platform's answer when the app asks for permission to post notifications. */
enum class NotificationAnswer {
    Granted,
    /** The person (or the system, after earlier refusals) said no. */
    Refused,
    /** The question could not be asked (no screen to ask from, a platform error). */
    Failed,
}

/**
 * Whether the person wants the generic "new updates from someone you support" notification
 * after a background sync. Off until they turn it on in Settings and the platform allows it;
 * the background sync reads it before posting anything.
 */
class UpdatesSetting(private val preferences: Preferences) {
    val enabled: Boolean get() = preferences.getBoolean(KEY, false)

    internal fun set(on: Boolean) = preferences.put(KEY, on)

    private companion object {
        const val KEY = "updates_notify"
    }
}
