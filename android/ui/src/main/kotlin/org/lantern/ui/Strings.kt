package org.lantern.ui

import androidx.compose.runtime.Composable
import androidx.compose.runtime.ReadOnlyComposable
import androidx.compose.runtime.staticCompositionLocalOf
import java.util.Locale

/**
 * Every user-facing string of the apps, from one table per language
 * (`strings/<language>.properties` in this module's resources). The same tables generate the
 * iOS `Localizable.strings` and Android's `strings.xml` (`cargo xtask strings`), so the
 * platforms cannot drift. Placeholders are Java format specifiers (`%1$s`, `%1$d`, `%1$.1f`);
 * a plural has the forms `key.one` and `key.other`.
 */
class Strings private constructor(val language: String, private val table: Map<String, String>, private val fallback: Strings?) {
    val locale: Locale = Locale.forLanguageTag(language)

    /** The keys of this language's table. */
    val keys: Set<String> get() = table.keys

    /** The raw text of [key]; English when this language lacks it (a test forbids that). */
    fun raw(key: String): String = table[key] ?: fallback?.raw(key) ?: key

    /** The text of [key] with [args] filled in, numbers in this language's format. */
    fun get(key: String, vararg args: Any): String {
        val text = raw(key)
        return if (args.isEmpty()) text.replace("%%", "%") else String.format(locale, text, *args)
    }

    /** The plural form of [key] for [count] (English and Spanish: one for exactly 1). */
    fun plural(key: String, count: Int, vararg args: Any): String =
        get(if (count == 1) "$key.one" else "$key.other", *args)

    companion object {
        const val SOURCE_LANGUAGE = "en"

        /** The languages the apps ship, in the order settings list them. */
        val LANGUAGES = listOf("en", "es")

        private val cache = mutableMapOf<String, Strings>()

        /** The table for [language] (a BCP 47 tag or a bare language); English when unsupported. */
        @Synchronized
        fun forLanguage(language: String): Strings {
            val lang = language.substringBefore('-').substringBefore('_').lowercase().takeIf { it in LANGUAGES } ?: SOURCE_LANGUAGE
            return cache.getOrPut(lang) {
                val fallback = if (lang == SOURCE_LANGUAGE) null else forLanguage(SOURCE_LANGUAGE)
                Strings(lang, parse(resourceText(lang)), fallback)
            }
        }

        private fun resourceText(lang: String): String {
            val stream = Strings::class.java.getResourceAsStream("/strings/$lang.properties")
                ?: error("string table strings/$lang.properties is missing from the resources")
            return stream.use { it.readBytes().toString(Charsets.UTF_8) }
        }

        /**
         * Reads a table: UTF-8 `key = value` lines, `#` comments, `\n` for a line break. Kept
         * deliberately smaller than java.util.Properties so the xtask generator reads it the same way.
         */
        fun parse(text: String): Map<String, String> {
            val out = LinkedHashMap<String, String>()
            text.lineSequence().forEachIndexed { i, line ->
                val l = line.trim()
                if (l.isEmpty() || l.startsWith("#")) return@forEachIndexed
                val eq = l.indexOf('=')
                require(eq > 0) { "line ${i + 1}: expected key = value" }
                val key = l.substring(0, eq).trim()
                require(key.matches(KEY)) { "line ${i + 1}: bad key '$key'" }
                require(key !in out) { "line ${i + 1}: duplicate key '$key'" }
                out[key] = l.substring(eq + 1).trim().replace("\\n", "\n")
            }
            return out
        }

        /** Keys: lower-case snake case, as Android resource names need; `.one`/`.other` for plurals. */
        val KEY = Regex("""[a-z][a-z0-9_]*(\.(one|other))?""")
    }
}

/** The string table of the current composition; the app provides it from the system language. */
val LocalStrings = staticCompositionLocalOf { Strings.forLanguage(Strings.SOURCE_LANGUAGE) }

/** The translated text of [key], with [args] filled in. */
@Composable
@ReadOnlyComposable
fun tr(key: String, vararg args: Any): String = LocalStrings.current.get(key, *args)

/** The translated plural form of [key] for [count]. */
@Composable
@ReadOnlyComposable
fun trPlural(key: String, count: Int, vararg args: Any): String = LocalStrings.current.plural(key, count, *args)
