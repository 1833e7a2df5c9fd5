package org.lantern.presentation

import java.io.File
import kotlin.test.Test
import kotlin.test.assertTrue

/**
 * The Android app module and the SwiftUI app cannot be compiled on the project's machines (no
 * Android SDK, no Swift toolchain); the shared Compose UI (../ui) is, and has its own tests.
 * These checks read the uncompiled sources instead, so the parts that would only fail on a
 * developer's machine are caught here: every string resource the app uses exists, every
 * screen error has a translatable message on both platforms, and every private screen blocks
 * screenshots.
 */
class AppSourcesTest {
    private val android = androidDir()
    private val app = File(android, "app/src/main")
    private val ios = File(android, "../ios")

    private fun sources(dir: File, ext: String) = dir.walkTopDown().filter { it.isFile && it.extension == ext }.toList()

    @Test
    fun everyStringTheAppUsesIsInStringsXml() {
        val xml = File(app, "res/values/strings.xml").readText()
        val defined = Regex("""<(string|plurals) name="([a-z0-9_]+)"""").findAll(xml).map { it.groupValues[2] }.toSet()
        val used = sources(File(app, "kotlin"), "kt")
            .flatMap { f -> Regex("""R\.(string|plurals)\.([a-z0-9_]+)""").findAll(f.readText()).map { it.groupValues[2] } }
            .toSet()
        // The screens are the shared UI's (../ui); the app's own code uses resources for notifications.
        assertTrue(used.isNotEmpty(), "the app's notifications use string resources")
        val missing = used - defined
        assertTrue(missing.isEmpty(), "missing in strings.xml: $missing")
    }

    @Test
    fun noLiteralUserFacingTextInComposeCode() {
        // Text("...") with a literal word would bypass translation.
        val offenders = sources(File(app, "kotlin"), "kt").flatMap { f ->
            Regex("""Text\("[A-Za-z][^"]*"\)""").findAll(f.readText()).map { "${f.name}: ${it.value}" }
        }
        assertTrue(offenders.isEmpty(), "untranslatable text: $offenders")
    }

    @Test
    fun everyScreenErrorHasAMessageOnBothPlatforms() {
        val errors = File(android, "ui/src/main/kotlin/org/lantern/ui/Common.kt").readText()
        val strings = File(ios, "App/Resources/en.lproj/Localizable.strings").readText()
        val swiftCases = Regex("""case ([a-zA-Z, \n]+)\n\n    /// The Localizable""")
        val swiftUiError = File(ios, "Sources/Lantern/LanternFailure.swift").readText()
        val iosCases = swiftCases.find(swiftUiError)!!.groupValues[1].split(",").map { it.trim() }.filter { it.isNotEmpty() }
        for (e in UiError.entries) {
            assertTrue("UiError.${e.name} ->" in errors, "the shared UI has no message for $e")
            val swiftName = if (e == UiError.MoodOutOfRange) "moodMissing" else e.name.replaceFirstChar { it.lowercase() }
            assertTrue(swiftName in iosCases, "Swift UIError lacks $swiftName")
        }
        for (c in iosCases) assertTrue("\"error.$c\"" in strings, "Localizable.strings lacks error.$c")
    }

    @Test
    fun privateScreensBlockScreenshots() {
        val sharedUi = File(android, "ui/src/main/kotlin/org/lantern/ui").listFiles()!!.toList()
        val private = sharedUi.filter { f ->
            listOf("Journal", "EntryEditor", "CheckIn", "MoodTrend", "Settings", "Sharing", "Caseload").any { f.name.startsWith(it) } &&
                f.name.endsWith("Screen.kt")
        }
        assertTrue(private.size >= 7, "found only ${private.map { it.name }}")
        assertTrue(private.any { it.name == "CaseloadScreen.kt" && "fun PeerScreen" in it.readText() }, "the peer page is checked too")
        for (f in private) assertTrue("SecureScreen()" in f.readText(), "${f.name} does not set FLAG_SECURE")
    }
}
