package org.lantern.app.ui

import androidx.compose.runtime.Composable
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import androidx.lifecycle.viewmodel.compose.viewModel
import kotlinx.coroutines.CoroutineScope

/**
 * The thin androidx ViewModel shell around a presentation state holder: it only gives the
 * holder a scope that survives configuration changes. All logic is in org.lantern.presentation.
 */
class ScreenModel<T>(create: (CoroutineScope) -> T) : ViewModel() {
    val model: T = create(viewModelScope)
}

/** The presentation model for this screen (one per [key]), created on first use. */
@Composable
fun <T> rememberScreenModel(key: String, create: (CoroutineScope) -> T): T =
    viewModel(key = key) { ScreenModel(create) }.model
