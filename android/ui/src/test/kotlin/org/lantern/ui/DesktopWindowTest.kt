package org.lantern.ui

import androidx.compose.ui.awt.ComposeWindow
import org.junit.jupiter.api.Assumptions.assumeFalse
import org.lantern.desktop.DesktopOptions
import org.lantern.desktop.DesktopPlatform
import org.lantern.desktop.DesktopSession
import java.awt.GraphicsEnvironment
import java.awt.Rectangle
import java.awt.Robot
import java.awt.event.InputEvent
import java.io.File
import java.nio.file.Files
import javax.accessibility.Accessible
import javax.accessibility.AccessibleContext
import javax.imageio.ImageIO
import javax.swing.SwingUtilities
import kotlin.test.Test
import kotlin.test.assertTrue

/**
 * Lantern Desktop in a real window (under Xvfb in CI): the same session and content as
 * `cargo xtask desktop`, clicked through the course and the caseload with real mouse events (java.awt.Robot)
 * at the places the window's accessibility tree reports, then a screenshot of the screen.
 */
class DesktopWindowTest {
    @Test
    fun clickThroughTheCourseAndTheCaseloadInARealWindow() {
        assumeFalse(
            GraphicsEnvironment.isHeadless(),
            "no display: this test needs a real window (cargo xtask test runs it under xvfb-run when xvfb is installed)",
        )
        val dataDir = Files.createTempDirectory("lantern-desktop").toFile()
        val session = kotlinx.coroutines.runBlocking {
            DesktopSession.open(DesktopOptions(dataDir = dataDir, language = "en", dark = false)) {
                it.journal().setKdfIterationsForTests(UiFixture.FAST_KDF_ITERATIONS)
            }
        }
        // The caseload shows what peers share under the journal's key: set up and unlocked.
        kotlinx.coroutines.runBlocking { session.core.journal.setUp(UiFixture.PASSPHRASE) }
        lateinit var window: ComposeWindow
        SwingUtilities.invokeAndWait {
            window = ComposeWindow()
            window.title = "Lantern"
            window.setSize(1000, 760)
            window.setLocation(0, 0)
            val platform = DesktopPlatform { window }
            window.setContent {
                LanternRoot(session.strings, dark = false) {
                    LanternApp(session.core, platform, session.autoLock, session.preferences, session.state)
                }
            }
            window.isVisible = true
        }
        try {
            val robot = Robot().apply { autoDelay = 40 }
            click(robot, window, "The Peer Supporter")
            val lessonTitle = kotlinx.coroutines.runBlocking { session.core.course.lessons("peer-supporter").first().title }
            click(robot, window, lessonTitle)
            click(robot, window, EN.get("lesson_mark_read"))
            awaitNamed(window, EN.get("lesson_section_read"))
            val progress = kotlinx.coroutines.runBlocking { session.core.course.refreshProgress() }
            assertTrue(progress.first { it.unitId == "peer-supporter" }.sectionsRead.toInt() == 1, "the click marked the section read in the core")

            // The supporter's caseload, one click away on the navigation rail.
            click(robot, window, EN.get("tab_caseload"))
            awaitNamed(window, EN.get("caseload_empty"))

            val shot = File(System.getProperty("lantern.screenshots").orEmpty().ifBlank { System.getProperty("java.io.tmpdir") }, "desktop-window.png")
            shot.parentFile.mkdirs()
            val image = robot.createScreenCapture(Rectangle(window.locationOnScreen, window.size))
            ImageIO.write(image, "png", shot)
            assertTrue(shot.length() > 5_000, "the screenshot has content")
            println("DesktopWindowTest: screenshot at ${shot.path}")
        } finally {
            SwingUtilities.invokeAndWait { window.dispose() }
            session.close()
            dataDir.deleteRecursively()
        }
    }

    /** Waits until the window's accessibility tree names [name], then clicks its centre. */
    private fun click(robot: Robot, window: ComposeWindow, name: String) {
        val target = awaitNamed(window, name)
        val bounds = onEdt { target.accessibleComponent.bounds to target.accessibleComponent.locationOnScreen }
        val (b, at) = bounds
        robot.mouseMove(at.x + b.width / 2, at.y + b.height / 2)
        robot.mousePress(InputEvent.BUTTON1_DOWN_MASK)
        robot.mouseRelease(InputEvent.BUTTON1_DOWN_MASK)
        robot.waitForIdle()
    }

    private fun awaitNamed(window: ComposeWindow, name: String, timeoutMs: Long = 30_000): AccessibleContext {
        val deadline = System.currentTimeMillis() + timeoutMs
        while (System.currentTimeMillis() < deadline) {
            onEdt { find(window.accessibleContext, name) }?.let { return it }
            Thread.sleep(100)
        }
        error("nothing named \"$name\" appeared in the window")
    }

    private fun find(ctx: AccessibleContext?, name: String, depth: Int = 0): AccessibleContext? {
        if (ctx == null || depth > 60) return null
        if (ctx.accessibleName?.contains(name) == true && ctx.accessibleComponent?.isShowing == true) return ctx
        for (i in 0 until ctx.accessibleChildrenCount) {
            val child = ctx.getAccessibleChild(i) as? Accessible ?: continue
            find(child.accessibleContext, name, depth + 1)?.let { return it }
        }
        return null
    }

    private fun <T> onEdt(block: () -> T): T {
        var result: Result<T>? = null
        SwingUtilities.invokeAndWait { result = runCatching(block) }
        return result!!.getOrThrow()
    }
}
