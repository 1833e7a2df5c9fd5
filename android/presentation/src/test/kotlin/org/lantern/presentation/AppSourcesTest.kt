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
        assertTrue(used.size > 20, "the app's own screens use string resources")
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

    /**
     * The Compose screens are not compiled here, but the view models they draw are: every member
     * a screen reads from a view model (`vm.search()`, `vm::onQueryChange`) or from its state
     * (`s.results`) must exist in the compiled presentation classes. Checked per composable
     * function, since the same variable name may hold different view models in one file.
     */
    @Test
    fun composeScreensOnlyUseMembersTheViewModelsHave() {
        val ui = File(app, "kotlin/org/lantern/app/ui")
        var checked = 0
        val problems = mutableListOf<String>()
        for (file in ui.listFiles()!!.filter { it.extension == "kt" }) {
            for (block in file.readText().split("\n@Composable")) {
                val models = Regex("""val (\w+) = rememberScreenModel\("[^"]*"\) \{ (\w+)\(""").findAll(block)
                    .associate { it.groupValues[1] to it.groupValues[2] } +
                    Regex("""(\w+): (\w+ViewModel)\b""").findAll(block).associate { it.groupValues[1] to it.groupValues[2] }
                for ((name, cls) in models) {
                    val vmClass = Class.forName("org.lantern.presentation.$cls")
                    for (member in Regex("""\b$name(?:\.|::)(\w+)""").findAll(block).map { it.groupValues[1] }.toSet()) {
                        checked++
                        if (!hasMember(vmClass, member)) problems += "${file.name}: $cls has no $member"
                    }
                    val stateVar = Regex("""val (\w+) by $name\.state""").find(block)?.groupValues?.get(1) ?: continue
                    val stateType = (vmClass.getMethod("getState").genericReturnType as java.lang.reflect.ParameterizedType)
                        .actualTypeArguments[0] as Class<*>
                    for (member in Regex("""(?<![\w.])$stateVar\.(\w+)""").findAll(block).map { it.groupValues[1] }.toSet()) {
                        checked++
                        if (!hasMember(stateType, member)) problems += "${file.name}: ${stateType.simpleName} has no $member"
                    }
                }
            }
        }
        assertTrue(checked > 30, "checked only $checked uses")
        assertTrue(problems.isEmpty(), problems.joinToString("\n"))
    }

    private fun hasMember(c: Class<*>, name: String): Boolean {
        val cap = name.replaceFirstChar { it.uppercase() }
        return c.methods.any { it.name == name || it.name == "get$cap" || it.name == "is$cap" || it.name == name.removePrefix("is").let { n -> "is$n" } }
    }

    @Test
    fun privateScreensBlockScreenshots() {
        val appUi = File(app, "kotlin/org/lantern/app/ui").listFiles()!!.toList()
        val sharedUi = File(android, "ui/src/main/kotlin/org/lantern/ui").listFiles()!!.toList()
        val private = (appUi + sharedUi).filter { f ->
            listOf("Journal", "EntryEditor", "CheckIn", "MoodTrend", "Settings", "Sharing", "Inbox").any { f.name.startsWith(it) } &&
                f.name.endsWith("Screen.kt")
        }
        assertTrue(private.size >= 7, "found only ${private.map { it.name }}")
        for (f in private) assertTrue("SecureScreen()" in f.readText(), "${f.name} does not set FLAG_SECURE")
    }
}
