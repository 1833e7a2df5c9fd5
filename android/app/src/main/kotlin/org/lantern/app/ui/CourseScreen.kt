package org.lantern.app.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material3.Card
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.heading
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.SpanStyle
import androidx.compose.ui.text.buildAnnotatedString
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.withStyle
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.CourseViewModel
import org.lantern.presentation.TextRun

/** Course home: search, units with progress and score, a unit's lessons, bookmarks. */
@Composable
fun CourseScreen(core: LanternCore, onOpenLesson: (String, String) -> Unit) {
    val vm = rememberScreenModel("course") { CourseViewModel(core.course, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }

    LazyColumn(Modifier.padding(16.dp)) {
        item {
            Text(s.courseTitle, style = MaterialTheme.typography.headlineSmall, modifier = Modifier.semantics { heading() })
            OutlinedTextField(
                value = s.query,
                onValueChange = vm::onQueryChange,
                label = { Text(stringResource(R.string.course_search_label)) },
                singleLine = true,
                keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                keyboardActions = KeyboardActions(onSearch = { vm.search() }),
                modifier = Modifier.fillMaxWidth(),
            )
            ErrorText(s.error)
        }
        val results = s.results
        if (results != null) {
            item {
                Row {
                    Text(stringResource(R.string.course_results, results.size), Modifier.weight(1f))
                    TextButton(onClick = vm::clearSearch) { Text(stringResource(R.string.action_clear)) }
                }
            }
            items(results) { hit ->
                ListItem(
                    headlineContent = { Text(hit.sectionTitle) },
                    overlineContent = { Text(hit.place) },
                    supportingContent = { Text(highlighted(hit.snippet)) },
                    modifier = Modifier.clickable { onOpenLesson(hit.unitId, hit.lessonId) },
                )
            }
        } else if (s.openUnitId == null) {
            items(s.units) { unit ->
                val progress = stringResource(R.string.course_unit_progress, unit.percentRead, unit.selfChecksCorrect, unit.selfChecksTotal)
                Card(
                    Modifier.fillMaxWidth().padding(vertical = 6.dp).clickable { vm.openUnit(unit.id) }
                        .semantics(mergeDescendants = true) { contentDescription = "${unit.title}. $progress" },
                ) {
                    Column(Modifier.padding(16.dp)) {
                        Text(unit.title, style = MaterialTheme.typography.titleMedium)
                        LinearProgressIndicator(progress = { unit.percentRead / 100f }, modifier = Modifier.fillMaxWidth().padding(vertical = 8.dp))
                        Text(progress, style = MaterialTheme.typography.bodySmall)
                    }
                }
            }
            if (s.bookmarks.isNotEmpty()) {
                item { Text(stringResource(R.string.course_bookmarks), style = MaterialTheme.typography.titleMedium, modifier = Modifier.semantics { heading() }) }
                items(s.bookmarks) { b ->
                    ListItem(headlineContent = { Text(b.title) }, modifier = Modifier.clickable { onOpenLesson(b.unitId, b.lessonId) })
                }
            }
        } else {
            item { TextButton(onClick = vm::closeUnit) { Text(stringResource(R.string.course_all_units)) } }
            items(s.lessons) { lesson ->
                ListItem(
                    headlineContent = { Text(lesson.title) },
                    supportingContent = {
                        Text(
                            if (lesson.finished) stringResource(R.string.course_lesson_done)
                            else stringResource(R.string.course_lesson_progress, lesson.sectionsRead, lesson.sectionsTotal),
                        )
                    },
                    overlineContent = { if (lesson.courseAuthored) Text(stringResource(R.string.course_exercise_label)) },
                    modifier = Modifier.clickable { onOpenLesson(s.openUnitId.orEmpty(), lesson.id) },
                )
            }
        }
    }
}

private fun highlighted(runs: List<TextRun>) = buildAnnotatedString {
    runs.forEach { r -> if (r.match) withStyle(SpanStyle(fontWeight = FontWeight.Bold)) { append(r.text) } else append(r.text) }
}
