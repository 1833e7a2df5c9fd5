package org.lantern.presentation

/**
 * When to lock the journal after the app goes to the background. The app reports lifecycle
 * changes ([onBackgrounded], [onForegrounded]); this class decides, from the delay the person
 * chose in Settings, whether the private screens must lock. Times are passed in (monotonic
 * milliseconds) so the rule is testable without waiting.
 */
class AutoLock(private val preferences: Preferences) {
    private var backgroundedAt: Long? = null

    /** The chosen delay in milliseconds; 0 locks as soon as the app leaves the screen. */
    var delayMs: Long
        get() = preferences.getLong(KEY, DEFAULT_DELAY_MS)
        set(value) {
            require(value in CHOICES_MS) { "unsupported auto-lock delay" }
            preferences.put(KEY, value)
        }

    /** The app went to the background at [nowMs]. Returns true if it must lock right away. */
    fun onBackgrounded(nowMs: Long): Boolean {
        backgroundedAt = nowMs
        return delayMs == 0L
    }

    /** The app came back at [nowMs]. Returns true if the journal must be locked now. */
    fun onForegrounded(nowMs: Long): Boolean {
        val since = backgroundedAt ?: return false
        backgroundedAt = null
        return nowMs - since >= delayMs
    }

    companion object {
        private const val KEY = "auto_lock_delay_ms"
        const val DEFAULT_DELAY_MS = 60_000L

        /** The delays Settings offers: immediately, 30 s, 1, 5 and 15 minutes. */
        val CHOICES_MS = listOf(0L, 30_000L, 60_000L, 300_000L, 900_000L)
    }
}
