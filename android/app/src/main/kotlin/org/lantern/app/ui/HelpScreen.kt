package org.lantern.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.HelpViewModel

/** "Get help now": the crisis resources from the content pack; works offline and locked. */
@Composable
fun HelpScreen(core: LanternCore) {
    val vm = rememberScreenModel("help") { HelpViewModel(core.course, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    LazyColumn(Modifier.padding(16.dp)) {
        item {
            Text(s.title, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
            Text(
                if (s.unverified) stringResource(R.string.help_unverified)
                else stringResource(R.string.help_published_by, s.publisherName, s.publisherFingerprint),
                style = MaterialTheme.typography.labelMedium,
            )
            Text(s.note, style = MaterialTheme.typography.bodyMedium, modifier = Modifier.padding(vertical = 8.dp))
            ErrorText(s.error)
        }
        items(s.items) { item ->
            Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
                Column(Modifier.padding(16.dp)) {
                    Text(item.title, style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() })
                    Text(item.text)
                }
            }
        }
    }
}
