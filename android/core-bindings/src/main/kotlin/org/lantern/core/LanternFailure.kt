package org.lantern.core

import uniffi.lantern.LanternException

/**
 * Everything a core call can fail with, as the app sees it: one case per thing the app does
 * differently. Mapped from the generated [LanternException] variants by [toFailure]. The
 * message comes from the core and never holds private data (journal text, passphrases, names).
 */
sealed class LanternFailure(message: String?, cause: Throwable?) : Exception(message, cause) {
    /** Input the person can fix (empty query, mood out of range, malformed invite...). */
    class InvalidInput(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The unit, lesson, entry, grant or connection no longer exists. */
    class NotFound(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The app's storage cannot be read or written. */
    class Storage(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** A content pack update was refused; the current course stays readable. */
    class ContentRejected(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The journal has not been set up yet: show first-time setup. */
    class NotSetUp(cause: Throwable? = null) : LanternFailure("the journal is not set up", cause)

    /** The journal is already set up: show unlock instead. */
    class AlreadySetUp(cause: Throwable? = null) : LanternFailure("the journal is already set up", cause)

    /** The journal is locked: show the lock screen. */
    class Locked(cause: Throwable? = null) : LanternFailure("the journal is locked", cause)

    /** The passphrase (or platform key) did not unlock the journal. */
    class WrongPassphrase(cause: Throwable? = null) : LanternFailure("wrong passphrase", cause)

    /** The recovery code did not match. */
    class WrongRecoveryCode(cause: Throwable? = null) : LanternFailure("wrong recovery code", cause)

    /** Stored or received data failed its integrity check; the message names the record. */
    class Integrity(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** No active consent covers this: never granted, revoked or expired. */
    class ConsentRequired(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The relay or network cannot be reached: nothing was lost, try again later. */
    class RelayDown(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The relay refused for good (revoked capability, quota...). */
    class RelayRejected(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The operation was cancelled. */
    class Cancelled(cause: Throwable? = null) : LanternFailure("cancelled", cause)

    /** A bug in the core; the message names the place, never user data. */
    class Internal(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)

    /** The device has no time zone database the core can read (reminders, recovery days). */
    class TimeZoneDataMissing(message: String?, cause: Throwable? = null) : LanternFailure(message, cause)
}

/** The app-facing failure for a core exception. */
fun LanternException.toFailure(): LanternFailure = when (this) {
    is LanternException.InvalidInput -> LanternFailure.InvalidInput(message, this)
    is LanternException.NotFound -> LanternFailure.NotFound(message, this)
    is LanternException.Storage -> LanternFailure.Storage(message, this)
    is LanternException.ContentRejected -> LanternFailure.ContentRejected(message, this)
    is LanternException.NotSetUp -> LanternFailure.NotSetUp(this)
    is LanternException.AlreadySetUp -> LanternFailure.AlreadySetUp(this)
    is LanternException.Locked -> LanternFailure.Locked(this)
    is LanternException.WrongPassphrase -> LanternFailure.WrongPassphrase(this)
    is LanternException.WrongRecoveryCode -> LanternFailure.WrongRecoveryCode(this)
    is LanternException.Integrity -> LanternFailure.Integrity(message, this)
    is LanternException.ConsentRequired -> LanternFailure.ConsentRequired(message, this)
    is LanternException.Network -> LanternFailure.RelayDown(message, this)
    is LanternException.RelayRejected -> LanternFailure.RelayRejected(message, this)
    is LanternException.Cancelled -> LanternFailure.Cancelled(this)
    is LanternException.Internal -> LanternFailure.Internal(message, this)
    is LanternException.TimeZoneDataMissing -> LanternFailure.TimeZoneDataMissing(message, this)
}
