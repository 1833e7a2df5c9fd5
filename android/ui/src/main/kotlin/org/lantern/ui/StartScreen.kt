package org.lantern.ui

import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.CoreOpening

/**
 * What the app shows until the core is open: a progress indicator while it opens and, when it
 * cannot, a readable message with "Try again" instead of a spinner that never ends.
 */
@Composable
fun CoreGate(opening: CoreOpening, onRetry: () -> Unit, content: @Composable (LanternCore) -> Unit) {
    when (opening) {
        is CoreOpening.Open -> content(opening.core)
        CoreOpening.Opening -> Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
            Box(Modifier.fillMaxSize()) {
                val label = tr("start_opening")
                CircularProgressIndicator(Modifier.align(Alignment.Center).semantics { contentDescription = label })
            }
        }
        is CoreOpening.Failed -> Surface(Modifier.fillMaxSize(), color = MaterialTheme.colorScheme.background) {
            ScreenColumn {
                Title(tr("start_failed_title"))
                ErrorText(opening.error)
                Text(tr("start_failed_explain"), style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(vertical = 8.dp))
                Button(onClick = onRetry, modifier = Modifier.padding(top = 8.dp)) { Text(tr("start_failed_retry")) }
            }
        }
    }
}
