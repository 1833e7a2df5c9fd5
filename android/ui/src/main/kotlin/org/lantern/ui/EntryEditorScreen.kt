package org.lantern.ui

import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Close
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Button
import androidx.compose.material3.Icon
import androidx.compose.material3.InputChip
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.EntryEditorViewModel

/** New entry or edit: text, mood 1-5 (tap again to clear), tags; delete after a confirmation. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun EntryEditorScreen(core: LanternCore, key: String, entryId: String?, onDone: () -> Unit) {
    SecureScreen()
    val vm = rememberScreenModel(key) { EntryEditorViewModel(core.journal, it, entryId) }
    val s by vm.state.collectAsState()
    var confirmingDelete by remember { mutableStateOf(false) }
    LaunchedEffect(vm) { vm.load() }
    LaunchedEffect(s.done) { if (s.done) onDone() }
    ScreenColumn {
        Title(tr(if (s.isNew) "entry_new_title" else "entry_edit_title"))
        OutlinedTextField(
            s.text, vm::onText,
            label = { Text(tr("entry_text")) },
            modifier = Modifier.fillMaxWidth().heightIn(min = 160.dp),
        )
        MoodPicker(s.mood, vm::onMood)
        Row(verticalAlignment = Alignment.CenterVertically) {
            OutlinedTextField(s.tagDraft, vm::onTagDraft, label = { Text(tr("entry_tag")) }, singleLine = true, modifier = Modifier.weight(1f))
            TextButton(onClick = vm::addTag) { Text(tr("entry_add_tag")) }
        }
        if (s.tags.isNotEmpty()) Text(tr("entry_tags"), Modifier.padding(top = 8.dp))
        FlowRow {
            s.tags.forEach { tag ->
                val remove = tr("entry_remove_tag", tag)
                InputChip(
                    selected = false,
                    onClick = { vm.removeTag(tag) },
                    label = { Text(tag) },
                    trailingIcon = { Icon(Icons.Filled.Close, contentDescription = null) },
                    modifier = Modifier.padding(end = 4.dp).semantics { contentDescription = remove },
                )
            }
        }
        ErrorText(s.error)
        FlowRow(Modifier.padding(top = 8.dp)) {
            Button(onClick = { vm.save() }, enabled = s.canSave, modifier = Modifier.padding(end = 8.dp)) { Text(tr("action_save")) }
            if (!s.isNew) OutlinedButton(onClick = { confirmingDelete = true }) { Text(tr("action_delete")) }
        }
    }
    if (confirmingDelete) {
        AlertDialog(
            onDismissRequest = { confirmingDelete = false },
            title = { Text(tr("entry_delete_title")) },
            text = { Text(tr("entry_delete_warning")) },
            confirmButton = {
                TextButton(onClick = { confirmingDelete = false; vm.delete() }) { Text(tr("entry_delete_confirm")) }
            },
            dismissButton = { TextButton(onClick = { confirmingDelete = false }) { Text(tr("action_cancel")) } },
        )
    }
}
