package org.lantern.ui

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.CheckInViewModel

/** The daily check-in: mood and a short note. */
@Composable
fun CheckInScreen(core: LanternCore, key: String, onDone: () -> Unit) {
    SecureScreen()
    val vm = rememberScreenModel(key) { CheckInViewModel(core.journal, it) }
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }
    LaunchedEffect(s.done) { if (s.done) onDone() }
    ScreenColumn {
        Title(tr("checkin_title"))
        if (s.checkedInToday) Text(tr("checkin_already_today"), style = MaterialTheme.typography.bodyLarge)
        MoodPicker(s.mood, vm::onMood, label = tr("checkin_mood"))
        OutlinedTextField(
            s.note, vm::onNote,
            label = { Text(tr("checkin_note", CheckInViewModel.MAX_NOTE)) },
            supportingText = { Text(tr("checkin_note_count", s.note.length, CheckInViewModel.MAX_NOTE)) },
            modifier = Modifier.fillMaxWidth().padding(top = 8.dp),
        )
        ErrorText(s.error)
        Button(onClick = { vm.save() }, enabled = s.canSave, modifier = Modifier.padding(top = 8.dp)) { Text(tr("action_save")) }
    }
}
