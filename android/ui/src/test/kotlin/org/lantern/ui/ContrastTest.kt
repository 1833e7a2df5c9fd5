package org.lantern.ui

import androidx.compose.material3.ColorScheme
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.compositeOver
import kotlin.math.pow
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/** WCAG 2.1 AA: every text colour the screens use on every background they draw it on, both themes. */
class ContrastTest {
    /** Relative luminance (WCAG 2.1, sRGB). */
    private fun luminance(c: Color): Double {
        fun lin(v: Float) = if (v <= 0.04045f) v / 12.92 else ((v + 0.055) / 1.055).pow(2.4)
        return 0.2126 * lin(c.red) + 0.7152 * lin(c.green) + 0.0722 * lin(c.blue)
    }

    private fun ratio(fg: Color, bg: Color): Double {
        val a = luminance(fg.compositeOver(bg))
        val b = luminance(bg)
        return (maxOf(a, b) + 0.05) / (minOf(a, b) + 0.05)
    }

    private fun pairs(s: ColorScheme): List<Triple<String, Color, Color>> {
        val backgrounds = listOf(
            "background" to s.background, "surface" to s.surface, "surfaceContainer" to s.surfaceContainer,
            "surfaceContainerLow" to s.surfaceContainerLow, "surfaceContainerHigh" to s.surfaceContainerHigh,
            "surfaceContainerHighest" to s.surfaceContainerHighest, "surfaceVariant" to s.surfaceVariant,
        )
        val onSurfaces = listOf("onSurface" to s.onSurface, "onSurfaceVariant" to s.onSurfaceVariant, "primary" to s.primary, "error" to s.error)
        return onSurfaces.flatMap { (fn, fg) -> backgrounds.map { (bn, bg) -> Triple("$fn on $bn", fg, bg) } } + listOf(
            Triple("onBackground on background", s.onBackground, s.background),
            Triple("onPrimary on primary", s.onPrimary, s.primary),
            Triple("onPrimaryContainer on primaryContainer", s.onPrimaryContainer, s.primaryContainer),
            Triple("onSecondaryContainer on secondaryContainer", s.onSecondaryContainer, s.secondaryContainer),
            Triple("onSecondary on secondary", s.onSecondary, s.secondary),
            Triple("onTertiaryContainer on tertiaryContainer", s.onTertiaryContainer, s.tertiaryContainer),
            Triple("onError on error", s.onError, s.error),
            Triple("onErrorContainer on errorContainer", s.onErrorContainer, s.errorContainer),
            Triple("inverseOnSurface on inverseSurface", s.inverseOnSurface, s.inverseSurface),
        )
    }

    @Test
    fun theFormulaMatchesKnownValues() {
        assertEquals(21.0, ratio(Color.Black, Color.White), 0.01)
        assertEquals(1.0, ratio(Color.White, Color.White), 0.001)
        assertEquals(4.54, ratio(Color(0xFF767676), Color.White), 0.01)
    }

    @Test
    fun lightAndDarkThemesMeetAaForBodyText() {
        val failures = listOf("light" to LightColors, "dark" to DarkColors).flatMap { (theme, scheme) ->
            pairs(scheme).mapNotNull { (what, fg, bg) ->
                val r = ratio(fg, bg)
                if (r < 4.5) "$theme: $what is %.2f:1".format(r) else null
            }
        }
        assertTrue(failures.isEmpty(), "under 4.5:1:\n" + failures.joinToString("\n"))
    }
}
