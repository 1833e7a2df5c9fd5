package org.lantern.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.staticCompositionLocalOf
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel

/**
 * Holds the screens' presentation models (org.lantern.presentation) by key, each with its own
 * scope, so a model outlives recompositions (and, on Android, configuration changes: the app
 * keeps this store in an androidx ViewModel). A screen closed for good is [clear]ed.
 */
class ScreenModels(private val parent: CoroutineScope) {
    private class Held(val model: Any, val scope: CoroutineScope)

    private val held = mutableMapOf<String, Held>()

    @Suppress("UNCHECKED_CAST")
    fun <T : Any> get(key: String, create: (CoroutineScope) -> T): T = synchronized(held) {
        held.getOrPut(key) {
            val scope = CoroutineScope(parent.coroutineContext + SupervisorJob(parent.coroutineContext[Job]))
            Held(create(scope), scope)
        }.model as T
    }

    /** Drops the models whose key is [key] or starts with "[key]/", cancelling their work. */
    fun clear(key: String) = synchronized(held) {
        held.keys.filter { it == key || it.startsWith("$key/") }.forEach { k -> held.remove(k)?.scope?.cancel() }
    }

    /** Drops every model (the app closes). */
    fun clearAll() = synchronized(held) {
        held.values.forEach { it.scope.cancel() }
        held.clear()
    }
}

val LocalScreenModels = staticCompositionLocalOf<ScreenModels> { error("LanternApp provides the screen models") }

/** This screen's presentation model for [key], created on first use. */
@Composable
fun <T : Any> rememberScreenModel(key: String, create: (CoroutineScope) -> T): T = LocalScreenModels.current.get(key, create)
