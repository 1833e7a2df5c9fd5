package org.lantern.app.platform

import android.content.Context
import android.net.Uri
import java.io.File

/**
 * The core reads and writes backups by file path; the system file picker hands out content
 * URIs. These helpers stage the file in the app's private cache and delete it afterwards.
 */
object DocumentFiles {
    /** Runs [write] on a private temporary path, then copies the result to [target]. */
    suspend fun exportTo(context: Context, target: Uri, write: suspend (String) -> Unit) {
        val tmp = File.createTempFile("backup", ".lantern", context.cacheDir)
        try {
            write(tmp.path)
            context.contentResolver.openOutputStream(target, "wt")?.use { out -> tmp.inputStream().use { it.copyTo(out) } }
        } finally {
            tmp.delete()
        }
    }

    /** Copies [source] to a private temporary path and runs [read] on it. */
    suspend fun importFrom(context: Context, source: Uri, read: suspend (String) -> Unit) {
        val tmp = File.createTempFile("import", ".lantern", context.cacheDir)
        try {
            context.contentResolver.openInputStream(source)?.use { input -> tmp.outputStream().use { input.copyTo(it) } }
            read(tmp.path)
        } finally {
            tmp.delete()
        }
    }
}
