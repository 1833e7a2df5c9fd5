package org.lantern.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.Button
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.CheckInViewModel

/** The daily check-in: mood and a short note. */
@Composable
fun CheckInScreen(core: LanternCore, onDone: () -> Unit) {
    SecureScreen()
    val vm = rememberScreenModel("checkin") { CheckInViewModel(core.journal, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    LaunchedEffect(s.done) { if (s.done) onDone() }
    Column(Modifier.padding(16.dp)) {
        Title(R.string.checkin_title)
        if (s.checkedInToday) Text(stringResource(R.string.checkin_already_today))
        MoodPicker(s.mood, vm::onMood)
        OutlinedTextField(
            s.note, vm::onNote,
            label = { Text(stringResource(R.string.checkin_note, CheckInViewModel.MAX_NOTE)) },
            supportingText = { Text("${s.note.length} / ${CheckInViewModel.MAX_NOTE}") },
            modifier = Modifier.fillMaxWidth(),
        )
        ErrorText(s.error)
        Button(onClick = { vm.save() }, enabled = s.canSave) { Text(stringResource(R.string.action_save)) }
    }
}
