package org.lantern.core

import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import uniffi.lantern.ReminderInstant
import uniffi.lantern.ReminderNotification
import uniffi.lantern.ReminderSchedule
import uniffi.lantern.Reminders
import uniffi.lantern.previewReminders
import uniffi.lantern.reminderNotification

/**
 * Check-in reminders, off the main thread. The schedule is sealed in the core; the app asks for
 * the next instants ([next]) while the journal is unlocked and hands them to the OS as local
 * notifications (AlarmManager / WorkManager), always with the fixed words of [notification],
 * never anything from the journal. Reschedule after [set], [turnOff], each unlock, a time zone
 * change (`ACTION_TIMEZONE_CHANGED`) and a reboot.
 */
class RemindersService internal constructor(
    private val reminders: Reminders,
    private val calls: CoreCalls,
) {
    private val _schedule = MutableStateFlow<ReminderSchedule?>(null)
    /** The saved schedule; `null` when reminders are off (or before [refresh]). */
    val schedule: StateFlow<ReminderSchedule?> = _schedule.asStateFlow()

    suspend fun refresh(): ReminderSchedule? = calls.call { reminders.schedule() }.also { _schedule.value = it }

    /** Saves [schedule]; returns it as the core normalised it (sorted, without repeats). */
    suspend fun set(schedule: ReminderSchedule): ReminderSchedule =
        calls.call { reminders.setSchedule(schedule) }.also { _schedule.value = it }

    suspend fun turnOff() {
        calls.call { reminders.turnOff() }
        _schedule.value = null
    }

    /** The next [count] reminders from now, earliest first (empty when off). */
    suspend fun next(count: Int = 14): List<ReminderInstant> = calls.call { reminders.nextReminders(count.toUInt()) }

    /** The next reminders of a schedule still being picked (no unlock needed). */
    suspend fun preview(schedule: ReminderSchedule, afterMs: Long, count: Int = 3): List<ReminderInstant> =
        calls.call { previewReminders(schedule, afterMs, count.toUInt()) }

    /** The notification's words: fixed, never private. [ReminderNotification.key] names the app's translation. */
    val notification: ReminderNotification get() = reminderNotification()
}
