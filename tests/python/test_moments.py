"""Check-in reminders and recovery milestones through the Python bindings: typed records and
enums across the FFI, the daylight-saving rules, typed errors."""

from datetime import datetime, timezone

import pytest

from lantern import (
    Lantern,
    LanternError,
    Milestone,
    ReminderSchedule,
    ReminderShift,
    ReminderTime,
    Scope,
    Weekday,
    describe_milestone,
    parse_scope,
    preview_reminders,
    reminder_notification,
)


def ms(text):
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def test_preview_follows_the_dst_rules():
    # Sydney, 2026-10-04: 02:30 does not exist (02:00 AEST -> 03:00 AEDT).
    s = ReminderSchedule(days=[Weekday.SUNDAY], times=[ReminderTime(hour=2, minute=30)], time_zone="Australia/Sydney")
    [r] = preview_reminders(s, ms("2026-10-02T00:00:00"), 1)
    assert r.at_ms == ms("2026-10-03T16:00:00")
    assert (r.local_date, r.local_time, r.shift) == ("2026-10-04", "03:00", ReminderShift.AFTER_GAP)
    with pytest.raises(LanternError.InvalidInput):
        preview_reminders(ReminderSchedule(days=[], times=s.times, time_zone="Australia/Sydney"), 0, 1)
    assert reminder_notification().key == "reminder.check_in"


def test_schedule_and_recovery_are_sealed_and_typed(tmp_path):
    core = Lantern.open(str(tmp_path))
    journal = core.journal()
    journal.set_kdf_iterations_for_tests(2)
    journal.setup("harbor lights at dusk")
    reminders = core.reminders()
    saved = reminders.set_schedule(
        ReminderSchedule(days=[Weekday.FRIDAY, Weekday.MONDAY], times=[ReminderTime(hour=21, minute=0)], time_zone="Europe/Madrid")
    )
    assert saved.days == [Weekday.MONDAY, Weekday.FRIDAY]
    assert len(reminders.next_reminders(3)) == 3
    recovery = core.recovery()
    status = recovery.set_start("2025-01-01", "Europe/Madrid")
    assert status.reached[0].milestone == Milestone.HOURS24()
    assert describe_milestone(Milestone.YEARS(count=3)) == "3 years"
    assert parse_scope("recovery-count") == Scope.RECOVERY_COUNT()
    journal.lock()
    with pytest.raises(LanternError.Locked):
        reminders.schedule()
    with pytest.raises(LanternError.Locked):
        recovery.status()
