package org.lantern.presentation

import uniffi.lantern.Scope
import uniffi.lantern.grantLimits
import uniffi.lantern.normalizeTag

/**
 * The consent editor's form: what to share (scopes), why (purpose, in the peer's words) and
 * until when (expiry, required, within the core's grant limits). It checks the form before the
 * core signs the grant, so the editor can say what is missing; the core checks everything
 * again. Tag normalisation, the scopes and the limits are the core's (no rule is copied here).
 * A grant never changes silently: widening it means a new grant from a new draft.
 */
data class ConsentDraft(
    val moodTrends: Boolean = false,
    val checkIns: Boolean = false,
    val courseProgress: Boolean = false,
    /** "I need support now" alerts. */
    val alerts: Boolean = false,
    /** The recovery day count and latest milestone (never the start date). */
    val recoveryCount: Boolean = false,
    /** Entries carrying any of these tags, normalised by the core like the journal's tags. */
    val tags: List<String> = emptyList(),
    /** Hand-picked entries, by id. */
    val entryIds: List<String> = emptyList(),
    val purpose: String = "",
    val expiryDays: Int = DEFAULT_EXPIRY_DAYS,
) {
    val hasScope: Boolean
        get() = moodTrends || checkIns || courseProgress || alerts || recoveryCount || tags.isNotEmpty() || entryIds.isNotEmpty()

    /** What is missing or wrong, or null when the draft can be granted. */
    fun problem(): UiError? = when {
        !hasScope -> UiError.NoScopeChosen
        purpose.isBlank() -> UiError.PurposeMissing
        expiryDays !in minExpiryDays()..maxExpiryDays() -> UiError.ExpiryOutOfRange
        else -> null
    }

    /** Adds a tag as the core normalises it; a tag the core refuses (empty, too long) is not added. */
    fun withTag(tag: String): ConsentDraft {
        val t = runCatching { normalizeTag(tag) }.getOrNull()
        return if (t == null || t in tags) this else copy(tags = tags + t)
    }

    fun toggleEntry(id: String): ConsentDraft =
        copy(entryIds = if (id in entryIds) entryIds - id else entryIds + id)

    /** The scopes, typed, for the core to sign. */
    fun scopes(): List<Scope> = buildList {
        if (moodTrends) add(Scope.MoodTrends)
        if (checkIns) add(Scope.CheckIns)
        tags.forEach { add(Scope.EntriesWithTag(it)) }
        entryIds.forEach { add(Scope.Entry(it)) }
        if (courseProgress) add(Scope.CourseProgress)
        if (alerts) add(Scope.Alerts)
        if (recoveryCount) add(Scope.RecoveryCount)
    }

    companion object {
        const val DEFAULT_EXPIRY_DAYS = 30
        private const val SECONDS_PER_DAY = 86_400uL

        /** The shortest expiry the editor offers, in whole days, from the core's limit. */
        fun minExpiryDays(): Int = ((grantLimits().minSeconds + SECONDS_PER_DAY - 1uL) / SECONDS_PER_DAY).toInt()

        /** The longest expiry, in whole days, from the core's limit. */
        fun maxExpiryDays(): Int = (grantLimits().maxSeconds / SECONDS_PER_DAY).toInt()

        /** The expiry choices the editor offers, in days (within the core's limits). */
        fun expiryChoices(): List<Int> = listOf(7, 30, 90, 180, 365).filter { it in minExpiryDays()..maxExpiryDays() }
    }
}
