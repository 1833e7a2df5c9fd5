package org.lantern.desktop

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.withFrameNanos
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.lantern.presentation.CourseViewModel
import org.lantern.presentation.LessonViewModel
import org.lantern.ui.Destination
import java.io.File
import java.lang.management.ManagementFactory

/**
 * `lantern-desktop --measure` (run by `cargo xtask desktop --measure`): the budget figures of
 * Lantern Desktop, printed, never asserted. First frame: from the JVM's start to the first frame
 * that draws the course list's units. Memory: resident set size after opening ten lessons.
 */
class Measure(private val session: DesktopSession) {
    @Composable
    fun Run(onDone: () -> Unit) {
        LaunchedEffect(Unit) {
            val models = session.state.models
            val course = models.get("course") { CourseViewModel(session.core.course, it) }
            withTimeout(60_000) { course.state.first { it.units.isNotEmpty() } }
            withFrameNanos { }
            withFrameNanos { }
            val firstFrameMs = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().startTime
            val rssStart = residentKb()

            var opened = 0
            val lessons = session.core.course.units().flatMap { u -> session.core.course.lessons(u.id).map { u.id to it.id } }
            for ((unit, lesson) in lessons.take(LESSONS)) {
                val destination = Destination.Lesson(unit, lesson)
                session.state.open(destination)
                val vm = models.get(destination.key) { LessonViewModel(session.core.course, it, unit, lesson) }
                withTimeout(60_000) { vm.state.first { !it.loading } }
                withFrameNanos { }
                withFrameNanos { }
                session.state.back()
                opened++
            }
            System.gc()
            val rssAfter = residentKb()
            println("lantern-desktop measure: first frame of the course list ${firstFrameMs} ms after JVM start (budget 2000 ms, ${"%.2f".format(firstFrameMs / 2000.0)}x of budget)")
            println("lantern-desktop measure: resident memory ${rssStart / 1024} MiB at first frame, ${rssAfter / 1024} MiB after opening $opened lessons (budget 400 MiB, ${"%.2f".format(rssAfter / 1024.0 / 400.0)}x of budget)")
            println("lantern-desktop measure: caseload of 20 peers not measured yet (the caseload view comes with the typed sharing contract)")
            onDone()
        }
    }

    private fun residentKb(): Long =
        File("/proc/self/status").readLines().firstOrNull { it.startsWith("VmRSS:") }
            ?.split(Regex("\\s+"))?.getOrNull(1)?.toLongOrNull() ?: -1

    private companion object {
        const val LESSONS = 10
    }
}
