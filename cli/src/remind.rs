//! `lantern remind set | list | next | off`: check-in reminders from a terminal.
//!
//! The schedule is sealed under the journal's vault, so each command unlocks it
//! (`LANTERN_PASSPHRASE` or a prompt). Times are on the 24-hour clock of an IANA time zone
//! (`--zone`, default the system's). A terminal has no notifications: `next` prints the
//! instants an app would schedule, one per line, tab-separated.

use std::path::Path;

use clap::Subcommand;
use lantern_core::reminders::{ReminderSchedule, ReminderShift, ReminderTime, Weekday};

use crate::sharing::unlocked;

/// Reminder commands.
#[derive(Subcommand)]
pub enum RemindCommand {
    /// Sets the reminder days and times (replacing any earlier schedule).
    Set {
        /// Days: mon,tue,... or `daily` (comma-separated or repeated).
        #[arg(long = "day", value_delimiter = ',', required = true)]
        days: Vec<String>,
        /// Times of day, 24-hour HH:MM (comma-separated or repeated).
        #[arg(long = "time", value_delimiter = ',', required = true)]
        times: Vec<String>,
        /// IANA time zone, e.g. Europe/Madrid (default: this system's).
        #[arg(long)]
        zone: Option<String>,
    },
    /// Prints the schedule (`off` when there is none).
    List,
    /// Prints the next reminders: local date, day, local time, UTC offset, what changed, UTC.
    Next {
        #[arg(long, default_value_t = 5)]
        count: u32,
    },
    /// Turns reminders off (the schedule is deleted).
    Off,
}

/// The system's IANA time zone name (`TZ`, else `/etc/localtime`), for `--zone`'s default.
pub fn system_zone() -> Result<String, String> {
    jiff::tz::TimeZone::try_system()
        .ok()
        .and_then(|tz| tz.iana_name().map(str::to_string))
        .ok_or_else(|| {
            "cannot tell this system's time zone: pass --zone, e.g. Europe/Madrid".into()
        })
}

fn parse_days(days: &[String]) -> Result<Vec<Weekday>, String> {
    let mut out = Vec::new();
    for d in days {
        if d.trim().eq_ignore_ascii_case("daily") {
            out.extend(Weekday::ALL);
        } else {
            out.push(Weekday::parse(d).ok_or_else(|| {
                format!("unknown day {:?} (use mon, tue, ... or daily)", d.trim())
            })?);
        }
    }
    Ok(out)
}

fn days_text(days: &[Weekday]) -> String {
    let names: Vec<&str> = days.iter().map(|d| d.short_name()).collect();
    names.join(",")
}

fn times_text(times: &[ReminderTime]) -> String {
    let t: Vec<String> = times.iter().map(|t| t.to_text()).collect();
    t.join(",")
}

fn print_schedule(s: &ReminderSchedule) {
    println!("days\t{}", days_text(&s.days));
    println!("times\t{}", times_text(&s.times));
    println!("zone\t{}", s.time_zone);
}

/// Runs one `lantern remind` command.
pub fn run(data_dir: &Path, cmd: RemindCommand) -> Result<(), String> {
    let lantern = unlocked(data_dir)?;
    let reminders = lantern.reminders();
    match cmd {
        RemindCommand::Set { days, times, zone } => {
            let schedule = ReminderSchedule {
                days: parse_days(&days)?,
                times: times
                    .iter()
                    .map(|t| ReminderTime::parse(t).map_err(|e| e.to_string()))
                    .collect::<Result<_, _>>()?,
                time_zone: match zone {
                    Some(z) => z,
                    None => system_zone()?,
                },
            };
            let saved = reminders
                .set_schedule(schedule)
                .map_err(|e| e.to_string())?;
            print_schedule(&saved);
        }
        RemindCommand::List => match reminders.schedule().map_err(|e| e.to_string())? {
            Some(s) => print_schedule(&s),
            None => println!("off"),
        },
        RemindCommand::Next { count } => {
            for r in reminders.next_reminders(count).map_err(|e| e.to_string())? {
                let offset = r.utc_offset_seconds;
                let shift = match r.shift {
                    ReminderShift::OnTime => "on-time".to_string(),
                    ReminderShift::AfterGap => {
                        format!(
                            "moved: {} skipped by the clock change",
                            r.scheduled.to_text()
                        )
                    }
                    ReminderShift::FirstOfRepeated => {
                        format!("once: {} happens twice today", r.scheduled.to_text())
                    }
                };
                println!(
                    "{}\t{}\t{}\tUTC{}{:02}:{:02}\t{}\t{}",
                    r.local_date,
                    r.weekday.short_name(),
                    r.local_time,
                    if offset < 0 { '-' } else { '+' },
                    offset.abs() / 3600,
                    offset.abs() % 3600 / 60,
                    shift,
                    lantern_core::journal::format_utc(r.at_ms)
                );
            }
        }
        RemindCommand::Off => {
            reminders.turn_off().map_err(|e| e.to_string())?;
            println!("off");
        }
    }
    Ok(())
}
