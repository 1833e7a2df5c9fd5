package org.lantern.presentation

import java.time.Instant
import java.time.ZoneId
import java.time.ZonedDateTime

/** Wall-clock time and the person's time zone; tests pass a fixed one. */
interface Clock {
    fun nowMs(): Long
    fun zone(): ZoneId

    /** Minutes east of UTC now, as the core's mood trends expect. */
    fun utcOffsetMinutes(): Int = zone().rules.getOffset(Instant.ofEpochMilli(nowMs())).totalSeconds / 60

    /** Today's local midnight to the next, in Unix ms. */
    fun today(): Pair<Long, Long> {
        val start = ZonedDateTime.ofInstant(Instant.ofEpochMilli(nowMs()), zone()).toLocalDate().atStartOfDay(zone())
        return start.toInstant().toEpochMilli() to start.plusDays(1).toInstant().toEpochMilli()
    }

    object System : Clock {
        override fun nowMs() = java.lang.System.currentTimeMillis()
        override fun zone(): ZoneId = ZoneId.systemDefault()
    }
}
