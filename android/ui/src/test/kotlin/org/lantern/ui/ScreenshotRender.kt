package org.lantern.ui

import androidx.compose.runtime.CompositionLocalProvider
import androidx.compose.ui.graphics.asSkiaBitmap
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.test.onRoot
import androidx.compose.ui.unit.Density
import org.jetbrains.skia.EncodedImageFormat
import org.jetbrains.skia.Image
import org.junit.jupiter.api.Assumptions.assumeTrue
import java.io.File
import kotlin.test.Test
import kotlin.test.assertTrue

/**
 * `cargo xtask screenshots`: every screen of [Catalogue] rendered headless in light, dark,
 * Spanish (light and dark) and font scale 2.0, as PNG files plus an HTML contact sheet (index.html). Runs only
 * when the `lantern.screenshots` system property names the output directory.
 */
class ScreenshotRender {
    private class Variant(val name: String, val strings: Strings, val dark: Boolean, val fontScale: Float)

    private val variants = listOf(
        Variant("light", EN, false, 1f),
        Variant("dark", EN, true, 1f),
        Variant("es", ES, false, 1f),
        Variant("es-dark", ES, true, 1f),
        Variant("font2", EN, false, 2f),
    )

    @Test
    fun renderEveryScreen() {
        val out = System.getProperty("lantern.screenshots").orEmpty()
        assumeTrue(out.isNotBlank(), "screenshots are rendered by `cargo xtask screenshots` (-Dlantern.screenshots=DIR)")
        val dir = File(out).also { it.mkdirs() }
        val rows = StringBuilder()
        for (case in Catalogue.screens) {
            rows.append("<tr><th>${case.name}</th>")
            for (v in variants) {
                val file = File(dir, "${case.name}-${v.name}.png")
                render(case, v, file)
                assertTrue(file.length() > 5_000, "${file.name} has content")
                rows.append("<td><img src=\"${file.name}\" width=\"${WIDTH_DP}\" alt=\"${case.name}, ${v.name}\"></td>")
            }
            rows.append("</tr>\n")
        }
        File(dir, "index.html").writeText(
            """<!doctype html><html lang="en"><meta charset="utf-8"><title>Lantern screens</title>
            |<style>body{font-family:sans-serif;background:#eee}td,th{padding:6px;vertical-align:top}img{border:1px solid #999}</style>
            |<h1>Lantern: every screen (shared Compose UI, rendered headless)</h1>
            |<table><tr><th></th>${variants.joinToString("") { "<th>${it.name}</th>" }}</tr>
            |$rows</table></html>
            |""".trimMargin(),
        )
    }

    private fun render(case: ScreenCase, v: Variant, file: File) = UiFixture().use { f ->
        val start = case.prepare(f)
        composeTest((WIDTH_DP * SCALE).toInt(), (HEIGHT_DP * SCALE).toInt()) {
            setContent {
                CompositionLocalProvider(LocalDensity provides Density(SCALE, v.fontScale)) {
                    LanternRoot(v.strings, v.dark) { LanternApp(f.core, f.platform, f.autoLock, f.preferences, f.state(start)) }
                }
            }
            awaitText(case.title(f, v.strings))
            awaitText(case.primary(f, v.strings))
            repeat(30) { mainClock.advanceTimeByFrame() }
            waitForIdle()
            val bitmap = onRoot().captureToImage().asSkiaBitmap()
            val png = Image.makeFromBitmap(bitmap).encodeToData(EncodedImageFormat.PNG) ?: error("PNG encoding failed")
            file.writeBytes(png.bytes)
        }
    }

    private companion object {
        const val WIDTH_DP = 360
        const val HEIGHT_DP = 720
        const val SCALE = 1.5f
    }
}
