package org.lantern.app.ui

import androidx.compose.foundation.Canvas
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.geometry.Offset
import androidx.compose.ui.graphics.Path
import androidx.compose.ui.graphics.drawscope.Stroke
import androidx.compose.ui.res.stringResource
import androidx.compose.ui.semantics.contentDescription
import androidx.compose.ui.semantics.semantics
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import org.lantern.app.R
import org.lantern.core.LanternCore
import org.lantern.presentation.MoodTrendViewModel
import org.lantern.presentation.TrendRange

/** Mood trend: a line of averages (1-5) drawn from the view model's points. */
@Composable
fun MoodTrendScreen(core: LanternCore) {
    SecureScreen()
    val vm = rememberScreenModel("trends") { MoodTrendViewModel(core.journal, it) }
    val s by vm.state.collectAsStateWithLifecycle()
    LaunchedEffect(Unit) { vm.load() }
    val rangeLabels = mapOf(
        TrendRange.Week to R.string.trend_week, TrendRange.Month to R.string.trend_month,
        TrendRange.Quarter to R.string.trend_quarter, TrendRange.Year to R.string.trend_year,
    )
    Column(Modifier.padding(16.dp)) {
        Title(R.string.trend_title)
        Row {
            TrendRange.entries.forEach { r ->
                FilterChip(selected = s.range == r, onClick = { vm.select(r) }, label = { Text(stringResource(rangeLabels.getValue(r))) }, modifier = Modifier.padding(end = 4.dp))
            }
        }
        s.average?.let { Text(stringResource(R.string.trend_average, it)) }
        if (!s.loading && !s.enoughData) Text(stringResource(R.string.trend_not_enough))
        if (s.enoughData) {
            val color = MaterialTheme.colorScheme.primary
            val summary = stringResource(R.string.trend_chart_description, s.points.size, s.average ?: 0.0)
            Canvas(Modifier.fillMaxWidth().height(200.dp).padding(vertical = 16.dp).semantics { contentDescription = summary }) {
                val step = size.width / (s.points.size - 1)
                val path = Path()
                s.points.forEachIndexed { i, p ->
                    val point = Offset(i * step, size.height * (1f - ((p.average - 1.0) / 4.0).toFloat()))
                    if (i == 0) path.moveTo(point.x, point.y) else path.lineTo(point.x, point.y)
                    drawCircle(color, radius = 4.dp.toPx(), center = point)
                }
                drawPath(path, color, style = Stroke(width = 2.dp.toPx()))
            }
        }
        ErrorText(s.error)
    }
}
