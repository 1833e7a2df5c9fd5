package org.lantern.ui

import androidx.compose.material3.Text
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.test.performClick
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import org.lantern.core.LanternCore
import org.lantern.presentation.CoreOpening
import org.lantern.presentation.CoreStart
import org.lantern.presentation.UiError
import java.io.File
import java.nio.file.Files
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs

/** Opening the real core: a failure is a readable screen with "Try again", not an endless spinner. */
class StartUiTest {
    @Test
    fun aCoreThatCannotOpenIsAReadableErrorAndTryAgainOpensIt() {
        val dir = Files.createTempDirectory("lantern-start").toFile()
        // A file where the data directory should be: the core cannot create its storage there.
        val dataDir = File(dir, "data").apply { writeText("not a directory") }
        val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
        val start = CoreStart(scope) { LanternCore.open(dataDir.path) }
        try {
            composeTest(400, 800) {
                start.start()
                setContent {
                    LanternRoot(ES, dark = false) {
                        val opening by start.state.collectAsState()
                        CoreGate(opening, onRetry = { start.start() }) { core -> Text(core.toString()) }
                    }
                }
                awaitText(ES.get("start_failed_title"))
                awaitText(ES.get("error_storage"))
                assertEquals(CoreOpening.Failed(UiError.Storage), start.state.value)

                // The person frees the place (here: the stray file goes) and tries again.
                dataDir.delete()
                node(ES.get("start_failed_retry")).performClick()
                awaitCondition("the core opened") { start.state.value is CoreOpening.Open }
                awaitGone(ES.get("start_failed_title"))
            }
        } finally {
            (start.state.value as? CoreOpening.Open)?.core?.close()
            scope.cancel()
            dir.deleteRecursively()
        }
        assertIs<CoreOpening.Open>(start.state.value)
    }
}
