package org.lantern.app.ui

import androidx.annotation.StringRes
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.lantern.app.R
import org.lantern.presentation.UiError

/** The translatable message for each screen error the view models can report. */
@StringRes
fun UiError.message(): Int = when (this) {
    UiError.WrongPassphrase -> R.string.error_wrong_passphrase
    UiError.WrongRecoveryCode -> R.string.error_wrong_recovery_code
    UiError.Locked -> R.string.error_locked
    UiError.NotSetUp -> R.string.error_not_set_up
    UiError.AlreadySetUp -> R.string.error_already_set_up
    UiError.ConsentRevoked -> R.string.error_consent_revoked
    UiError.RelayDown -> R.string.error_relay_down
    UiError.RelayRejected -> R.string.error_relay_rejected
    UiError.NotFound -> R.string.error_not_found
    UiError.InvalidInput -> R.string.error_invalid_input
    UiError.ContentRejected -> R.string.error_content_rejected
    UiError.Damaged -> R.string.error_damaged
    UiError.Storage -> R.string.error_storage
    UiError.Cancelled -> R.string.error_cancelled
    UiError.Unexpected -> R.string.error_unexpected
    UiError.PassphraseTooShort -> R.string.error_passphrase_too_short
    UiError.PassphraseTooCommon -> R.string.error_passphrase_too_common
    UiError.PassphrasesDiffer -> R.string.error_passphrases_differ
    UiError.EmptyText -> R.string.error_empty_text
    UiError.MoodOutOfRange -> R.string.error_mood_missing
    UiError.EmptyQuery -> R.string.error_empty_query
    UiError.PurposeMissing -> R.string.error_purpose_missing
    UiError.NoScopeChosen -> R.string.error_no_scope
    UiError.ExpiryOutOfRange -> R.string.error_expiry_range
    UiError.NameMissing -> R.string.error_name_missing
    UiError.InviteMissing -> R.string.error_invite_missing
}

/** An error line that screen readers announce as soon as it appears. */
@Composable
fun ErrorText(error: UiError?, modifier: Modifier = Modifier) {
    if (error == null) return
    Text(
        stringResource(error.message()),
        color = MaterialTheme.colorScheme.error,
        modifier = modifier.padding(vertical = 8.dp).semantics { liveRegion = LiveRegionMode.Polite },
    )
}
