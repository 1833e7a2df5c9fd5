package org.lantern.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.collectAsState
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.platform.testTag
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import org.lantern.core.LanternCore
import org.lantern.presentation.MoodTrendViewModel
import org.lantern.presentation.TrendRange

/** Mood trend: a line of averages (1-5) drawn from the view model's points, described for screen readers. */
@OptIn(ExperimentalLayoutApi::class)
@Composable
fun MoodTrendScreen(core: LanternCore, key: String) {
    SecureScreen()
    val vm = rememberScreenModel(key) { MoodTrendViewModel(core.journal, it) }
    val s by vm.state.collectAsState()
    LaunchedEffect(vm) { vm.load() }
    ScreenColumn {
        Title(tr("trend_title"))
        FlowRow {
            TrendRange.entries.forEach { r ->
                FilterChip(
                    selected = s.range == r,
                    onClick = { vm.select(r) },
                    label = { Text(tr(RANGE_KEYS.getValue(r))) },
                    modifier = Modifier.padding(end = 4.dp),
                )
            }
        }
        s.average?.let { Text(tr("trend_average", it), style = MaterialTheme.typography.bodyLarge) }
        if (!s.loading && !s.enoughData) Text(tr("trend_not_enough"), style = MaterialTheme.typography.bodyLarge)
        if (s.enoughData) MoodChart(s.points.map { it.average }, tr("trend_chart_description", s.points.size, s.average ?: 0.0))
        ErrorText(s.error)
    }
}

private val RANGE_KEYS = mapOf(
    TrendRange.Week to "trend_week",
    TrendRange.Month to "trend_month",
    TrendRange.Quarter to "trend_quarter",
    TrendRange.Year to "trend_year",
)

/**
 * A line of mood averages (1-5, oldest first) with guide lines at 1, 3 and 5; [description] is
 * what screen readers hear. Needs at least two points.
 */
@Composable
fun MoodChart(averages: List<Double>, description: String, modifier: Modifier = Modifier) {
    if (averages.size < 2) return
    val line = MaterialTheme.colorScheme.primary
    val grid = MaterialTheme.colorScheme.outlineVariant
    Canvas(modifier.fillMaxWidth().height(200.dp).padding(vertical = 16.dp).testTag("mood-chart").semantics { contentDescription = description }) {
        for (m in listOf(1.0, 3.0, 5.0)) {
            val y = size.height * (1f - ((m - 1.0) / 4.0).toFloat())
            drawLine(grid, Offset(0f, y), Offset(size.width, y), strokeWidth = 1.dp.toPx())
        }
        val step = size.width / (averages.size - 1)
        val path = Path()
        averages.forEachIndexed { i, average ->
            val point = Offset(i * step, size.height * (1f - ((average - 1.0) / 4.0).toFloat()))
            if (i == 0) path.moveTo(point.x, point.y) else path.lineTo(point.x, point.y)
            drawCircle(line, radius = 4.dp.toPx(), center = point)
        }
        drawPath(path, line, style = Stroke(width = 2.dp.toPx()))
    }
}
