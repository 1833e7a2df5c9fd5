package org.lantern.core

import java.nio.file.Files
import java.time.Instant
import java.time.LocalDate
import java.time.ZoneId
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import uniffi.lantern.Milestone
import uniffi.lantern.ReminderSchedule
import uniffi.lantern.ReminderShift
import uniffi.lantern.ReminderTime
import uniffi.lantern.Scope
import uniffi.lantern.Weekday
import uniffi.lantern.formatScope
import uniffi.lantern.parseScope

/** Check-in reminders and recovery milestones through the wrapper, on the real core. */
class MomentsTest {
    private suspend fun openUnlocked(): LanternCore {
        val dir = Files.createTempDirectory("lantern-moments").toString()
        // Tests only: the production KDF is deliberately slow.
        val core = LanternCore.open(dir, Dispatchers.IO) { it.journal().setKdfIterationsForTests(2u) }
        core.journal.setUp("harbor lights at dusk")
        return core
    }

    private fun schedule(zone: String, vararg times: Pair<Int, Int>, days: List<Weekday> = listOf(Weekday.SUNDAY)) =
        ReminderSchedule(days, times.map { (h, m) -> ReminderTime(h.toUByte(), m.toUByte()) }, zone)

    @Test
    fun previewCrossesDaylightSavingByTheCoresRules() = runBlocking {
        val core = openUnlocked()
        core.use {
            // New York, 2026-03-08: 02:30 does not exist; the reminder fires at 03:00 EDT.
            val spring = it.reminders.preview(
                schedule("America/New_York", 2 to 30), Instant.parse("2026-03-07T12:00:00Z").toEpochMilli(), 1,
            )
            assertEquals(Instant.parse("2026-03-08T07:00:00Z").toEpochMilli(), spring[0].atMs)
            assertEquals("03:00", spring[0].localTime)
            assertEquals(ReminderShift.AFTER_GAP, spring[0].shift)
            // Madrid, 2026-10-25: 02:30 happens twice; it fires once, the first time (CEST).
            val fall = it.reminders.preview(
                schedule("Europe/Madrid", 2 to 30), Instant.parse("2026-10-24T00:00:00Z").toEpochMilli(), 2,
            )
            assertEquals(Instant.parse("2026-10-25T00:30:00Z").toEpochMilli(), fall[0].atMs)
            assertEquals(ReminderShift.FIRST_OF_REPEATED, fall[0].shift)
            assertEquals(Instant.parse("2026-11-01T01:30:00Z").toEpochMilli(), fall[1].atMs)
        }
    }

    @Test
    fun scheduleIsSavedNormalisedAndTurnsOff() = runBlocking {
        val core = openUnlocked()
        core.use {
            val saved = it.reminders.set(
                schedule("Europe/Madrid", 20 to 0, 8 to 30, 8 to 30, days = listOf(Weekday.THURSDAY, Weekday.MONDAY)),
            )
            assertEquals(listOf(Weekday.MONDAY, Weekday.THURSDAY), saved.days)
            assertEquals(listOf(ReminderTime(8u, 30u), ReminderTime(20u, 0u)), saved.times)
            assertEquals(saved, it.reminders.refresh())
            val next = it.reminders.next(5)
            assertEquals(5, next.size)
            assertTrue(next.zipWithNext().all { (a, b) -> a.atMs < b.atMs })
            assertTrue(next.all { r -> r.weekday == Weekday.MONDAY || r.weekday == Weekday.THURSDAY })

            assertFailsWith<LanternFailure.InvalidInput> { it.reminders.set(schedule("Europe/Nowhere", 9 to 0)) }
            assertFailsWith<LanternFailure.InvalidInput> { it.reminders.set(schedule("Europe/Madrid")) }
            assertEquals(saved, it.reminders.schedule.value)

            it.reminders.turnOff()
            assertNull(it.reminders.refresh())
            assertTrue(it.reminders.next(3).isEmpty())

            it.journal.lock()
            assertFailsWith<LanternFailure.Locked> { it.reminders.refresh() }
            val words = it.reminders.notification
            assertEquals("reminder.check_in", words.key)
            assertTrue(words.body.isNotBlank())
        }
    }

    @Test
    fun recoveryCountsMilestonesAndKeepsHistory() = runBlocking {
        val core = openUnlocked()
        core.use {
            assertNull(it.recovery.refresh())
            val zone = "Europe/Madrid"
            val today = LocalDate.now(ZoneId.of(zone))
            val status = it.recovery.setStart(today.minusDays(10).toString(), zone)
            assertEquals(10u, status.days)
            assertEquals(listOf(Milestone.Hours24, Milestone.OneWeek), status.reached.map { m -> m.milestone })
            assertEquals(Milestone.Days30, status.next?.milestone)
            assertEquals(20u, status.daysToNext)
            assertEquals("2 years", RecoveryService.words(Milestone.Years(2u)))

            assertFailsWith<LanternFailure.InvalidInput> { it.recovery.setStart(today.plusDays(1).toString(), zone) }
            val again = it.recovery.reset()
            assertEquals(0u, again.days)
            assertEquals(today.toString(), again.startDate)
            val history = it.recovery.history()
            assertEquals(1, history.size)
            assertEquals(10u, history[0].days)

            it.recovery.clear()
            assertNull(it.recovery.status.value)
            assertFailsWith<LanternFailure.NotFound> { it.recovery.reset() }
            assertEquals(Scope.RecoveryCount, parseScope("recovery-count"))
            assertEquals("recovery-count", formatScope(Scope.RecoveryCount))
        }
    }
}
