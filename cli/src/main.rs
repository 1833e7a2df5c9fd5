//! `lantern`: the terminal front end over the core's Rust API (not the FFI).
//! Scriptable: results on stdout, one-line errors on stderr, non-zero exit on failure.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod course;
mod demo;
mod journal;
mod recovery;
mod remind;
mod sharing;

use lantern_core::vault::VaultOptions;

#[derive(Parser)]
#[command(
    name = "lantern",
    version,
    about = "Lantern: peer-support companion (course, journal, consent-gated sharing)"
)]
struct Cli {
    /// Where Lantern keeps its data (default: a per-user directory).
    #[arg(long, global = true, env = "LANTERN_DATA_DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints where the data directory is.
    Where,
    /// The course: list, show, search, progress (also `lantern lessons`).
    #[command(alias = "lessons")]
    Course {
        #[command(subcommand)]
        command: course::CourseCommand,
    },
    /// The encrypted recovery journal.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Records a daily check-in (mood 1-5, optional note); prints its id.
    Checkin(journal::CheckinArgs),
    /// Check-in reminders: days and times in your time zone.
    #[command(subcommand)]
    Remind(remind::RemindCommand),
    /// Recovery day count and milestones (sharing it is the `recovery-count` consent scope).
    #[command(subcommand)]
    Recovery(recovery::RecoveryCommand),
    #[command(flatten)]
    Sharing(sharing::SharingCommand),
    /// The whole product on an in-process relay and temporary data directories, narrated.
    Demo,
}

/// The vault options: production defaults, except that debug builds (the CLI's tests) honour
/// `LANTERN_KDF_ITERATIONS` to keep the deliberate KDF cost out of test runs. A release build
/// ignores it.
pub fn vault_options() -> VaultOptions {
    let mut o = VaultOptions::default();
    if cfg!(debug_assertions)
        && let Some(n) = std::env::var("LANTERN_KDF_ITERATIONS")
            .ok()
            .and_then(|v| v.parse().ok())
    {
        o.kdf_iterations = n;
    }
    o
}

fn default_data_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(d).join("lantern");
    }
    match std::env::var_os("HOME") {
        Some(h) => PathBuf::from(h).join(".local/share/lantern"),
        None => PathBuf::from(".lantern"),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = cli.data_dir.unwrap_or_else(default_data_dir);
    let result: Result<(), String> = match cli.command {
        Command::Where => {
            println!("{}", data_dir.display());
            Ok(())
        }
        Command::Course { command } => course::run(&data_dir, command),
        Command::Journal(cmd) => journal::run(&data_dir, cmd),
        Command::Checkin(args) => journal::run_checkin(&data_dir, args),
        Command::Remind(cmd) => remind::run(&data_dir, cmd),
        Command::Recovery(cmd) => recovery::run(&data_dir, cmd),
        Command::Sharing(cmd) => sharing::run(&data_dir, cmd),
        Command::Demo => demo::run(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("lantern: {msg}");
            ExitCode::FAILURE
        }
    }
}
