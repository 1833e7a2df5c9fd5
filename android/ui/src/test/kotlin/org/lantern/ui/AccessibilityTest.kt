package org.lantern.ui

import androidx.compose.ui.semantics.SemanticsActions
import androidx.compose.ui.semantics.SemanticsNode
import androidx.compose.ui.semantics.SemanticsProperties
import androidx.compose.ui.semantics.getOrNull
import androidx.compose.ui.test.ComposeUiTest
import androidx.compose.ui.test.assertIsDisplayed
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.text.TextLayoutResult
import org.junit.jupiter.api.DynamicTest
import org.junit.jupiter.api.TestFactory

/**
 * Accessibility over the semantics tree of every screen (English at 400 × 800 dp, Spanish at
 * 360 × 640 dp, and both at font scale 2.0 at 360 × 640 dp): every clickable element has a label
 * and a role; touch targets are at least 48 × 48 dp; the screen title is a heading; no text is
 * cut (ellipsised or clipped), the top bar and the tabs included; at font scale 2.0 the primary
 * action is displayed once scrolled to.
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
    fun everyScreenInSpanishOnASmallPhone() = Catalogue.screens.map { case ->
        DynamicTest.dynamicTest(case.name) {
            uiTest(360, 640) { f ->
                val start = case.prepare(f)
                setApp(f, f.state(start), strings = ES)
                checkScreen(f, case, ES)
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
                reveal(awaitReachable(case.primary(f, EN))).assertIsDisplayed()
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
                reveal(awaitReachable(case.primary(f, ES))).assertIsDisplayed()
            }
        }
    }

    private fun ComposeUiTest.checkScreen(f: UiFixture, case: ScreenCase, strings: Strings) {
        awaitTitle(case.title(f, strings), timeoutMs = 10_000)
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
        // No text is cut: not ellipsised, not clipped by its own bounds (large text must wrap or
        // scroll, never hide words).
        for (node in allNodes(onRoot(useUnmergedTree = true).fetchSemanticsNode())) {
            val layout = textLayout(node) ?: continue
            val text = layout.layoutInput.text.text
            // (Not hasVisualOverflow: the semantics' layout result is as wide as the constraints
            // allowed, so every line narrower than that counts as overflowing the width.)
            val cut = (0 until layout.lineCount).any(layout::isLineEllipsized) ||
                layout.multiParagraph.didExceedMaxLines || layout.size.height < layout.multiParagraph.height
            if (cut) problems += "the text \"$text\" is cut"
        }
        check(problems.isEmpty()) { "${case.name}:\n" + problems.joinToString("\n") }
    }

    private fun textLayout(node: SemanticsNode): TextLayoutResult? {
        val action = node.config.getOrNull(SemanticsActions.GetTextLayoutResult)?.action ?: return null
        val results = mutableListOf<TextLayoutResult>()
        return if (action(results)) results.firstOrNull() else null
    }

    private fun describe(node: SemanticsNode): String {
        val c = node.config
        return (c.getOrNull(SemanticsProperties.ContentDescription).orEmpty() +
            c.getOrNull(SemanticsProperties.Text).orEmpty().map { it.text } +
            // A field's value names it too, unless it is a password (kept out of test output).
            listOfNotNull(c.getOrNull(SemanticsProperties.EditableText)?.text?.takeUnless { SemanticsProperties.Password in c })).joinToString(" ").trim()
    }
}
