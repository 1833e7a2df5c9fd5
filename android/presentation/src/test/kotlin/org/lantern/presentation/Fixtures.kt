package org.lantern.presentation

import java.nio.file.Files
import java.util.concurrent.Executors
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.cancel
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.lantern.core.LanternCore

/**
 * A real core on a fresh temporary directory, with its blocking calls on a dedicated "core-io"
 * thread (the injected dispatcher) and the view models' scope on another, as in the app.
 */
class CoreFixture : AutoCloseable {
    val dir: java.nio.file.Path = Files.createTempDirectory("lantern-vm")
    private val ioPool = Executors.newFixedThreadPool(2) { r -> Thread(r, "core-io").apply { isDaemon = true } }
    private val uiPool = Executors.newSingleThreadExecutor { r -> Thread(r, "screen").apply { isDaemon = true } }
    val io = ioPool.asCoroutineDispatcher()
    /** The scope view models launch in (the app uses viewModelScope). */
    val scope = CoroutineScope(SupervisorJob() + uiPool.asCoroutineDispatcher())
    /** Opened with a fast KDF: a test knob of the test build of the library, never shipped. */
    val core: LanternCore = runBlocking {
        LanternCore.open(dir.toString(), io) { it.journal().setKdfIterationsForTests(1_000u) }
    }

    override fun close() {
        scope.cancel()
        core.close()
        ioPool.shutdown()
        uiPool.shutdown()
        dir.toFile().deleteRecursively()
    }
}

/** Runs a test body against a fresh [CoreFixture]. */
fun withCore(body: suspend CoreFixture.() -> Unit) = CoreFixture().use { f -> runBlocking { f.body() } }

/** Waits (bounded) until the state satisfies [predicate]; for updates that arrive through flows. */
suspend fun <T> StateFlow<T>.awaitState(predicate: (T) -> Boolean): T = withTimeout(20_000) { first(predicate) }

/**
 * The android/ directory: Maven runs tests from there; Gradle runs them from the module and
 * passes it as the `lantern.androidDir` system property (see presentation/build.gradle.kts).
 */
fun androidDir(): java.io.File = java.io.File(System.getProperty("lantern.androidDir") ?: System.getProperty("user.dir"))
