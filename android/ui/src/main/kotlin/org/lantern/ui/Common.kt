package org.lantern.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.ColumnScope
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.DisposableEffect
import androidx.compose.runtime.staticCompositionLocalOf
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.LiveRegionMode
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.liveRegion
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import org.lantern.presentation.UiError

/** The string key of the message for each screen error the view models can report. */
fun UiError.messageKey(): String = when (this) {
    UiError.WrongPassphrase -> "error_wrong_passphrase"
    UiError.WrongRecoveryCode -> "error_wrong_recovery_code"
    UiError.Locked -> "error_locked"
    UiError.NotSetUp -> "error_not_set_up"
    UiError.AlreadySetUp -> "error_already_set_up"
    UiError.ConsentRevoked -> "error_consent_revoked"
    UiError.RelayDown -> "error_relay_down"
    UiError.RelayRejected -> "error_relay_rejected"
    UiError.NotFound -> "error_not_found"
    UiError.InvalidInput -> "error_invalid_input"
    UiError.ContentRejected -> "error_content_rejected"
    UiError.Damaged -> "error_damaged"
    UiError.Storage -> "error_storage"
    UiError.Cancelled -> "error_cancelled"
    UiError.Unexpected -> "error_unexpected"
    UiError.PassphraseTooShort -> "error_passphrase_too_short"
    UiError.PassphraseTooCommon -> "error_passphrase_too_common"
    UiError.PassphrasesDiffer -> "error_passphrases_differ"
    UiError.EmptyText -> "error_empty_text"
    UiError.MoodOutOfRange -> "error_mood_missing"
    UiError.EmptyQuery -> "error_empty_query"
    UiError.PurposeMissing -> "error_purpose_missing"
    UiError.NoScopeChosen -> "error_no_scope"
    UiError.ExpiryOutOfRange -> "error_expiry_range"
    UiError.NameMissing -> "error_name_missing"
    UiError.InviteMissing -> "error_invite_missing"
}

/** An error line that screen readers announce as soon as it appears. */
@Composable
fun ErrorText(error: UiError?, modifier: Modifier = Modifier) {
    if (error == null) return
    Text(
        tr(error.messageKey()),
        color = MaterialTheme.colorScheme.error,
        style = MaterialTheme.typography.bodyLarge,
        modifier = modifier.padding(vertical = 8.dp).semantics { liveRegion = LiveRegionMode.Polite },
    )
}

/** A screen's title: announced as a heading, so screen-reader users can jump between them. */
@Composable
fun Title(text: String, modifier: Modifier = Modifier) =
    Text(text, style = MaterialTheme.typography.headlineSmall, modifier = modifier.padding(bottom = 8.dp).semantics { heading() })

/** A section heading inside a screen. */
@Composable
fun SectionTitle(text: String, modifier: Modifier = Modifier) =
    Text(text, style = MaterialTheme.typography.titleMedium, modifier = modifier.padding(top = 16.dp, bottom = 4.dp).semantics { heading() })

/** A passphrase field: hidden text, no suggestions, never remembered by the keyboard. */
@Composable
fun Secret(value: String, onChange: (String) -> Unit, label: String, onDone: (() -> Unit)? = null) = OutlinedTextField(
    value = value,
    onValueChange = onChange,
    label = { Text(label) },
    singleLine = true,
    visualTransformation = PasswordVisualTransformation(),
    keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.Password, imeAction = ImeAction.Done, autoCorrectEnabled = false),
    keyboardActions = KeyboardActions(onDone = { onDone?.invoke() }),
    modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp),
)

/** A screen whose content scrolls as a whole: at large text sizes everything stays reachable. */
@Composable
fun ScreenColumn(content: @Composable ColumnScope.() -> Unit) =
    Column(Modifier.fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), content = content)

/** Five mood choices, each announced with its meaning. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun MoodPicker(mood: Int?, onMood: (Int) -> Unit, label: String = tr("entry_mood")) {
    Text(label, Modifier.padding(top = 8.dp))
    FlowRow {
        MOOD_KEYS.forEachIndexed { i, key ->
            val value = i + 1
            val description = tr(key)
            FilterChip(
                selected = mood == value,
                onClick = { onMood(value) },
                label = { Text(value.toString()) },
                modifier = Modifier.padding(end = 4.dp).semantics { contentDescription = description },
            )
        }
    }
}

private val MOOD_KEYS = listOf("mood_1", "mood_2", "mood_3", "mood_4", "mood_5")

/** The platform services the screens were given. */
val LocalPlatform = staticCompositionLocalOf<Platform> { error("LanternApp provides the platform") }

/** Marks the window secure while the calling (private) screen is shown. */
@Composable
fun SecureScreen() {
    val platform = LocalPlatform.current
    DisposableEffect(platform) {
        platform.setSecure(true)
        onDispose { platform.setSecure(false) }
    }
}
