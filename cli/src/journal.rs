//! `lantern journal ...` and `lantern checkin`: the encrypted recovery journal from a terminal.
//!
//! Secrets come from the environment when set (`LANTERN_PASSPHRASE`, `LANTERN_NEW_PASSPHRASE`,
//! `LANTERN_RECOVERY_CODE`, `LANTERN_BACKUP_PASSPHRASE`), otherwise they are prompted for on
//! the terminal without echo. Secrets are never printed, except the recovery code, which
//! `init` and `recover` print once on stdout because that is their purpose.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use lantern_core::api::Journal;
use lantern_core::journal::{
    Entry, EntryQuery, EntryUpdate, MAX_PAGE, NewEntry, PlaintextFormat, format_utc,
};

/// Journal commands.
#[derive(Subcommand)]
pub enum JournalCommand {
    /// Sets up the encrypted journal with a passphrase and prints the recovery code (once).
    Init,
    /// Adds an entry and prints its id.
    Add {
        #[arg(long)]
        text: String,
        /// Mood from 1 (very low) to 5 (very good).
        #[arg(long)]
        mood: Option<u8>,
        /// A tag (repeat for several).
        #[arg(long = "tag")]
        tags: Vec<String>,
    },
    /// Lists entries, newest first: id, time, mood, tags, first line.
    List {
        #[arg(long, default_value_t = 20)]
        limit: u32,
        #[arg(long)]
        tag: Option<String>,
    },
    /// Shows one entry.
    Show { id: String },
    /// Replaces an entry's text (the id stays the same).
    Edit {
        id: String,
        #[arg(long)]
        text: String,
    },
    /// Deletes an entry.
    Delete { id: String },
    /// Full-text search over entries (every word must match), best first.
    Search { query: String },
    /// Average mood per day and per week (UTC) over the last days.
    Trends {
        #[arg(long, default_value_t = 30)]
        days: u32,
    },
    /// Changes the passphrase (new one from LANTERN_NEW_PASSPHRASE or prompted).
    Passphrase,
    /// Sets a new passphrase with the recovery code; prints the NEW recovery code (once).
    Recover,
    /// Exports the journal: an encrypted backup, or plaintext with --plaintext.
    Export {
        #[arg(long)]
        out: PathBuf,
        /// Write readable plaintext instead of an encrypted backup.
        #[arg(long)]
        plaintext: bool,
        /// Plaintext format.
        #[arg(long, value_enum, default_value_t = Format::Markdown)]
        format: Format,
    },
    /// Imports an encrypted backup, skipping entries that are already present.
    Import { file: PathBuf },
}

/// Plaintext export formats.
#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Markdown,
    Json,
}

/// `lantern checkin` arguments.
#[derive(Args)]
pub struct CheckinArgs {
    /// Mood from 1 (very low) to 5 (very good).
    #[arg(long)]
    mood: u8,
    /// A short note.
    #[arg(long)]
    note: Option<String>,
}

fn open(data_dir: &Path) -> Result<Journal, String> {
    lantern_core::store::ensure_data_dir(data_dir).map_err(|e| e.to_string())?;
    Journal::open(data_dir, crate::vault_options()).map_err(|e| e.to_string())
}

/// A secret from `var` if set, else prompted without echo on the terminal.
fn secret(var: &str, prompt: &str) -> Result<String, String> {
    if let Ok(v) = std::env::var(var) {
        return Ok(v);
    }
    rpassword::prompt_password(prompt)
        .map_err(|_| format!("cannot prompt for it: set {var} or run in a terminal"))
}

fn passphrase() -> Result<String, String> {
    secret("LANTERN_PASSPHRASE", "Journal passphrase: ")
}

fn new_passphrase() -> Result<String, String> {
    let p = secret("LANTERN_NEW_PASSPHRASE", "New passphrase: ")?;
    if std::env::var_os("LANTERN_NEW_PASSPHRASE").is_none()
        && rpassword::prompt_password("Repeat the new passphrase: ").map_err(|e| e.to_string())?
            != p
    {
        return Err("the passphrases do not match".into());
    }
    Ok(p)
}

fn backup_passphrase() -> Result<String, String> {
    match std::env::var("LANTERN_BACKUP_PASSPHRASE") {
        Ok(p) => Ok(p),
        Err(_) => passphrase(),
    }
}

fn unlocked(data_dir: &Path) -> Result<Journal, String> {
    let j = open(data_dir)?;
    j.unlock(passphrase()?).map_err(|e| e.to_string())?;
    Ok(j)
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn summary_line(e: &Entry) -> String {
    let first: String = e
        .text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(60)
        .collect();
    let mood = e.mood.map_or("-".to_string(), |m| m.to_string());
    let tags = if e.tags.is_empty() {
        "-".to_string()
    } else {
        e.tags.join(",")
    };
    format!(
        "{}\t{}\t{mood}\t{tags}\t{first}",
        e.id,
        format_utc(e.created_at_ms)
    )
}

/// Runs one journal command.
pub fn run(data_dir: &Path, cmd: JournalCommand) -> Result<(), String> {
    let err = |e: lantern_core::LanternError| e.to_string();
    match cmd {
        JournalCommand::Init => {
            let j = open(data_dir)?;
            if j.is_set_up().map_err(err)? {
                return Err("the journal is already set up".into());
            }
            let p = passphrase()?;
            let code = j.setup(p).map_err(err)?;
            eprintln!("Your recovery code is below. Write it down now: it is shown only once.");
            println!("{code}");
        }
        JournalCommand::Add { text, mood, tags } => {
            let j = unlocked(data_dir)?;
            let e = j
                .add_entry(NewEntry {
                    text,
                    mood,
                    tags,
                    created_at_ms: None,
                })
                .map_err(err)?;
            println!("{}", e.id);
        }
        JournalCommand::List { limit, tag } => {
            let j = unlocked(data_dir)?;
            let page = j
                .list_entries(EntryQuery {
                    limit: limit.min(MAX_PAGE),
                    tag,
                    ..Default::default()
                })
                .map_err(err)?;
            for e in &page.entries {
                println!("{}", summary_line(e));
            }
            for id in &page.damaged_ids {
                eprintln!("lantern: entry {id} is damaged (failed its integrity check)");
            }
        }
        JournalCommand::Show { id } => {
            let e = unlocked(data_dir)?.get_entry(id).map_err(err)?;
            println!("id: {}", e.id);
            println!("created: {}", format_utc(e.created_at_ms));
            if let Some(t) = e.edited_at_ms {
                println!("edited: {}", format_utc(t));
            }
            println!(
                "mood: {}",
                e.mood.map_or("-".to_string(), |m| m.to_string())
            );
            println!("tags: {}", e.tags.join(", "));
            println!();
            println!("{}", e.text);
        }
        JournalCommand::Edit { id, text } => {
            let j = unlocked(data_dir)?;
            let e = j
                .edit_entry(
                    id,
                    EntryUpdate {
                        text: Some(text),
                        ..Default::default()
                    },
                )
                .map_err(err)?;
            println!("{}", e.id);
        }
        JournalCommand::Delete { id } => {
            unlocked(data_dir)?.delete_entry(id).map_err(err)?;
        }
        JournalCommand::Search { query } => {
            for e in unlocked(data_dir)?.search(query, 20).map_err(err)? {
                println!("{}", summary_line(&e));
            }
        }
        JournalCommand::Trends { days } => {
            let j = unlocked(data_dir)?;
            let to = now_ms() + 1;
            let from = to - i64::from(days) * 86_400_000;
            let t = j.mood_trends(from, to, 0).map_err(err)?;
            for p in &t.daily {
                println!("day\t{}\t{:.2}\t{}", p.period_start, p.average, p.samples);
            }
            for p in &t.weekly {
                println!("week\t{}\t{:.2}\t{}", p.period_start, p.average, p.samples);
            }
        }
        JournalCommand::Passphrase => {
            let j = open(data_dir)?;
            let old = passphrase()?;
            let new = new_passphrase()?;
            j.change_passphrase(old, new).map_err(err)?;
            eprintln!("passphrase changed");
        }
        JournalCommand::Recover => {
            let j = open(data_dir)?;
            let code = secret("LANTERN_RECOVERY_CODE", "Recovery code: ")?;
            let new = new_passphrase()?;
            let next = j.recover(code, new).map_err(err)?;
            eprintln!(
                "Passphrase reset. Your NEW recovery code is below (the old one no longer works); it is shown only once."
            );
            println!("{next}");
        }
        JournalCommand::Export {
            out,
            plaintext,
            format,
        } => {
            let j = unlocked(data_dir)?;
            if plaintext {
                let format = match format {
                    Format::Markdown => PlaintextFormat::Markdown,
                    Format::Json => PlaintextFormat::Json,
                };
                let text = j.export_plaintext(format).map_err(err)?;
                write_private(&out, text.as_bytes())?;
                eprintln!("wrote a PLAINTEXT copy of the journal to {}", out.display());
            } else {
                let p = backup_passphrase()?;
                j.export_backup(out.display().to_string(), p).map_err(err)?;
                eprintln!("wrote an encrypted backup to {}", out.display());
            }
        }
        JournalCommand::Import { file } => {
            let j = unlocked(data_dir)?;
            let p = backup_passphrase()?;
            let r = j
                .import_backup(file.display().to_string(), p)
                .map_err(err)?;
            println!(
                "entries added {} skipped {}; check-ins added {} skipped {}",
                r.entries_added, r.entries_skipped, r.checkins_added, r.checkins_skipped
            );
        }
    }
    Ok(())
}

/// Writes a file readable only by its owner (the plaintext copy is the person's own): replaced
/// atomically, so an existing file's mode is not kept and a planted link is not followed.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    lantern_core::store::owner_only::write_atomically(path, bytes)
        .map_err(|e| format!("cannot write {}: {}", path.display(), e.kind()))
}

/// `lantern checkin --mood N [--note T]`: prints the check-in's id.
pub fn run_checkin(data_dir: &Path, args: CheckinArgs) -> Result<(), String> {
    let c = unlocked(data_dir)?
        .add_checkin(args.mood, args.note)
        .map_err(|e| e.to_string())?;
    println!("{}", c.id);
    Ok(())
}
