package org.lantern.desktop

import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import org.lantern.ui.BackupFiles
import org.lantern.ui.Platform
import java.awt.FileDialog
import java.awt.Frame
import java.io.File

/**
 * Lantern Desktop's platform services: the system file dialog for backups and for the readable
 * copy. There is no platform key (biometrics) on the desktop, and no window-wide screenshot
 * block to set.
 */
class DesktopPlatform(private val window: () -> Frame?) : Platform {
    override val backupFiles: BackupFiles = object : BackupFiles {
        override suspend fun export(suggestedName: String, write: suspend (path: String) -> Unit): Boolean {
            val file = choose(FileDialog.SAVE, suggestedName) ?: return false
            write(file.path)
            return true
        }

        override suspend fun import(read: suspend (path: String) -> Unit): Boolean {
            val file = choose(FileDialog.LOAD, null) ?: return false
            read(file.path)
            return true
        }
    }

    override suspend fun sharePlaintext(text: String) {
        val file = choose(FileDialog.SAVE, "lantern-journal.md") ?: return
        withContext(Dispatchers.IO) { file.writeText(text) }
    }

    /** The file the person picks in the system dialog, or null when they cancel. */
    private suspend fun choose(mode: Int, suggested: String?): File? = withContext(Dispatchers.Main) {
        val dialog = FileDialog(window(), "Lantern", mode)
        if (suggested != null) dialog.file = suggested
        dialog.isVisible = true
        val name = dialog.file ?: return@withContext null
        File(dialog.directory, name)
    }
}
