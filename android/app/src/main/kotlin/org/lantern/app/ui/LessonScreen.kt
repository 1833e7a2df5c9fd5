package org.lantern.app.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.selection.selectable
import androidx.compose.material3.Button
import androidx.compose.material3.Card
import androidx.compose.material3.IconToggleButton
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Bookmark
import androidx.compose.material.icons.filled.BookmarkBorder
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.platform.LocalUriHandler
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.LessonViewModel
import org.lantern.presentation.ReaderBlock

/** The lesson reader: draws every block kind the view model hands it. */
@Composable
fun LessonScreen(core: LanternCore, unitId: String, lessonId: String) {
    val vm = rememberScreenModel("lesson/$unitId/$lessonId") { LessonViewModel(core.course, it, unitId, lessonId) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    LazyColumn(Modifier.padding(16.dp)) {
        item {
            Text(s.unitTitle, style = MaterialTheme.typography.labelLarge)
            androidx.compose.foundation.layout.Row {
                Text(s.title, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.weight(1f).semantics { heading() })
                IconToggleButton(checked = s.bookmarked, onCheckedChange = { vm.toggleBookmark() }) {
                    Icon(
                        if (s.bookmarked) Icons.Filled.Bookmark else Icons.Filled.BookmarkBorder,
                        contentDescription = stringResource(if (s.bookmarked) R.string.lesson_bookmark_remove else R.string.lesson_bookmark_add),
                    )
                }
            }
            if (s.courseAuthored) Text(stringResource(R.string.course_exercise_label), style = MaterialTheme.typography.labelMedium)
            ErrorText(s.error)
        }
        items(s.sections) { section ->
            Column(Modifier.padding(vertical = 12.dp)) {
                Text(section.title, style = MaterialTheme.typography.titleLarge, modifier = Modifier.semantics { heading() })
                section.blocks.forEach { Block(it, vm) }
                if (section.read) {
                    Text(stringResource(R.string.lesson_section_read), style = MaterialTheme.typography.labelMedium)
                } else {
                    OutlinedButton(onClick = { vm.markRead(section.id) }) { Text(stringResource(R.string.lesson_mark_read)) }
                }
            }
        }
    }
}

@Composable
private fun Block(block: ReaderBlock, vm: LessonViewModel) {
    val pad = Modifier.padding(vertical = 6.dp)
    when (block) {
        is ReaderBlock.Paragraph -> Text(block.text, pad)
        is ReaderBlock.Definition -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(block.term, style = MaterialTheme.typography.titleMedium)
                Text(block.meaning)
            }
        }
        is ReaderBlock.Quote -> Column(pad.padding(start = 16.dp)) {
            Text("“${block.text}”", fontStyle = FontStyle.Italic)
            Text(stringResource(R.string.lesson_source, block.source), style = MaterialTheme.typography.bodySmall)
        }
        is ReaderBlock.Principles -> Column(pad) {
            block.items.forEachIndexed { i, item -> Text("${i + 1}. $item", Modifier.padding(vertical = 2.dp)) }
            Text(stringResource(R.string.lesson_source, block.source), style = MaterialTheme.typography.bodySmall)
        }
        is ReaderBlock.QuestionAnswer -> Column(pad) {
            Text(block.question, style = MaterialTheme.typography.titleSmall)
            if (block.revealed) Text(block.answer)
            else TextButton(onClick = { vm.revealAnswer(block.question) }) { Text(stringResource(R.string.lesson_show_answer)) }
        }
        is ReaderBlock.Video -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(block.title, style = MaterialTheme.typography.titleSmall)
                val url = block.url
                if (url == null) {
                    Text(stringResource(R.string.lesson_video_unavailable), style = MaterialTheme.typography.bodySmall)
                } else {
                    val uri = LocalUriHandler.current
                    TextButton(onClick = { uri.openUri(url) }) { Text(stringResource(R.string.lesson_video_watch)) }
                }
            }
        }
        is ReaderBlock.Reflection -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(stringResource(R.string.lesson_reflect), style = MaterialTheme.typography.labelLarge)
                Text(block.text)
            }
        }
        is ReaderBlock.SelfCheck -> Card(pad.fillMaxWidth()) {
            Column(Modifier.padding(12.dp)) {
                Text(stringResource(R.string.lesson_self_check), style = MaterialTheme.typography.labelLarge)
                Text(block.question, style = MaterialTheme.typography.titleSmall)
                block.choices.forEachIndexed { i, choice ->
                    androidx.compose.foundation.layout.Row(
                        Modifier.fillMaxWidth().selectable(
                            selected = block.chosen == i,
                            enabled = !block.answered,
                            role = Role.RadioButton,
                            onClick = { vm.answer(block.id, i) },
                        ).padding(vertical = 4.dp),
                    ) {
                        RadioButton(selected = block.chosen == i, onClick = null)
                        Text(choice, Modifier.padding(start = 8.dp))
                    }
                }
                if (block.answered) {
                    Text(
                        stringResource(if (block.correct) R.string.lesson_correct else R.string.lesson_not_quite),
                        style = MaterialTheme.typography.titleSmall,
                    )
                    block.explanation?.let { Text(it) }
                    if (!block.correct) Button(onClick = { vm.retry(block.id) }) { Text(stringResource(R.string.lesson_try_again)) }
                }
            }
        }
    }
}
