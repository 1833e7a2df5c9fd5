package org.lantern.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.selection.SelectionContainer
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.HelpViewModel

/** "Get help now": the crisis resources from the content pack; works offline and locked. */
@Composable
fun HelpScreen(core: LanternCore) {
    val vm = rememberScreenModel("help") { HelpViewModel(core.course, it) }
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }
    LazyColumn(Modifier.fillMaxSize().padding(horizontal = 16.dp)) {
        item {
            Title(s.title.ifEmpty { tr("help_now_button") }, Modifier.padding(top = 16.dp))
            Text(
                if (s.unverified) tr("help_unverified") else tr("help_published_by", s.publisherName, s.publisherFingerprint),
                style = MaterialTheme.typography.labelMedium,
            )
            Text(s.note, style = MaterialTheme.typography.bodyLarge, modifier = Modifier.padding(vertical = 8.dp))
            ErrorText(s.error)
        }
        items(s.items) { item ->
            Card(Modifier.fillMaxWidth().padding(vertical = 6.dp)) {
                Column(Modifier.padding(16.dp)) {
                    SectionTitle(item.title, Modifier.padding(top = 0.dp))
                    // Numbers and addresses can be copied.
                    SelectionContainer { Text(item.text, style = MaterialTheme.typography.bodyLarge) }
                }
            }
        }
    }
}
