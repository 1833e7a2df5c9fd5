//! `lantern`: the terminal front end over the core's Rust API (not the FFI).
//! Scriptable: results on stdout, one-line errors on stderr, non-zero exit on failure.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod demo;
mod journal;
mod lessons;
mod sharing;

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
    /// The course: list, show, search, progress.
    Lessons {
        #[command(subcommand)]
        command: lessons::LessonsCommand,
    },
    /// The encrypted recovery journal.
    #[command(subcommand)]
    Journal(journal::JournalCommand),
    /// Records a daily check-in (mood 1-5, optional note); prints its id.
    Checkin(journal::CheckinArgs),
    #[command(flatten)]
    Sharing(sharing::SharingCommand),
    /// The whole product on an in-process relay and temporary data directories, narrated.
    Demo,
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
        Command::Lessons { command } => lessons::run(&data_dir, command),
        Command::Journal(cmd) => journal::run(&data_dir, cmd),
        Command::Checkin(args) => journal::run_checkin(&data_dir, args),
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
