package org.lantern.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.runtime.snapshots.Snapshot
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.geometry.Rect
import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.unit.toSize
import androidx.compose.ui.test.SemanticsNodeInteraction
import androidx.compose.ui.test.hasScrollToIndexAction
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.isHeading
import androidx.compose.ui.test.performClick
import androidx.compose.ui.test.performScrollToNode
import androidx.compose.ui.test.performSemanticsAction
import androidx.compose.ui.test.performTextClearance
import androidx.compose.ui.test.performTextInput
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onNodeWithText
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.InternalComposeUiApi
import androidx.compose.ui.test.InternalTestApi
import androidx.compose.ui.test.SkikoComposeUiTest
import androidx.compose.ui.test.runInternalSkikoComposeUiTest
import androidx.compose.ui.unit.Density
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.test.StandardTestDispatcher
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.runBlocking
import org.lantern.core.LanternCore
import org.lantern.presentation.AutoLock
import org.lantern.presentation.NotificationAnswer
import org.lantern.presentation.Preferences
import java.io.File
import java.nio.file.Files

/**
 * A real core on a fresh temporary data directory (JNA loads target/release/liblantern_core.so),
 * with the platform services a test can see into: the "file picker" hands out real files in the
 * same directory, and the readable copy is kept instead of shared.
 */
class UiFixture : AutoCloseable {
    val dir: File = Files.createTempDirectory("lantern-ui").toFile()
    /** Opened with a fast KDF: a test knob of the test build of the library, never shipped. */
    val core: LanternCore = runBlocking {
        LanternCore.open(File(dir, "data").path) { it.journal().setKdfIterationsForTests(FAST_KDF_ITERATIONS) }
    }
    val preferences = Preferences(File(dir, "settings.properties"))
    val autoLock = AutoLock(preferences)
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val models = ScreenModels(scope)
    val platform = TestPlatform(File(dir, "backup.lantern"))

    fun state(start: Destination = Destination.Course) = AppState(models, start)

    /** A journal set up with a known passphrase, unlocked. */
    fun unlockedJournal(passphrase: String = PASSPHRASE): String = runBlocking { core.journal.setUp(passphrase) }

    override fun close() {
        models.clearAll()
        scope.cancel()
        core.close()
        dir.deleteRecursively()
    }

    companion object {
        const val PASSPHRASE = "correct horse battery"
        const val FAST_KDF_ITERATIONS = 1_000u
    }
}

/** Platform services whose effects a test can check: real files, no dialogs. */
class TestPlatform(var chosenFile: File?) : Platform {
    var secure = false
        private set
    var sharedPlaintext: String? = null
        private set

    override fun setSecure(secure: Boolean) {
        this.secure = secure
    }

    override val backupFiles = object : BackupFiles {
        override suspend fun export(suggestedName: String, write: suspend (path: String) -> Unit): Boolean {
            val file = chosenFile ?: return false
            write(file.path)
            return true
        }

        override suspend fun import(read: suspend (path: String) -> Unit): Boolean {
            val file = chosenFile ?: return false
            read(file.path)
            return true
        }
    }

    override suspend fun sharePlaintext(text: String) {
        sharedPlaintext = text
    }

    /** What the "permission dialog" answers, and how often it was shown. */
    var notificationAnswer = NotificationAnswer.Granted
    var notificationAsks = 0
        private set

    override suspend fun requestNotifications(): NotificationAnswer {
        notificationAsks++
        return notificationAnswer
    }
}

val EN: Strings = Strings.forLanguage("en")
val ES: Strings = Strings.forLanguage("es")

/**
 * Runs a Compose UI test in a [width] × [height] px window on the manual clock, with every
 * coroutine of the composition confined to the UI thread.
 *
 * Why not `runDesktopComposeUiTest`: Compose 1.7.3's desktop harness runs the composition's
 * coroutines on an `UnconfinedTestDispatcher`, so a view model emitting from a background
 * thread resumes the screen's `collectAsState` collector *on that thread*, and from there the
 * recomposer, while the UI thread lays out and the test thread reads the semantics tree. That
 * race made 1-3 of the UI tests fail per run (state never drawn, once an
 * IndexOutOfBoundsException inside a lazy list). A `StandardTestDispatcher` queues those
 * resumptions instead; the harness runs the queue on the UI thread at each frame, as
 * `Dispatchers.Main` does in the real apps. (The harness's own parameter for it is marked
 * internal test API.)
 */
@OptIn(InternalTestApi::class, InternalComposeUiApi::class, ExperimentalCoroutinesApi::class)
fun composeTest(width: Int, height: Int, body: SkikoComposeUiTest.() -> Unit) =
    runInternalSkikoComposeUiTest(width, height, coroutineDispatcher = StandardTestDispatcher()) {
        // The clock moves one frame per check (see awaitText) instead of "until idle": some
        // screens never report idle to the desktop test harness, which would wait forever.
        mainClock.autoAdvance = false
        body()
    }

/**
 * Runs a UI test on a fresh [UiFixture] in a phone-sized window (dp = px at density 1):
 * [setApp] draws the whole app there.
 */
fun uiTest(width: Int = 400, height: Int = 800, body: ComposeUiTest.(UiFixture) -> Unit) {
    UiFixture().use { f -> composeTest(width, height) { body(f) } }
}

/** The whole app on [f]'s core, in [strings], at [fontScale]. */
fun ComposeUiTest.setApp(
    f: UiFixture,
    state: AppState = f.state(),
    strings: Strings = EN,
    dark: Boolean = false,
    fontScale: Float = 1f,
) = setContent {
    Scaled(fontScale) {
        LanternRoot(strings, dark) { LanternApp(f.core, f.platform, f.autoLock, f.preferences, state) }
    }
}

@Composable
fun Scaled(fontScale: Float, content: @Composable () -> Unit) {
    val density = LocalDensity.current
    CompositionLocalProvider(LocalDensity provides Density(density.density, fontScale), content = content)
}

/**
 * Waits (bounded) until [condition] holds, moving the test clock one frame per check. Our own
 * loop: with Compose 1.7.3 on the desktop, the harness's waitUntil was seen waiting forever on
 * a condition that never came true, instead of failing at its timeout.
 */
fun ComposeUiTest.awaitCondition(what: String, timeoutMs: Long = 20_000, condition: () -> Boolean) {
    val deadline = System.currentTimeMillis() + timeoutMs
    while (!condition()) {
        if (System.currentTimeMillis() > deadline) {
            val threads = Thread.getAllStackTraces().filterKeys { "Dispatcher" in it.name || "core" in it.name }
                .entries.joinToString("\n") { (t, st) -> "${t.name}: " + st.take(12).joinToString("\n    ") }
            throw AssertionError("not within $timeoutMs ms: $what; on screen:\n" + screenText() + "\nthreads:\n$threads")
        }
        // State written off the composition (a view model's flow, a scroll) reaches the screen
        // only once the snapshot system is told; the desktop harness leaves that to a Swing
        // task, which a test holding the UI thread may keep from running.
        Snapshot.sendApplyNotifications()
        mainClock.advanceTimeByFrame()
        Thread.sleep(10)
    }
}

/** Every node under [root], [root] first. */
fun allNodes(root: SemanticsNode): List<SemanticsNode> = listOf(root) + root.children.flatMap(::allNodes)

/**
 * What the screen shows, a node per line, for failure messages: texts, names and field values,
 * but never what a password field holds (the test's passphrases stay out of test output).
 */
fun ComposeUiTest.screenText(): String = allNodes(onRoot(useUnmergedTree = true).fetchSemanticsNode()).mapNotNull { node ->
    val c = node.config
    val value = if (SemanticsProperties.Password in c) "(password field)" else c.getOrNull(SemanticsProperties.EditableText)?.text
    listOfNotNull(
        c.getOrNull(SemanticsProperties.Text)?.joinToString(" ") { it.text },
        c.getOrNull(SemanticsProperties.ContentDescription)?.joinToString(" "),
        value?.let { "field: $it" },
    ).filter { it.isNotBlank() }.joinToString(" | ").ifEmpty { null }
}.joinToString("\n")

private fun scrollContainer(target: SemanticsNode): SemanticsNode? =
    generateSequence(target.parent) { it.parent }.firstOrNull { SemanticsActions.ScrollBy in it.config }

/** The node's full extent (boundsInRoot would be clipped to what is already visible). */
private fun extent(target: SemanticsNode) = Rect(target.positionInRoot, target.size.toSize())

/** Waits (bounded) until a node with [text] exists; core calls run off the UI thread. */
fun ComposeUiTest.awaitText(text: String, substring: Boolean = false, timeoutMs: Long = 20_000): SemanticsNodeInteraction {
    awaitCondition("a node showing \"$text\"", timeoutMs) { shows(text, substring) }
    return onAllNodesWithText(text, substring = substring).onFirstNode()
}

/**
 * Waits (bounded) until a screen's title [text] is shown as a heading (a tab may show the same
 * word before the screen itself is drawn).
 */
fun ComposeUiTest.awaitTitle(text: String, timeoutMs: Long = 20_000) =
    awaitCondition("the title \"$text\" as a heading", timeoutMs) {
        onAllNodes(isHeading() and hasText(text)).fetchSemanticsNodes().isNotEmpty()
    }

/**
 * Waits (bounded) until [text] is on screen, scrolling a lazy list to it, and returns its node:
 * items of a lazy list that are off screen are not composed, so no node shows them until
 * scrolled to.
 */
fun ComposeUiTest.awaitReachable(text: String): SemanticsNodeInteraction {
    awaitScrolledTo(text)
    return onAllNodesWithText(text).onFirstNode()
}

private fun ComposeUiTest.awaitScrolledTo(text: String) = awaitCondition("a node showing \"$text\", scrolled to") {
    shows(text) || run {
        if (onAllNodes(hasScrollToIndexAction()).fetchSemanticsNodes().isNotEmpty()) {
            mainClock.autoAdvance = true
            try {
                runCatching { onAllNodes(hasScrollToIndexAction())[0].performScrollToNode(hasText(text)) }
            } finally {
                mainClock.autoAdvance = false
            }
            // The scroll runs in coroutines the harness may leave queued when it thinks it is
            // idle; they run now, so what is checked below is where the list came to rest.
            frames(2)
        }
        shows(text)
    }
}

/** Waits (bounded) until no node shows [text] any more. */
fun ComposeUiTest.awaitGone(text: String, substring: Boolean = false, timeoutMs: Long = 20_000) {
    awaitCondition("no node showing \"$text\"", timeoutMs) { !shows(text, substring) }
}

private fun androidx.compose.ui.test.SemanticsNodeInteractionCollection.onFirstNode() = this[0]

/**
 * Scrolls until [node] lies inside the viewport of its scrolling container, and returns it.
 * Compose's performScrollTo starts an animated scroll and starts it again until the node is in
 * view; on the manually advanced clock (see [uiTest]) it never sees the animation end and loops
 * forever. Here each step gets the clock time to finish, and its state changes are applied.
 */
fun ComposeUiTest.reveal(node: SemanticsNodeInteraction): SemanticsNodeInteraction {
    repeat(MAX_SCROLL_STEPS) {
        Snapshot.sendApplyNotifications()
        mainClock.advanceTimeByFrame()
        val target = node.fetchSemanticsNode("cannot scroll to a node that does not exist")
        val container = scrollContainer(target) ?: return node
        val item = extent(target)
        val view = container.boundsInRoot
        val dx = intoView(item.left, item.right, view.left, view.right)
        val dy = intoView(item.top, item.bottom, view.top, view.bottom)
        if (dx == 0f && dy == 0f) return node
        runOnUiThread { container.config[SemanticsActions.ScrollBy].action?.invoke(dx, dy) }
        repeat(SCROLL_FRAMES) {
            Snapshot.sendApplyNotifications()
            mainClock.advanceTimeByFrame()
        }
    }
    throw AssertionError("not scrolled into view in $MAX_SCROLL_STEPS steps")
}

/** How far to scroll along one axis so that [start]..[end] shows in [viewStart]..[viewEnd] (its start first if it is the larger). */
private fun intoView(start: Float, end: Float, viewStart: Float, viewEnd: Float): Float = when {
    start < viewStart -> start - viewStart
    end > viewEnd -> minOf(end - viewEnd, start - viewStart)
    else -> 0f
}

private const val MAX_SCROLL_STEPS = 10
/** Frames for a scroll's animation (a spring) to come to rest. */
private const val SCROLL_FRAMES = 60

/** Moves the clock [n] frames, state written in between applied (and queued coroutines run). */
fun ComposeUiTest.frames(n: Int) = repeat(n) {
    Snapshot.sendApplyNotifications()
    mainClock.advanceTimeByFrame()
}

/** Lets a second of animations (focus, labels, dialogs) finish, their state applied. */
fun ComposeUiTest.settle() = frames(60)

/**
 * Types [text] into the text field [node] as a person would: focus first, then the text. The
 * field opens its input session in a coroutine when it gains focus, which runs on the next
 * frame (see [composeTest]); text sent before that would be lost.
 */
fun ComposeUiTest.enterText(node: SemanticsNodeInteraction, text: String) {
    focus(node)
    node.performTextInput(text)
    frames(2)
}

/** Empties the text field [node] (focused first, as [enterText]). */
fun ComposeUiTest.clearText(node: SemanticsNodeInteraction) {
    focus(node)
    node.performTextClearance()
    frames(2)
}

private fun ComposeUiTest.focus(node: SemanticsNodeInteraction) {
    node.performSemanticsAction(SemanticsActions.RequestFocus)
    frames(2)
}

/**
 * Clicks [node] after moving the focus to it (as Tab would) and letting the screen settle: a
 * click whose press takes the focus out of a text field was seen to be lost by the desktop test
 * harness on the manual clock.
 */
fun ComposeUiTest.tap(node: SemanticsNodeInteraction): SemanticsNodeInteraction {
    node.performSemanticsAction(SemanticsActions.RequestFocus)
    settle()
    return node.performClick()
}

/** A node showing [text], unique. */
fun ComposeUiTest.node(text: String): SemanticsNodeInteraction = onNodeWithText(text)

/** Whether some node shows [text] right now. */
fun ComposeUiTest.shows(text: String, substring: Boolean = false): Boolean =
    onAllNodes(hasText(text, substring = substring)).fetchSemanticsNodes().isNotEmpty()
