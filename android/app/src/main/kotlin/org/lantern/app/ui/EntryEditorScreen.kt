package org.lantern.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.verticalScroll
import androidx.compose.material3.Button
import androidx.compose.material3.FilterChip
import androidx.compose.material3.InputChip
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.EntryEditorViewModel

/** New entry or edit: text, mood 1-5 (tap again to clear), tags. */
@Composable
fun EntryEditorScreen(core: LanternCore, entryId: String?, onDone: () -> Unit) {
    SecureScreen()
    val vm = rememberScreenModel("entry/${entryId ?: "new"}") { EntryEditorViewModel(core.journal, it, entryId) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    LaunchedEffect(s.done) { if (s.done) onDone() }
    Column(Modifier.padding(16.dp).verticalScroll(rememberScrollState())) {
        Title(if (s.isNew) R.string.entry_new_title else R.string.entry_edit_title)
        OutlinedTextField(
            s.text, vm::onText,
            label = { Text(stringResource(R.string.entry_text)) },
            modifier = Modifier.fillMaxWidth().heightIn(min = 160.dp),
        )
        MoodPicker(s.mood, vm::onMood)
        Row {
            OutlinedTextField(s.tagDraft, vm::onTagDraft, label = { Text(stringResource(R.string.entry_tag)) }, singleLine = true, modifier = Modifier.weight(1f))
            TextButton(onClick = vm::addTag) { Text(stringResource(R.string.entry_add_tag)) }
        }
        Row {
            s.tags.forEach { tag ->
                InputChip(
                    selected = false,
                    onClick = { vm.removeTag(tag) },
                    label = { Text(tag) },
                    modifier = Modifier.padding(end = 4.dp),
                )
            }
        }
        ErrorText(s.error)
        Row {
            Button(onClick = { vm.save() }, enabled = s.canSave) { Text(stringResource(R.string.action_save)) }
            if (!s.isNew) TextButton(onClick = { vm.delete() }) { Text(stringResource(R.string.action_delete)) }
        }
    }
}

/** Five mood choices, each announced with its meaning. */
@Composable
internal fun MoodPicker(mood: Int?, onMood: (Int) -> Unit) {
    val labels = listOf(R.string.mood_1, R.string.mood_2, R.string.mood_3, R.string.mood_4, R.string.mood_5)
    Text(stringResource(R.string.entry_mood), Modifier.padding(top = 8.dp))
    Row {
        labels.forEachIndexed { i, label ->
            val value = i + 1
            val description = stringResource(label)
            FilterChip(
                selected = mood == value,
                onClick = { onMood(value) },
                label = { Text(value.toString()) },
                modifier = Modifier.padding(end = 4.dp).semantics { contentDescription = description },
            )
        }
    }
}
