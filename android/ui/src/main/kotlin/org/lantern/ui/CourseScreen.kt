package org.lantern.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.foundation.text.KeyboardActions
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Search
import androidx.compose.material3.Card
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.ListItem
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.text.SpanStyle
import androidx.compose.ui.text.buildAnnotatedString
import androidx.compose.ui.text.font.FontWeight
import androidx.compose.ui.text.input.ImeAction
import androidx.compose.ui.text.withStyle
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.CourseViewModel
import org.lantern.presentation.TextRun

/** Course home: search, units with progress and score, a unit's lessons, bookmarks. */
@Composable
fun CourseScreen(core: LanternCore, onOpenLesson: (unitId: String, lessonId: String, sectionId: String?) -> Unit) {
    val vm = rememberScreenModel("course") { CourseViewModel(core.course, it) }
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }

    LazyColumn(Modifier.fillMaxSize().padding(horizontal = 16.dp)) {
        item {
            Title(s.courseTitle.ifEmpty { tr("tab_course") }, Modifier.padding(top = 16.dp))
            Row(verticalAlignment = Alignment.CenterVertically) {
                OutlinedTextField(
                    value = s.query,
                    onValueChange = vm::onQueryChange,
                    label = { Text(tr("course_search_label")) },
                    singleLine = true,
                    keyboardOptions = KeyboardOptions(imeAction = ImeAction.Search),
                    keyboardActions = KeyboardActions(onSearch = { vm.search() }),
                    modifier = Modifier.weight(1f),
                )
                IconButton(onClick = { vm.search() }) { Icon(Icons.Filled.Search, contentDescription = tr("action_search")) }
            }
            ErrorText(s.error)
        }
        val results = s.results
        if (results != null) {
            item {
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Text(trPlural("course_results", results.size, results.size), Modifier.weight(1f))
                    TextButton(onClick = vm::clearSearch) { Text(tr("action_clear")) }
                }
            }
            items(results) { hit ->
                val open = tr("course_open_lesson")
                ListItem(
                    headlineContent = { Text(hit.sectionTitle) },
                    overlineContent = { Text(hit.place) },
                    supportingContent = { Text(highlighted(hit.snippet)) },
                    modifier = Modifier.clickable(onClickLabel = open, role = Role.Button) { onOpenLesson(hit.unitId, hit.lessonId, hit.sectionId) },
                )
            }
        } else if (s.openUnitId == null) {
            items(s.units) { unit ->
                val progress = tr("course_unit_progress", unit.percentRead, unit.selfChecksCorrect, unit.selfChecksTotal)
                val open = tr("course_open_unit")
                Card(
                    Modifier.fillMaxWidth().padding(vertical = 6.dp)
                        .clickable(onClickLabel = open, role = Role.Button) { vm.openUnit(unit.id) }
                        .semantics(mergeDescendants = true) { contentDescription = "${unit.title}. $progress" },
                ) {
                    Column(Modifier.padding(16.dp)) {
                        Text(unit.title, style = MaterialTheme.typography.titleMedium)
                        LinearProgressIndicator(progress = { unit.percentRead / 100f }, modifier = Modifier.fillMaxWidth().padding(vertical = 8.dp))
                        Text(progress, style = MaterialTheme.typography.bodyMedium)
                    }
                }
            }
            if (s.bookmarks.isNotEmpty()) {
                item { SectionTitle(tr("course_bookmarks")) }
                items(s.bookmarks) { b ->
                    val open = tr("course_open_lesson")
                    ListItem(
                        headlineContent = { Text(b.title) },
                        modifier = Modifier.clickable(onClickLabel = open, role = Role.Button) { onOpenLesson(b.unitId, b.lessonId, b.sectionId) },
                    )
                }
            }
        } else {
            item { TextButton(onClick = vm::closeUnit) { Text(tr("course_all_units")) } }
            items(s.lessons) { lesson ->
                val open = tr("course_open_lesson")
                ListItem(
                    headlineContent = { Text(lesson.title) },
                    supportingContent = {
                        Text(
                            if (lesson.finished) tr("course_lesson_done")
                            else tr("course_lesson_progress", lesson.sectionsRead, lesson.sectionsTotal),
                        )
                    },
                    overlineContent = if (lesson.courseAuthored) ({ Text(tr("course_exercise_label")) }) else null,
                    modifier = Modifier.clickable(onClickLabel = open, role = Role.Button) { onOpenLesson(s.openUnitId.orEmpty(), lesson.id, null) },
                )
            }
        }
    }
}

private fun highlighted(runs: List<TextRun>) = buildAnnotatedString {
    runs.forEach { r -> if (r.match) withStyle(SpanStyle(fontWeight = FontWeight.Bold)) { append(r.text) } else append(r.text) }
}
