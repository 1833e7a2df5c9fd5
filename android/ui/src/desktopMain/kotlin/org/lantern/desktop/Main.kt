package org.lantern.desktop

import androidx.compose.foundation.isSystemInDarkTheme
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.remember
import androidx.compose.ui.text.intl.Locale
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.FrameWindowScope
import androidx.compose.ui.window.Window
import androidx.compose.ui.window.application
import androidx.compose.ui.window.rememberWindowState
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.runBlocking
import org.lantern.core.LanternCore
import org.lantern.presentation.AutoLock
import org.lantern.presentation.CoreOpening
import org.lantern.presentation.CoreStart
import org.lantern.presentation.Preferences
import org.lantern.ui.AppState
import org.lantern.ui.CoreGate
import org.lantern.ui.LanternApp
import org.lantern.ui.LanternRoot
import org.lantern.ui.ScreenModels
import org.lantern.ui.Strings
import uniffi.lantern.Lantern
import java.awt.event.WindowAdapter
import java.awt.event.WindowEvent
import java.io.File
import kotlin.system.exitProcess

/** Command-line options of Lantern Desktop; every one has an embedded default. */
data class DesktopOptions(
    /** The per-user data directory: the CLI's default, so both see the same journal and course progress. */
    val dataDir: File = defaultDataDir(),
    val language: String = Locale.current.language,
    val dark: Boolean? = null,
    /** Print the start-up and memory figures (see [Measure]) and exit. */
    val measure: Boolean = false,
) {
    companion object {
        const val USAGE = "usage: lantern-desktop [--data-dir DIR] [--lang en|es] [--dark|--light] [--measure]"

        fun parse(args: Array<String>): DesktopOptions {
            var o = DesktopOptions()
            val it = args.iterator()
            while (it.hasNext()) {
                when (val a = it.next()) {
                    "--data-dir" -> o = o.copy(dataDir = File(it.nextOr(a)))
                    "--lang" -> o = o.copy(language = it.nextOr(a))
                    "--dark" -> o = o.copy(dark = true)
                    "--light" -> o = o.copy(dark = false)
                    "--measure" -> o = o.copy(measure = true)
                    else -> throw IllegalArgumentException("unknown option $a\n$USAGE")
                }
            }
            return o
        }

        private fun Iterator<String>.nextOr(option: String) =
            if (hasNext()) next() else throw IllegalArgumentException("$option needs a value\n$USAGE")

        /** `$XDG_DATA_HOME/lantern`, else `~/.local/share/lantern` (as the `lantern` CLI). */
        fun defaultDataDir(): File {
            val xdg = System.getenv("XDG_DATA_HOME")?.takeIf { it.isNotBlank() }
            return if (xdg != null) File(xdg, "lantern") else File(System.getProperty("user.home"), ".local/share/lantern")
        }
    }
}

/** The core, settings and UI state of one Lantern Desktop window, on an open [core]. */
class DesktopSession(val options: DesktopOptions, val core: LanternCore) : AutoCloseable {
    val preferences = Preferences(File(options.dataDir, "desktop-settings.properties"))
    val autoLock = AutoLock(preferences)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Main)
    val state = AppState(ScreenModels(scope))
    val strings: Strings = Strings.forLanguage(options.language)

    override fun close() {
        state.models.clearAll()
        core.close()
    }

    companion object {
        /** Opens the core of [options]' data directory; [prepare] runs on it first (tests: the test build's knobs). */
        suspend fun openCore(options: DesktopOptions, prepare: (Lantern) -> Unit = {}): LanternCore =
            LanternCore.open(options.dataDir.also { it.mkdirs() }.path, prepare = prepare)

        suspend fun open(options: DesktopOptions, prepare: (Lantern) -> Unit = {}): DesktopSession =
            DesktopSession(options, openCore(options, prepare))
    }
}

/**
 * Locks the journal after the chosen delay when the window is minimised, as the phone apps do
 * when they go to the background.
 */
fun FrameWindowScope.lockWhenMinimised(session: DesktopSession) {
    window.addWindowStateListener(object : WindowAdapter() {
        override fun windowStateChanged(e: WindowEvent) {
            val now = System.nanoTime() / 1_000_000
            val minimised = e.newState and java.awt.Frame.ICONIFIED != 0
            val lock = if (minimised) session.autoLock.onBackgrounded(now) else session.autoLock.onForegrounded(now)
            if (lock) runBlocking { runCatching { session.core.journal.lock() } }
        }
    })
}

fun main(args: Array<String>) {
    val options = try {
        DesktopOptions.parse(args)
    } catch (e: IllegalArgumentException) {
        System.err.println(e.message)
        exitProcess(2)
    }
    // The core opens (native library, storage, the course pack's signature) while the window
    // and its renderer start: the first frame needs both, and there are two cores to do it on.
    val start = CoreStart(CoroutineScope(SupervisorJob() + Dispatchers.IO)) { DesktopSession.openCore(options) }
    start.start()
    val strings = Strings.forLanguage(options.language)
    var session: DesktopSession? = null
    application {
        val windowState = rememberWindowState(width = 1100.dp, height = 800.dp)
        Window(
            onCloseRequest = { session?.close(); exitApplication() },
            title = strings.get("app_name"),
            state = windowState,
        ) {
            val opening by start.state.collectAsState()
            LaunchedEffect(opening) {
                val failed = opening as? CoreOpening.Failed ?: return@LaunchedEffect
                System.err.println("lantern-desktop: the core could not open ${options.dataDir}: ${failed.error}")
                if (options.measure) exitApplication()
            }
            val platform = remember { DesktopPlatform { window } }
            // A core that cannot open is the shared start-failure screen, with "Try again".
            LanternRoot(strings, options.dark ?: isSystemInDarkTheme()) {
                CoreGate(opening, onRetry = { start.start() }) { core ->
                    val open = remember(core) { DesktopSession(options, core).also { session = it; lockWhenMinimised(it) } }
                    LanternApp(core, platform, open.autoLock, open.preferences, open.state)
                    if (options.measure) remember(open) { Measure(open) }.Run(onDone = { open.close(); exitApplication() })
                }
            }
        }
    }
}
