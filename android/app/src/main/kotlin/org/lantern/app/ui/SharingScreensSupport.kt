package org.lantern.app.ui

import androidx.annotation.StringRes
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import org.lantern.presentation.UiError

// What SharingScreen and InboxScreen need while they still live in this module: they move to
// the shared UI module (org.lantern.ui) with the typed sharing contract, and this file goes.

/** A screen title from a string resource (generated from the shared string tables). */
@Composable
internal fun Title(@StringRes res: Int) = org.lantern.ui.Title(stringResource(res))

/** The shared UI's error line: the same message table as every other screen. */
@Composable
internal fun ErrorText(error: UiError?, modifier: Modifier = Modifier) = org.lantern.ui.ErrorText(error, modifier)
