package org.lantern.presentation

import org.lantern.core.LanternFailure

/**
 * What a screen shows when something went wrong. The app maps each case to a string resource
 * (so every word is translatable); the view model decides which case applies.
 */
enum class UiError {
    WrongPassphrase,
    WrongRecoveryCode,
    Locked,
    NotSetUp,
    AlreadySetUp,
    /** Consent was never given, was revoked or has expired. */
    ConsentRevoked,
    /** The relay cannot be reached; nothing was lost, sync retries later. */
    RelayDown,
    RelayRejected,
    NotFound,
    InvalidInput,
    ContentRejected,
    Damaged,
    Storage,
    Cancelled,
    Unexpected,

    // Checks the view models make before calling the core.
    PassphraseTooShort,
    /** A common password, or one with small changes (the core's rule). */
    PassphraseTooCommon,
    PassphrasesDiffer,
    EmptyText,
    MoodOutOfRange,
    EmptyQuery,
    PurposeMissing,
    NoScopeChosen,
    ExpiryOutOfRange,
    NameMissing,
    InviteMissing,
    ;

    companion object {
        /** The screen error for a failed core call. */
        fun of(failure: LanternFailure): UiError = when (failure) {
            is LanternFailure.WrongPassphrase -> WrongPassphrase
            is LanternFailure.WrongRecoveryCode -> WrongRecoveryCode
            is LanternFailure.Locked -> Locked
            is LanternFailure.NotSetUp -> NotSetUp
            is LanternFailure.AlreadySetUp -> AlreadySetUp
            is LanternFailure.ConsentRequired -> ConsentRevoked
            is LanternFailure.RelayDown -> RelayDown
            is LanternFailure.RelayRejected -> RelayRejected
            is LanternFailure.NotFound -> NotFound
            is LanternFailure.InvalidInput -> InvalidInput
            is LanternFailure.ContentRejected -> ContentRejected
            is LanternFailure.Integrity -> Damaged
            is LanternFailure.Storage -> Storage
            is LanternFailure.Cancelled -> Cancelled
            is LanternFailure.Internal -> Unexpected
            // A device without time zone data: nothing the person can do in the app.
            is LanternFailure.TimeZoneDataMissing -> Unexpected
        }
    }
}

/** Runs [block]; a [LanternFailure] becomes the matching [UiError] on the failure side. */
internal suspend fun <T> attempt(block: suspend () -> T): Result<T> = try {
    Result.success(block())
} catch (f: LanternFailure) {
    Result.failure(f)
}

/** The screen error for a result produced by [attempt], or null on success. */
internal fun Result<*>.uiError(): UiError? =
    (exceptionOrNull() as? LanternFailure)?.let(UiError::of)
