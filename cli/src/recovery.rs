//! `lantern recovery set | show | reset | history | clear`: the recovery day count and its
//! milestones from a terminal. The start date and the history are sealed under the journal's
//! vault (each command unlocks it). Sharing the count is a consent scope:
//! `lantern consent grant CONNECTION --scope recovery-count ...`.

use std::path::Path;

use clap::Subcommand;
use lantern_core::recovery::RecoveryStatus;

use crate::remind::system_zone;
use crate::sharing::unlocked;

/// Recovery commands.
#[derive(Subcommand)]
pub enum RecoveryCommand {
    /// Sets or corrects the start date (YYYY-MM-DD, not in the future); not a reset.
    Set {
        date: String,
        /// IANA time zone whose calendar counts the days (default: this system's).
        #[arg(long)]
        zone: Option<String>,
    },
    /// Shows the start, the days, the milestones reached and the next one.
    Show,
    /// Starts the count again (today, or --on DATE), keeping the current start in the history.
    Reset {
        #[arg(long)]
        on: Option<String>,
    },
    /// Lists earlier starts, newest first (private; never shared).
    History,
    /// Forgets the start date and the whole history.
    Clear,
}

fn print_status(s: &RecoveryStatus) {
    println!("start\t{}", s.start_date);
    println!("today\t{}\t{}", s.today, s.time_zone);
    println!("days\t{}", s.days);
    for m in &s.reached {
        println!("reached\t{}\t{}", m.milestone.describe(), m.date);
    }
    if let (Some(n), Some(left)) = (&s.next, s.days_to_next) {
        println!(
            "next\t{}\t{}\tin {left} days",
            n.milestone.describe(),
            n.date
        );
    }
}

/// Runs one `lantern recovery` command.
pub fn run(data_dir: &Path, cmd: RecoveryCommand) -> Result<(), String> {
    let lantern = unlocked(data_dir)?;
    let recovery = lantern.recovery();
    let err = |e: lantern_core::LanternError| e.to_string();
    match cmd {
        RecoveryCommand::Set { date, zone } => {
            let zone = match zone {
                Some(z) => z,
                None => system_zone()?,
            };
            print_status(&recovery.set_start(date, zone).map_err(err)?);
        }
        RecoveryCommand::Show => match recovery.status().map_err(err)? {
            Some(s) => print_status(&s),
            None => println!("not set"),
        },
        RecoveryCommand::Reset { on } => print_status(&recovery.reset(on).map_err(err)?),
        RecoveryCommand::History => {
            for p in recovery.history().map_err(err)? {
                println!("{}\t{}\t{} days", p.start_date, p.ended_on, p.days);
            }
        }
        RecoveryCommand::Clear => {
            recovery.clear().map_err(err)?;
            println!("cleared");
        }
    }
    Ok(())
}
