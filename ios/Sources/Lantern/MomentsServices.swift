import Foundation
import LanternCore

/// Check-in reminders, off the main actor. The schedule is sealed in the core; the app asks for
/// the next instants while the journal is unlocked and schedules each as a one-off local
/// notification at that exact instant (not a repeating calendar trigger: the core has already
/// applied the daylight-saving rules), always with the fixed words of `notification`, never
/// anything from the journal. Reschedule after `set`, `turnOff`, each unlock and
/// `NSSystemTimeZoneDidChange`.
public final class RemindersService: Sendable {
    let reminders: Reminders
    init(_ reminders: Reminders) { self.reminders = reminders }

    public func schedule() async throws -> ReminderSchedule? {
        try await coreCall { try self.reminders.schedule() }
    }

    /// Saves the schedule; returns it as the core normalised it (sorted, without repeats).
    public func set(_ schedule: ReminderSchedule) async throws -> ReminderSchedule {
        try await coreCall { try self.reminders.setSchedule(schedule: schedule) }
    }

    public func turnOff() async throws {
        try await coreCall { try self.reminders.turnOff() }
    }

    /// The next `count` reminders from now, earliest first (empty when off).
    public func next(count: UInt32 = 14) async throws -> [ReminderInstant] {
        try await coreCall { try self.reminders.nextReminders(count: count) }
    }

    /// The notification's words: fixed, never private; `key` names the app's translation.
    public var notification: ReminderNotification { reminderNotification() }
}

/// The recovery day count and milestones, off the main actor. The start date and the history
/// stay sealed in the core; sharing the count is the `.recoveryCount` consent scope.
public final class RecoveryService: Sendable {
    let recovery: Recovery
    init(_ recovery: Recovery) { self.recovery = recovery }

    public func status() async throws -> RecoveryStatus? {
        try await coreCall { try self.recovery.status() }
    }

    /// Sets or corrects the start date (`YYYY-MM-DD`), counted on `timeZone`'s calendar
    /// (`TimeZone.current.identifier`).
    public func setStart(_ startDate: String, timeZone: String = TimeZone.current.identifier) async throws -> RecoveryStatus {
        try await coreCall { try self.recovery.setStart(startDate: startDate, timeZone: timeZone) }
    }

    /// Starts again (`newStart` or today), keeping the current start in the private history.
    public func reset(newStart: String? = nil) async throws -> RecoveryStatus {
        try await coreCall { try self.recovery.reset(newStart: newStart) }
    }

    public func history() async throws -> [PreviousStart] {
        try await coreCall { try self.recovery.history() }
    }

    public func clear() async throws {
        try await coreCall { try self.recovery.clear() }
    }
}
