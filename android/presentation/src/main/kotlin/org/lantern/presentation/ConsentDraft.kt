package org.lantern.presentation

/**
 * The consent editor's form: what to share (scopes), why (purpose, in the peer's words) and
 * until when (expiry, required, at most a year). It checks the form before the core signs the
 * grant, so the editor can say what is missing; the core checks everything again.
 * A grant never changes silently: widening it means a new grant from a new draft.
 */
data class ConsentDraft(
    val moodTrends: Boolean = false,
    val checkIns: Boolean = false,
    val courseProgress: Boolean = false,
    /** Entries carrying any of these tags (normalised like the journal's tags). */
    val tags: List<String> = emptyList(),
    /** Hand-picked entries, by id. */
    val entryIds: List<String> = emptyList(),
    val purpose: String = "",
    val expiryDays: Int = DEFAULT_EXPIRY_DAYS,
) {
    val hasScope: Boolean
        get() = moodTrends || checkIns || courseProgress || tags.isNotEmpty() || entryIds.isNotEmpty()

    /** What is missing or wrong, or null when the draft can be granted. */
    fun problem(): UiError? = when {
        !hasScope -> UiError.NoScopeChosen
        purpose.isBlank() -> UiError.PurposeMissing
        expiryDays !in 1..MAX_EXPIRY_DAYS -> UiError.ExpiryOutOfRange
        else -> null
    }

    fun withTag(tag: String): ConsentDraft {
        val t = tag.trim().lowercase()
        return if (t.isEmpty() || t in tags) this else copy(tags = tags + t)
    }

    fun toggleEntry(id: String): ConsentDraft =
        copy(entryIds = if (id in entryIds) entryIds - id else entryIds + id)

    /** The scopes in the core's text form (as the CLI writes them). */
    fun scopeTexts(): List<String> = buildList {
        if (moodTrends) add("mood-trends")
        if (checkIns) add("checkins")
        tags.forEach { add("entries:tag=$it") }
        entryIds.forEach { add("entry:$it") }
        if (courseProgress) add("course-progress")
    }

    companion object {
        const val DEFAULT_EXPIRY_DAYS = 30
        const val MAX_EXPIRY_DAYS = 365

        /** The expiry choices the editor offers, in days. */
        val EXPIRY_CHOICES = listOf(7, 30, 90, 180, 365)
    }
}
