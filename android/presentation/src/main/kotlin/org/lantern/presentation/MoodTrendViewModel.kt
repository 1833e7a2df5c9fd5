package org.lantern.presentation

import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import org.lantern.core.JournalService

/** How far back the chart looks, and whether it plots days or weeks. */
enum class TrendRange(val days: Int, val weekly: Boolean) { Week(7, false), Month(30, false), Quarter(91, true), Year(365, true) }

/** One point of the chart: [label] is the period's first day (yyyy-mm-dd). */
data class TrendPoint(val label: String, val average: Double, val samples: Int)

data class MoodTrendUiState(
    val range: TrendRange = TrendRange.Month,
    val loading: Boolean = true,
    val points: List<TrendPoint> = emptyList(),
    /** Overall average over the range, weighted by samples; null when there is no mood yet. */
    val average: Double? = null,
    val error: UiError? = null,
) {
    /** The chart is only drawn with two points or more; otherwise the screen explains why. */
    val enoughData: Boolean get() = points.size >= 2
}

/** The mood trend chart: daily or weekly averages computed by the core on the device. */
class MoodTrendViewModel(
    private val journal: JournalService,
    private val scope: CoroutineScope,
    private val clock: Clock = Clock.System,
) {
    private val _state = MutableStateFlow(MoodTrendUiState())
    val state: StateFlow<MoodTrendUiState> = _state.asStateFlow()

    fun select(range: TrendRange): Job {
        _state.update { it.copy(range = range, loading = true) }
        return load()
    }

    fun load(): Job = scope.launch {
        val range = _state.value.range
        val to = clock.today().second
        val from = to - range.days * DAY_MS
        val trends = attempt { journal.moodTrends(from, to, clock.utcOffsetMinutes()) }
        _state.update { s ->
            trends.getOrNull()?.let { t ->
                val series = if (range.weekly) t.weekly else t.daily
                val points = series.map { TrendPoint(it.periodStart, it.average, it.samples.toInt()) }
                val samples = points.sumOf { it.samples }
                s.copy(
                    loading = false,
                    points = points,
                    average = if (samples == 0) null else points.sumOf { it.average * it.samples } / samples,
                    error = null,
                )
            } ?: s.copy(loading = false, error = trends.uiError())
        }
    }

    private companion object {
        const val DAY_MS = 86_400_000L
    }
}
