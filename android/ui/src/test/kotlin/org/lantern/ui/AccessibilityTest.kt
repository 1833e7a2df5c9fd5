package org.lantern.ui

import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.hasText
import androidx.compose.ui.test.isHeading
import androidx.compose.ui.test.onAllNodesWithText
import androidx.compose.ui.test.onRoot
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory

/**
 * Accessibility over the semantics tree of every screen: every clickable element has a label
 * and a role; touch targets are at least 48 × 48 dp; the screen title is a heading; at font
 * scale 2.0 in a 360 × 640 dp window the primary action is displayed once scrolled to.
 */
class AccessibilityTest {
    @TestFactory
    fun everyScreenAtNormalSize() = Catalogue.screens.map { case ->
        DynamicTest.dynamicTest(case.name) {
            uiTest(400, 800) { f ->
                val start = case.prepare(f)
                setApp(f, f.state(start))
                checkScreen(f, case, EN)
            }
        }
    }

    @TestFactory
    fun everyScreenAtFontScale2OnASmallPhone() = Catalogue.screens.map { case ->
        DynamicTest.dynamicTest(case.name) {
            uiTest(360, 640) { f ->
                val start = case.prepare(f)
                setApp(f, f.state(start), fontScale = 2f)
                checkScreen(f, case, EN)
                val primary = case.primary(f, EN)
                reveal(onAllNodesWithText(primary)[0]).assertIsDisplayed()
            }
        }
    }

    @TestFactory
    fun everyScreenInSpanishAtFontScale2() = Catalogue.screens.map { case ->
        DynamicTest.dynamicTest(case.name) {
            uiTest(360, 640) { f ->
                val start = case.prepare(f)
                setApp(f, f.state(start), strings = ES, fontScale = 2f)
                checkScreen(f, case, ES)
                reveal(onAllNodesWithText(case.primary(f, ES))[0]).assertIsDisplayed()
            }
        }
    }

    private fun ComposeUiTest.checkScreen(f: UiFixture, case: ScreenCase, strings: Strings) {
        val title = case.title(f, strings)
        awaitText(title)
        check(onAllNodes(isHeading() and hasText(title)).fetchSemanticsNodes().isNotEmpty()) { "${case.name}: the title \"$title\" is not a heading" }
        awaitReachable(case.primary(f, strings))
        waitForIdle()

        val problems = mutableListOf<String>()
        val density = onRoot().fetchSemanticsNode().layoutInfo.density.density
        for (node in allNodes(onRoot().fetchSemanticsNode())) {
            if (!node.config.contains(SemanticsActions.OnClick)) continue
            val what = describe(node)
            val isTextField = node.config.contains(SemanticsActions.SetText)
            if (what.isBlank()) problems += "a clickable without a label (${node.boundsInRoot})"
            if (!isTextField && node.config.getOrNull(SemanticsProperties.Role) == null) problems += "\"$what\" has no role"
            // The space the control takes in the layout: Material's minimum interactive size
            // (48 dp) pads the layout node around a smaller visual surface (a 40 dp button), and
            // the semantics node's own size is that surface's.
            val w = maxOf(node.size.width, node.layoutInfo.width) / density
            val h = maxOf(node.size.height, node.layoutInfo.height) / density
            if (w < 48f - 0.5f || h < 48f - 0.5f) problems += "\"$what\" is ${w.toInt()}×${h.toInt()} dp, under 48×48"
        }
        check(problems.isEmpty()) { "${case.name}:\n" + problems.joinToString("\n") }
    }

    private fun allNodes(root: SemanticsNode): List<SemanticsNode> = listOf(root) + root.children.flatMap(::allNodes)

    private fun describe(node: SemanticsNode): String {
        val c = node.config
        return (c.getOrNull(SemanticsProperties.ContentDescription).orEmpty() +
            c.getOrNull(SemanticsProperties.Text).orEmpty().map { it.text } +
            listOfNotNull(c.getOrNull(SemanticsProperties.EditableText)?.text)).joinToString(" ").trim()
    }
}
