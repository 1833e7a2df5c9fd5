//! Backup and portability. An encrypted backup is one JSON file:
//! `{"format":"lantern-journal-backup","version":1,"kdf":..,"iterations":..,"salt":..,
//! "check":..,"payload":..}` where `payload` is AES-256-GCM (key from PBKDF2 of the backup
//! passphrase) over the JSON of every entry and check-in, with the header fields as
//! associated data so they cannot be changed either. `check` tells a wrong passphrase from a
//! damaged file. Import merges by record id, so importing twice adds nothing twice.
//! Plaintext export (Markdown or JSON) exists only as an explicit call; the file it goes to
//! is the caller's choice and responsibility.
//!
//! A backup file is untrusted input: import refuses files over [`MAX_BACKUP_BYTES`] before
//! reading them, parses with a bounded reader, and refuses more than [`MAX_ITERATIONS`] KDF
//! iterations before deriving anything, so a crafted file can neither exhaust memory nor stall
//! the app. Export never writes a file import would refuse.

use std::collections::HashSet;
use std::io::{BufReader, Read};
use std::num::NonZeroU32;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::trends::format_utc;
use super::{CheckIn, Entry, JournalError, JournalStore, Result, check_id, check_mood};
use crate::crypto::hazmat;
use crate::store::owner_only;

const FORMAT: &str = "lantern-journal-backup";
const VERSION: u32 = 1;
const KDF: &str = "pbkdf2-hmac-sha256";
const CHECK_LABEL: &[u8] = b"lantern journal backup check v1";
/// Most PBKDF2 iterations a backup may ask for: about 3.3 times the production work factor
/// (`vault::DEFAULT_KDF_ITERATIONS`, 600,000), room to raise it, about a second on a phone. The
/// 10,000,000 accepted before took 5 s on a desktop for a file anyone can hand over.
pub const MAX_ITERATIONS: u32 = 2_000_000;
/// Largest backup file accepted (64 MiB). A journal of 10,000 entries of 2 KiB makes a backup
/// of about 30 MiB; text-only journals stay far below this.
pub const MAX_BACKUP_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Serialize, Deserialize)]
struct BackupFile {
    format: String,
    version: u32,
    kdf: String,
    iterations: u32,
    salt: String,
    check: String,
    payload: String,
}

#[derive(Serialize, Deserialize, Default)]
struct BackupContents {
    entries: Vec<Entry>,
    checkins: Vec<CheckIn>,
}

/// What an import added and what it skipped as already present (same id).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    pub entries_added: u32,
    pub entries_skipped: u32,
    pub checkins_added: u32,
    pub checkins_skipped: u32,
}

/// Formats of the explicit plaintext export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PlaintextFormat {
    Markdown,
    Json,
}

fn header_aad(f: &BackupFile) -> Vec<u8> {
    format!(
        "{}\n{}\n{}\n{}\n{}",
        f.format, f.version, f.kdf, f.iterations, f.salt
    )
    .into_bytes()
}

fn io_error(e: std::io::Error) -> JournalError {
    JournalError::BackupFile(e.kind())
}

fn too_large() -> JournalError {
    JournalError::InvalidInput(format!(
        "the backup file is larger than {} MiB",
        MAX_BACKUP_BYTES / (1024 * 1024)
    ))
}

/// Reads and parses the backup's outer JSON without ever holding more than
/// [`MAX_BACKUP_BYTES`] of it: the size is checked first, and the reader stops at the cap even
/// if the file grows meanwhile.
fn read_backup_file(path: &Path) -> Result<BackupFile> {
    let file = std::fs::File::open(path).map_err(io_error)?;
    if file.metadata().map_err(io_error)?.len() > MAX_BACKUP_BYTES {
        return Err(too_large());
    }
    let bounded = BufReader::new(file.take(MAX_BACKUP_BYTES));
    serde_json::from_reader(bounded).map_err(|_| JournalError::BadBackup("not a backup file"))
}

/// Encrypts backup `contents` (the JSON of [`BackupContents`]) under `passphrase` into the
/// bytes of a backup file.
fn seal_backup(contents: &[u8], passphrase: &str, iterations: u32) -> Result<Vec<u8>> {
    let salt: [u8; 16] = hazmat::make_random();
    let key = hazmat::derive_pbkdf2_key(
        passphrase.as_bytes(),
        &salt,
        NonZeroU32::new(iterations.max(1)).expect("max(1) is non-zero"),
    );
    let mut file = BackupFile {
        format: FORMAT.into(),
        version: VERSION,
        kdf: KDF.into(),
        iterations,
        salt: B64.encode(salt),
        check: B64.encode(hazmat::derive_hmac_sha256(key.as_ref(), CHECK_LABEL)),
        payload: String::new(),
    };
    file.payload = B64.encode(hazmat::seal_aes_gcm(&key, &header_aad(&file), contents));
    serde_json::to_vec(&file).map_err(|_| JournalError::Internal("backup encoding"))
}

/// A backup file around arbitrary `contents` bytes, so a fuzzer can reach what import does
/// after the passphrase check and decryption. Only with the `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn seal_backup_for_fuzzing(contents: &[u8], passphrase: &str, iterations: u32) -> Vec<u8> {
    seal_backup(contents, passphrase, iterations).expect("a backup header always encodes")
}

impl JournalStore {
    fn contents(&self) -> Result<BackupContents> {
        let mut checkins = self.checkins_between(i64::MIN, i64::MAX)?;
        checkins.reverse();
        Ok(BackupContents {
            entries: self.all_entries()?,
            checkins,
        })
    }

    /// Encrypts the whole journal under `passphrase` into one file at `path`.
    pub fn export_backup(&self, path: &Path, passphrase: &str) -> Result<()> {
        crate::vault::passphrase_policy::check_new_passphrase(passphrase)
            .map_err(|e| JournalError::InvalidInput(e.to_string()))?;
        let contents = Zeroizing::new(
            serde_json::to_vec(&self.contents()?)
                .map_err(|_| JournalError::Internal("backup encoding"))?,
        );
        let iterations = self.vault.target_iterations().clamp(1, MAX_ITERATIONS);
        let bytes = seal_backup(&contents, passphrase, iterations)?;
        if bytes.len() as u64 > MAX_BACKUP_BYTES {
            return Err(too_large());
        }
        owner_only::write_atomically(path, &bytes).map_err(io_error)
    }

    /// Decrypts the backup at `path` with `passphrase` and merges it in one transaction:
    /// records whose id already exists are skipped. Needs unlocked.
    pub fn import_backup(&self, path: &Path, passphrase: &str) -> Result<ImportReport> {
        self.require_unlocked()?;
        let mut file = read_backup_file(path)?;
        if file.format != FORMAT {
            return Err(JournalError::BadBackup("not a backup file"));
        }
        if file.version != VERSION || file.kdf != KDF {
            return Err(JournalError::InvalidInput(format!(
                "unsupported backup version {}",
                file.version
            )));
        }
        if file.iterations > MAX_ITERATIONS {
            return Err(JournalError::InvalidInput(format!(
                "the backup asks for {} KDF iterations; at most {MAX_ITERATIONS} are accepted",
                file.iterations
            )));
        }
        let iterations =
            NonZeroU32::new(file.iterations).ok_or(JournalError::BadBackup("KDF parameters"))?;
        let salt = B64
            .decode(&file.salt)
            .map_err(|_| JournalError::BadBackup("salt"))?;
        let key = hazmat::derive_pbkdf2_key(passphrase.as_bytes(), &salt, iterations);
        let check = B64
            .decode(&file.check)
            .map_err(|_| JournalError::BadBackup("check value"))?;
        if !hazmat::constant_time_eq(
            &check,
            &hazmat::derive_hmac_sha256(key.as_ref(), CHECK_LABEL),
        ) {
            return Err(JournalError::WrongBackupPassphrase);
        }
        let sealed = B64
            .decode(std::mem::take(&mut file.payload))
            .map_err(|_| JournalError::BadBackup("payload"))?;
        let plain = hazmat::open_aes_gcm(&key, &header_aad(&file), &sealed)
            .map_err(|_| JournalError::BadBackup("payload failed its integrity check"))?;
        let contents: BackupContents =
            serde_json::from_slice(&plain).map_err(|_| JournalError::BadBackup("payload"))?;
        self.merge(contents)
    }

    fn merge(&self, contents: BackupContents) -> Result<ImportReport> {
        let mut report = ImportReport {
            entries_added: 0,
            entries_skipped: 0,
            checkins_added: 0,
            checkins_skipped: 0,
        };
        // Validate everything before writing anything: a bad record refuses the whole file.
        let mut seen = HashSet::new();
        for e in &contents.entries {
            check_id(&e.id)?;
            super::check_text(&e.text)?;
            e.mood.map(check_mood).transpose()?;
            if !seen.insert(e.id.clone()) {
                return Err(JournalError::BadBackup("duplicate entry id"));
            }
        }
        for c in &contents.checkins {
            check_id(&c.id)?;
            check_mood(c.mood)?;
            super::check_note(c.note.clone())?;
        }
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for e in &contents.entries {
            let mut e = e.clone();
            e.tags = super::normalize_tags(&e.tags)?;
            let exists = tx
                .prepare_cached("SELECT 1 FROM journal_entries WHERE id = ?1")?
                .exists([&e.id])?;
            if exists {
                report.entries_skipped += 1;
            } else {
                self.insert_entry(&tx, &e)?;
                report.entries_added += 1;
            }
        }
        for c in &contents.checkins {
            let exists = tx
                .prepare_cached("SELECT 1 FROM journal_checkins WHERE id = ?1")?
                .exists([&c.id])?;
            if exists {
                report.checkins_skipped += 1;
            } else {
                self.insert_checkin(&tx, c)?;
                report.checkins_added += 1;
            }
        }
        tx.commit()?;
        drop(conn);
        // Rebuilt from the database on the next search.
        self.index.clear();
        Ok(report)
    }

    /// The whole journal as plaintext Markdown or JSON, for the person's own copy. Only
    /// ever produced on an explicit request; never written anywhere by the core.
    pub fn export_plaintext(&self, format: PlaintextFormat) -> Result<String> {
        let contents = self.contents()?;
        match format {
            PlaintextFormat::Json => serde_json::to_string_pretty(&contents)
                .map_err(|_| JournalError::Internal("export encoding")),
            PlaintextFormat::Markdown => {
                let mut md = String::from("# Lantern journal\n");
                for e in &contents.entries {
                    md.push_str(&format!("\n## {}\n\n", format_utc(e.created_at_ms)));
                    let mut meta = Vec::new();
                    if let Some(m) = e.mood {
                        meta.push(format!("Mood: {m}/5"));
                    }
                    if !e.tags.is_empty() {
                        meta.push(format!("Tags: {}", e.tags.join(", ")));
                    }
                    if let Some(t) = e.edited_at_ms {
                        meta.push(format!("Edited: {}", format_utc(t)));
                    }
                    if !meta.is_empty() {
                        md.push_str(&format!("*{}*\n\n", meta.join(" · ")));
                    }
                    md.push_str(e.text.trim_end());
                    md.push('\n');
                }
                if !contents.checkins.is_empty() {
                    md.push_str("\n## Check-ins\n\n");
                    for c in &contents.checkins {
                        md.push_str(&format!(
                            "- {}: mood {}/5",
                            format_utc(c.created_at_ms),
                            c.mood
                        ));
                        if let Some(n) = &c.note {
                            md.push_str(&format!(" ({})", n.replace('\n', " ")));
                        }
                        md.push('\n');
                    }
                }
                Ok(md)
            }
        }
    }
}
