package org.lantern.presentation

import java.io.File
import java.util.Properties

/**
 * The app's few non-private settings (auto-lock delay, notifications on/off) in one small
 * properties file in the app's data directory. Never holds journal text, passphrases or keys:
 * those live only in the core's encrypted vault. Writes go to a temporary file renamed into
 * place, so a crash leaves the old or the new file, never half of one.
 */
class Preferences(private val file: File) {
    private val props = Properties().apply {
        if (file.isFile) file.inputStream().use { load(it) }
    }

    @Synchronized
    fun getLong(key: String, default: Long): Long = props.getProperty(key)?.toLongOrNull() ?: default

    @Synchronized
    fun getBoolean(key: String, default: Boolean): Boolean =
        props.getProperty(key)?.toBooleanStrictOrNull() ?: default

    @Synchronized
    fun getString(key: String): String? = props.getProperty(key)

    @Synchronized
    fun put(key: String, value: Any) {
        props.setProperty(key, value.toString())
        file.parentFile?.mkdirs()
        val tmp = File(file.path + ".tmp")
        tmp.outputStream().use { props.store(it, "Lantern settings (no private data)") }
        check(tmp.renameTo(file)) { "cannot save settings" }
    }
}
