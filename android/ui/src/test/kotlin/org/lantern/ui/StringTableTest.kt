package org.lantern.ui

import org.lantern.presentation.UiError
import java.io.File
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertTrue

/**
 * The string tables: complete in every language, the same placeholders everywhere, every key
 * used by some app (the shared UI, the Android app's own code, or the iOS app), and every key
 * the code uses present.
 */
class StringTableTest {
    private val android = File(System.getProperty("lantern.androidDir") ?: System.getProperty("user.dir"))
    private val tables = Strings.LANGUAGES.associateWith { lang ->
        Strings.parse(File(android, "ui/src/main/resources/strings/$lang.properties").readText())
    }
    private val en = tables.getValue("en")

    private fun sources(dir: String, ext: String) =
        File(android, dir).walkTopDown().filter { it.isFile && it.extension == ext }.map { it.readText() }.toList()

    private val placeholder = Regex("""%(\d+\$)?[-#+ 0,(]*\d*(\.\d+)?[a-zA-Z]""")
    private fun placeholders(text: String) = placeholder.findAll(text.replace("%%", "")).map { it.value }.sorted().toList()

    @Test
    fun everyLanguageHasEveryKey() {
        for ((lang, table) in tables) {
            assertEquals(emptySet(), en.keys - table.keys, "missing in $lang")
            assertEquals(emptySet(), table.keys - en.keys, "only in $lang")
            for ((key, text) in table) assertTrue(text.isNotBlank(), "$lang: $key is empty")
        }
    }

    @Test
    fun placeholdersAgreeBetweenLanguagesAndCarryAnIndex() {
        for ((lang, table) in tables) {
            for ((key, text) in table) {
                assertEquals(placeholders(en.getValue(key)), placeholders(text), "$lang: $key has other placeholders than English")
                for (p in placeholders(text)) assertTrue(p.contains('$'), "$lang: $key: $p needs an index (%1\$s)")
                // A stray % (not %% and not a placeholder) would break String.format.
                assertTrue(text.replace("%%", "").replace(placeholder, "").none { it == '%' }, "$lang: $key has a stray %")
            }
        }
    }

    @Test
    fun pluralsHaveBothForms() {
        for (key in en.keys.filter { it.endsWith(".one") || it.endsWith(".other") }) {
            val base = key.substringBeforeLast('.')
            assertTrue("$base.one" in en && "$base.other" in en, "$base needs .one and .other")
        }
    }

    /** Keys the shared UI uses: string literals in its Kotlin sources that name a key (plural base names included). */
    private fun sharedUiKeys(): Set<String> {
        val literals = (sources("ui/src/main/kotlin", "kt") + sources("ui/src/desktopMain/kotlin", "kt"))
            .flatMap { Regex(""""([a-z][a-z0-9_]*)"""").findAll(it).map { m -> m.groupValues[1] } }.toSet()
        return literals
    }

    private fun androidAppKeys(): Set<String> = sources("app/src/main", "kt").plus(sources("app/src/main", "xml").filter { "strings.xml" !in it })
        .flatMap { Regex("""R\.(string|plurals)\.([a-z0-9_]+)|@string/([a-z0-9_]+)""").findAll(it).map { m -> m.groupValues[2].ifEmpty { m.groupValues[3] } } }
        .toSet()

    private fun iosKeys(): Set<String> {
        val swift = sources("../ios", "swift").joinToString("\n")
        // Keys built at run time: "error.\(rawValue)", "mood.\(value)".
        val dynamicPrefixes = Regex(""""([a-zA-Z.]+\.)\\\(""").findAll(swift).map { it.groupValues[1] }.toSet()
        return File(android, "ui/ios-keys.properties").readLines().filter { it.isNotBlank() && !it.startsWith("#") }.mapNotNull { line ->
            val (iosKey, shared) = line.split(" = ", limit = 2)
            val base = iosKey.substringBefore(' ')
            val used = "\"$base\"" in swift || "\"$base " in swift || dynamicPrefixes.any { base.startsWith(it) }
            if (used) shared.trim() else null
        }.toSet()
    }

    @Test
    fun everyKeyIsUsedSomewhere() {
        val used = sharedUiKeys() + androidAppKeys() + iosKeys()
        val unused = en.keys.filter { key -> key.substringBefore('.') !in used && key !in used }
        assertTrue(unused.isEmpty(), "keys no app uses: $unused")
    }

    @Test
    fun everyKeyTheCodeUsesExists() {
        val bases = en.keys.map { it.substringBefore('.') }.toSet()
        val trCalls = (sources("ui/src/main/kotlin", "kt") + sources("ui/src/desktopMain/kotlin", "kt"))
            .flatMap { Regex("""\btr(?:Plural)?\("([a-z0-9_]+)"""").findAll(it).map { m -> m.groupValues[1] } }.toSet()
        assertTrue(trCalls.size > 80, "the shared UI reads its text from the tables (${trCalls.size} keys)")
        assertEquals(emptySet(), trCalls - bases, "tr() keys missing from the tables")
        assertEquals(emptySet(), androidAppKeys() - bases, "R.string keys missing from the tables")
        val iosMapped = File(android, "ui/ios-keys.properties").readLines().filter { it.isNotBlank() && !it.startsWith("#") }
            .map { it.split(" = ", limit = 2)[1].trim() }.toSet()
        assertEquals(emptySet(), iosMapped - bases, "iOS keys mapped to strings that do not exist")
    }

    @Test
    fun everyScreenErrorHasAMessageInEveryLanguage() {
        for (e in UiError.entries) for ((lang, table) in tables) assertTrue(e.messageKey() in table, "$lang lacks ${e.messageKey()} for $e")
    }

    @Test
    fun noLiteralUserFacingTextInTheSharedUi() {
        val offenders = sources("ui/src/main/kotlin", "kt").flatMap { f ->
            Regex("""Text\("[A-Za-z][^"]*"""").findAll(f).map { it.value }
        }
        assertTrue(offenders.isEmpty(), "untranslatable text: $offenders")
    }

    @Test
    fun theSharedUiUsesNoAndroidOnlyApi() {
        val offenders = sources("ui/src/main/kotlin", "kt").flatMap { f ->
            Regex("""^import (android\.|androidx\.lifecycle|androidx\.activity|androidx\.navigation|org\.lantern\.app\.).*$""", RegexOption.MULTILINE)
                .findAll(f).map { it.value } + Regex("""\bR\.(string|plurals)\.""").findAll(f).map { it.value }
        }
        assertTrue(offenders.isEmpty(), "Android-only API in the shared UI: $offenders")
    }

    @Test
    fun formattingFollowsTheLanguage() {
        assertEquals("Average mood: 3.5", EN.get("trend_average", 3.5))
        assertEquals("Ánimo medio: 3,5", ES.get("trend_average", 3.5))
        assertEquals("1 result", EN.plural("course_results", 1, 1))
        assertEquals("2 resultados", ES.plural("course_results", 2, 2))
        assertEquals("40% read · self-check score 1 of 4", EN.get("course_unit_progress", 40, 1, 4))
        assertEquals("en", Strings.forLanguage("fr-CA").language, "unsupported languages fall back to English")
        assertEquals("es", Strings.forLanguage("es-MX").language)
    }
}
