//! The pure part of check-in reminders: checking a schedule, and the next reminder instants in
//! its time zone. No I/O and no clock: callers pass `after`.
//!
//! Daylight saving, the one rule for every zone:
//! - a time that does not exist that day (02:30 on a spring-forward day) fires at the first
//!   instant after the gap (03:00 on the new clock), never an hour late;
//! - a time that happens twice (01:30 on a fall-back day) fires once, the first time;
//! - two picked times that land on the same instant (02:15 and 02:45 both in a gap) fire once.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{AmbiguousOffset, TimeZone};
use serde::{Deserialize, Serialize};

use super::ReminderError;

/// Most times of day in one schedule.
pub const MAX_TIMES: usize = 12;
/// Most reminder instants one call returns.
pub const MAX_COUNT: u32 = 200;

/// A day of the week (ISO order, Monday first).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, uniffi::Enum,
)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    fn of(date: Date) -> Weekday {
        Weekday::ALL[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())]
    }

    /// Three-letter English name (`mon` ... `sun`), the CLI's form.
    pub fn short_name(self) -> &'static str {
        match self {
            Weekday::Monday => "mon",
            Weekday::Tuesday => "tue",
            Weekday::Wednesday => "wed",
            Weekday::Thursday => "thu",
            Weekday::Friday => "fri",
            Weekday::Saturday => "sat",
            Weekday::Sunday => "sun",
        }
    }

    /// Reads `mon`, `monday`, `Mon`... (English, any case).
    pub fn parse(text: &str) -> Option<Weekday> {
        let t = text.trim().to_ascii_lowercase();
        Weekday::ALL
            .into_iter()
            .find(|d| t.len() >= 3 && format!("{d:?}").to_ascii_lowercase().starts_with(&t))
    }
}

/// A time of day on the person's clock.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, uniffi::Record,
)]
pub struct ReminderTime {
    /// 0 to 23.
    pub hour: u8,
    /// 0 to 59.
    pub minute: u8,
}

impl ReminderTime {
    /// `HH:MM`.
    pub fn to_text(self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }

    /// Reads `H:MM` or `HH:MM` (24-hour clock).
    pub fn parse(text: &str) -> Result<ReminderTime, ReminderError> {
        let bad = || ReminderError::InvalidInput("times look like 08:30 (24-hour clock)".into());
        let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
        if h.is_empty() || h.len() > 2 || m.len() != 2 {
            return Err(bad());
        }
        let t = ReminderTime {
            hour: h.parse().map_err(|_| bad())?,
            minute: m.parse().map_err(|_| bad())?,
        };
        t.check()?;
        Ok(t)
    }

    fn check(self) -> Result<(), ReminderError> {
        if self.hour > 23 || self.minute > 59 {
            return Err(ReminderError::InvalidInput(
                "a time needs an hour 0-23 and a minute 0-59".into(),
            ));
        }
        Ok(())
    }

    fn civil(self) -> Time {
        // Checked by `check` when the schedule was made.
        Time::new(self.hour as i8, self.minute as i8, 0, 0).unwrap_or(Time::MIN)
    }
}

/// When the person wants a check-in reminder: which days, which times, in which time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, uniffi::Record)]
pub struct ReminderSchedule {
    /// At least one day.
    pub days: Vec<Weekday>,
    /// At least one time, at most [`MAX_TIMES`].
    pub times: Vec<ReminderTime>,
    /// An IANA time zone name, such as `Europe/Madrid`: the clock the times are read on.
    pub time_zone: String,
}

impl ReminderSchedule {
    /// Checks the schedule and returns it normalised (days and times sorted, without repeats,
    /// the zone name trimmed), with its time zone.
    pub fn normalized(self) -> Result<(ReminderSchedule, TimeZone), ReminderError> {
        let mut days = self.days;
        days.sort();
        days.dedup();
        let mut times = self.times;
        for t in &times {
            t.check()?;
        }
        times.sort();
        times.dedup();
        if days.is_empty() {
            return Err(ReminderError::InvalidInput(
                "a schedule needs at least one day".into(),
            ));
        }
        if times.is_empty() || times.len() > MAX_TIMES {
            return Err(ReminderError::InvalidInput(format!(
                "a schedule needs 1 to {MAX_TIMES} times of day"
            )));
        }
        let time_zone = self.time_zone.trim().to_string();
        let tz = crate::tzdb::zone(&time_zone)?;
        Ok((
            ReminderSchedule {
                days,
                times,
                time_zone,
            },
            tz,
        ))
    }
}

/// How a reminder's instant relates to the time picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ReminderShift {
    /// At the time picked.
    OnTime,
    /// The time picked does not exist that day (clocks sprang forward over it): at the first
    /// instant after the gap.
    AfterGap,
    /// The time picked happens twice that day (clocks fell back): the first of the two.
    FirstOfRepeated,
}

/// One reminder to schedule as a local notification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ReminderInstant {
    /// When to fire, Unix milliseconds (what the app hands the OS).
    pub at_ms: i64,
    /// The person's local date that day (`YYYY-MM-DD`).
    pub local_date: String,
    /// What the person's clock reads when it fires (`HH:MM`).
    pub local_time: String,
    /// The offset from UTC then, in seconds (differs either side of a DST change).
    pub utc_offset_seconds: i32,
    pub weekday: Weekday,
    /// The time the person picked.
    pub scheduled: ReminderTime,
    pub shift: ReminderShift,
}

/// The instant `time` on `date` fires in `tz`, per the rules of the module comment.
fn fire_at(tz: &TimeZone, date: Date, time: ReminderTime) -> Option<(Timestamp, ReminderShift)> {
    let dt: DateTime = date.to_datetime(time.civil());
    match tz.to_ambiguous_timestamp(dt).offset() {
        AmbiguousOffset::Unambiguous { offset } => {
            Some((offset.to_timestamp(dt).ok()?, ReminderShift::OnTime))
        }
        AmbiguousOffset::Fold { before, .. } => Some((
            before.to_timestamp(dt).ok()?,
            ReminderShift::FirstOfRepeated,
        )),
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the later offset, the wall time is an instant before the transition;
            // the transition that follows it is the first instant after the gap.
            let early = after.to_timestamp(dt).ok()?;
            let t = tz.following(early).next()?.timestamp();
            Some((t, ReminderShift::AfterGap))
        }
    }
}

/// The next `count` reminders strictly after `after_ms`, earliest first. `schedule` must come
/// from [`ReminderSchedule::normalized`] (with its zone `tz`).
pub fn next_instants(
    schedule: &ReminderSchedule,
    tz: &TimeZone,
    after_ms: i64,
    count: u32,
) -> Result<Vec<ReminderInstant>, ReminderError> {
    if count == 0 || count > MAX_COUNT {
        return Err(ReminderError::InvalidInput(format!(
            "ask for 1 to {MAX_COUNT} reminders"
        )));
    }
    let after = Timestamp::from_millisecond(after_ms)
        .map_err(|_| ReminderError::InvalidInput("time out of range".into()))?;
    let count = count as usize;
    let mut out: Vec<ReminderInstant> = Vec::with_capacity(count);
    // Start the day before: a reminder late on the previous local day may still be ahead
    // when the zone's offset changes around `after`.
    let mut date = tz.to_datetime(after).date().yesterday().ok();
    // Each week holds at least one reminder, so this many days always suffice.
    for _ in 0..(count + 2) * 7 {
        let Some(day) = date else { break };
        if schedule.days.contains(&Weekday::of(day)) {
            for &time in &schedule.times {
                let Some((at, shift)) = fire_at(tz, day, time) else {
                    continue;
                };
                let at_ms = at.as_millisecond();
                // Two times in one gap land on the same instant: fire once.
                if at <= after || out.last().is_some_and(|r| r.at_ms >= at_ms) {
                    continue;
                }
                let local = tz.to_datetime(at);
                out.push(ReminderInstant {
                    at_ms,
                    local_date: local.date().to_string(),
                    local_time: format!("{:02}:{:02}", local.hour(), local.minute()),
                    utc_offset_seconds: tz.to_offset(at).seconds(),
                    weekday: Weekday::of(day),
                    scheduled: time,
                    shift,
                });
                if out.len() == count {
                    return Ok(out);
                }
            }
        }
        date = day.tomorrow().ok();
    }
    Ok(out)
}
