package org.lantern.desktop

import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.withFrameNanos
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import org.lantern.presentation.CaseloadViewModel
import org.lantern.presentation.CourseViewModel
import org.lantern.presentation.LessonViewModel
import org.lantern.ui.Destination
import java.io.File
import java.lang.management.ManagementFactory

/**
 * `lantern-desktop --measure` (run by `cargo xtask desktop --measure`): the budget figures of
 * Lantern Desktop, printed, never asserted. First frame: from the JVM's start to the first frame
 * that draws the course list's units. Memory: resident set size after opening ten lessons and,
 * when `LANTERN_MEASURE_PASSPHRASE` unlocks a data directory with a caseload (`cargo xtask
 * bench-ui` seeds one of 20 peers), the caseload and every peer's page.
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
            // Ten lesson openings, the course's lessons in turn (the bundled course has fewer).
            val openings = if (lessons.isEmpty()) emptyList() else List(LESSONS) { lessons[it % lessons.size] }
            for ((unit, lesson) in openings) {
                val destination = Destination.Lesson(unit, lesson)
                session.state.open(destination)
                val vm = models.get(destination.key) { LessonViewModel(session.core.course, it, unit, lesson) }
                withTimeout(60_000) { vm.state.first { !it.loading } }
                withFrameNanos { }
                withFrameNanos { }
                session.state.back()
                opened++
            }
            val peers = openCaseload()

            System.gc()
            val rssAfter = residentKb()
            val caseload = if (peers > 0) " and a caseload of $peers peers (the list and each peer's page)" else " (no caseload: no LANTERN_MEASURE_PASSPHRASE)"
            println("lantern-desktop measure: first frame of the course list ${firstFrameMs} ms after JVM start (budget 2000 ms, ${"%.2f".format(firstFrameMs / 2000.0)}x of budget)")
            println("lantern-desktop measure: resident memory ${rssStart / 1024} MiB at first frame, ${rssAfter / 1024} MiB after $opened lesson openings (the course's ${lessons.size} lessons in turn)$caseload (budget 400 MiB, ${"%.2f".format(rssAfter / 1024.0 / 400.0)}x of budget)")
            onDone()
        }
    }

    /** Unlocks the journal, draws the caseload and opens every peer's page; the number of peers (0 when not asked to). */
    private suspend fun openCaseload(): Int {
        val passphrase = System.getenv("LANTERN_MEASURE_PASSPHRASE")?.takeIf { it.isNotEmpty() } ?: return 0
        session.core.journal.unlock(passphrase)
        session.state.selectTab(Destination.Caseload)
        val caseload = session.state.models.get("caseload") { CaseloadViewModel(session.core.sharing, session.preferences, it) }
        val loaded = withTimeout(60_000) { caseload.state.first { !it.loading && it.peers.isNotEmpty() } }
        withFrameNanos { }
        withFrameNanos { }
        for (peer in loaded.peers) {
            session.state.open(Destination.Peer(peer.connectionId))
            withTimeout(60_000) { caseload.state.first { it.open?.connectionId == peer.connectionId } }
            withFrameNanos { }
            withFrameNanos { }
            session.state.back()
        }
        return loaded.peers.size
    }

    private fun residentKb(): Long =
        File("/proc/self/status").readLines().firstOrNull { it.startsWith("VmRSS:") }
            ?.split(Regex("\\s+"))?.getOrNull(1)?.toLongOrNull() ?: -1

    private companion object {
        const val LESSONS = 10
    }
}
