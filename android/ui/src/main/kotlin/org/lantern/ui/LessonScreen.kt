package org.lantern.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.lazy.rememberLazyListState
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalUriHandler
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.LessonViewModel
import org.lantern.presentation.ReaderBlock

/** The lesson reader: draws every block kind the view model hands it. */
@Composable
fun LessonScreen(core: LanternCore, key: String, unitId: String, lessonId: String, sectionId: String? = null) {
    val vm = rememberScreenModel(key) { LessonViewModel(core.course, it, unitId, lessonId) }
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }
    val list = rememberLazyListState()
    // From a search hit or a bookmark: start at that section once the lesson is loaded, once only
    // (the person may scroll away; coming back from another tab keeps their place).
    var placed by rememberSaveable(key) { mutableStateOf(sectionId == null) }
    LaunchedEffect(s.sections) {
        val index = s.sections.indexOfFirst { it.id == sectionId }
        if (!placed && index >= 0) {
            list.scrollToItem(index + 1) // item 0 is the lesson's header
            placed = true
        }
    }

    LazyColumn(Modifier.fillMaxSize().padding(horizontal = 16.dp), state = list) {
        item {
            Text(s.unitTitle, style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(top = 16.dp))
            Title(s.title)
            Row(verticalAlignment = Alignment.CenterVertically) {
                if (s.courseAuthored) Text(tr("course_exercise_label"), style = MaterialTheme.typography.labelLarge, modifier = Modifier.weight(1f))
                else Spacer(Modifier.weight(1f))
                OutlinedButton(onClick = { vm.toggleBookmark() }) {
                    Text(tr(if (s.bookmarked) "lesson_bookmark_remove" else "lesson_bookmark_add"))
                }
            }
            ErrorText(s.error)
        }
        items(s.sections, key = { it.id }) { section ->
            Column(Modifier.padding(vertical = 12.dp)) {
                SectionTitle(section.title)
                section.blocks.forEach { Block(it, vm) }
                if (section.read) {
                    Text(tr("lesson_section_read"), style = MaterialTheme.typography.labelLarge, modifier = Modifier.padding(vertical = 8.dp))
                } else {
                    OutlinedButton(onClick = { vm.markRead(section.id) }) { Text(tr("lesson_mark_read")) }
                }
            }
        }
    }
}

@Composable
private fun Block(block: ReaderBlock, vm: LessonViewModel) {
    val pad = Modifier.padding(vertical = 6.dp)
    when (block) {
        is ReaderBlock.Paragraph -> Text(block.text, pad, style = MaterialTheme.typography.bodyLarge)
        is ReaderBlock.Definition -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(block.term, style = MaterialTheme.typography.titleMedium)
                Text(block.meaning)
            }
        }
        is ReaderBlock.Quote -> Column(pad.padding(start = 16.dp)) {
            Text(tr("lesson_quote", block.text), fontStyle = FontStyle.Italic)
            Text(tr("lesson_source", block.source), style = MaterialTheme.typography.bodyMedium)
        }
        is ReaderBlock.Principles -> Column(pad) {
            block.items.forEachIndexed { i, item -> Text(tr("lesson_numbered", i + 1, item), Modifier.padding(vertical = 2.dp)) }
            Text(tr("lesson_source", block.source), style = MaterialTheme.typography.bodyMedium)
        }
        is ReaderBlock.QuestionAnswer -> Column(pad) {
            Text(block.question, style = MaterialTheme.typography.titleSmall)
            if (block.revealed) Text(block.answer)
            else TextButton(onClick = { vm.revealAnswer(block.question) }) { Text(tr("lesson_show_answer")) }
        }
        is ReaderBlock.Video -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(block.title, style = MaterialTheme.typography.titleSmall)
                val url = block.url
                if (url == null) {
                    Text(tr("lesson_video_unavailable"), style = MaterialTheme.typography.bodyMedium)
                } else {
                    val uri = LocalUriHandler.current
                    TextButton(onClick = { uri.openUri(url) }) { Text(tr("lesson_video_watch")) }
                }
            }
        }
        is ReaderBlock.Reflection -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(tr("lesson_reflect"), style = MaterialTheme.typography.labelLarge)
                Text(block.text)
            }
        }
        is ReaderBlock.SelfCheck -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(tr("lesson_self_check"), style = MaterialTheme.typography.labelLarge)
                Text(block.question, style = MaterialTheme.typography.titleSmall)
                Column(Modifier.selectableGroup()) {
                    block.choices.forEachIndexed { i, choice ->
                        Row(
                            Modifier.fillMaxWidth().selectable(
                                selected = block.chosen == i,
                                enabled = !block.answered,
                                role = Role.RadioButton,
                                onClick = { vm.answer(block.id, i) },
                            ).padding(vertical = 12.dp),
                            verticalAlignment = Alignment.CenterVertically,
                        ) {
                            RadioButton(selected = block.chosen == i, onClick = null, enabled = !block.answered)
                            Text(choice, Modifier.padding(start = 8.dp))
                        }
                    }
                }
                if (block.answered) {
                    Text(
                        tr(if (block.correct) "lesson_correct" else "lesson_not_quite"),
                        style = MaterialTheme.typography.titleSmall,
                    )
                    block.explanation?.let { Text(it) }
                    if (!block.correct) Button(onClick = { vm.retry(block.id) }) { Text(tr("lesson_try_again")) }
                }
            }
        }
    }
}
