//! Files and directories only their owner can read, created so that nobody else sharing the
//! directory can redirect or read them.
//!
//! Every file the core writes (databases, the stored course pack, backups) and the files the
//! CLI writes for the person (plaintext exports) go through here. A file is written to a
//! temporary file with an unpredictable name, created with `O_CREAT | O_EXCL` (which never
//! follows a symbolic link, planted or not) and mode 0600 in the target's own directory, synced,
//! then renamed over the target: a crash leaves the old file or the whole new one, and an
//! existing file, whatever its mode, is replaced by one readable by its owner only.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::crypto::hazmat;

/// Mode of every file the core creates.
#[cfg(unix)]
const FILE_MODE: u32 = 0o600;
/// Mode of the data directory.
#[cfg(unix)]
const DIR_MODE: u32 = 0o700;

/// How many fresh names to try before giving up (a collision of 64 random bits is not luck).
const TEMP_ATTEMPTS: usize = 8;

/// Creates a new file at `path` with mode 0600; fails if anything (even a dangling symbolic
/// link) is already there.
pub fn create_new(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(FILE_MODE);
    }
    options.open(path)
}

/// Writes `bytes` to `path` atomically through an unpredictable temporary file in the same
/// directory. The result is readable by its owner only, even if `path` existed with another
/// mode; a symbolic link at `path` is replaced, never followed.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let (tmp, mut file) = temp_beside(path)?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written?;
    // Make the rename itself durable; a directory that cannot be opened only loses durability.
    if let Ok(dir) = File::open(parent_of(path)) {
        let _ = dir.sync_all();
    }
    Ok(())
}

fn parent_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A fresh temporary file beside `path`: `.NAME.<16 random hex>.tmp`.
fn temp_beside(path: &Path) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("lantern");
    let dir = parent_of(path);
    let mut last = io::Error::other("no temporary name tried");
    for _ in 0..TEMP_ATTEMPTS {
        let random: [u8; 8] = hazmat::make_random();
        let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
        let tmp = dir.join(format!(".{name}.{hex}.tmp"));
        match create_new(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = e,
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

/// Creates `dir` (and missing parents) with mode 0700, and narrows an existing `dir` to 0700
/// (data directories made by older versions were 0755). Parents that already exist are left
/// alone: they are not Lantern's.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(DIR_MODE);
    }
    builder.create(dir)?;
    restrict(dir, true);
    Ok(())
}

/// Prepares a database file: creates it empty with mode 0600 if missing (SQLite then opens it
/// as a new database and gives its `-wal` and `-shm` files the same mode), and narrows an
/// existing one, with its `-wal` and `-shm`, to 0600.
pub fn prepare_database(path: &Path) -> io::Result<()> {
    match create_new(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            restrict(path, false);
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                restrict(Path::new(&side), false);
            }
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Narrows `path` to owner-only if it exists and is not a symbolic link. Best effort: a file
/// system without modes (or a file owned by someone else) keeps what it has, with a warning.
fn restrict(path: &Path, is_dir: bool) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::symlink_metadata(path) else {
            return;
        };
        let mode = if is_dir { DIR_MODE } else { FILE_MODE };
        let wrong_kind = meta.is_dir() != is_dir || meta.file_type().is_symlink();
        if wrong_kind || meta.permissions().mode() & 0o777 == mode {
            return;
        }
        if let Err(e) = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)) {
            tracing::warn!("cannot make a data file owner-only: {}", e.kind());
        }
    }
    #[cfg(not(unix))]
    let _ = (path, is_dir);
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn writes_replace_an_existing_world_readable_file_and_never_follow_links() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("export.md");
        std::fs::write(&target, b"old").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        assert_eq!(mode(&target), 0o600);

        // A link planted at the target is replaced; its victim is untouched.
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let link = dir.path().join("link.md");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write_atomically(&link, b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(mode(&link), 0o600);

        // create_new never opens through a link, dangling or not.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        assert!(create_new(&dangling).is_err());
        assert!(!dir.path().join("nowhere").exists());
        // No temporary files are left behind.
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn directories_and_databases_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b/lantern");
        create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        create_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);

        let db = data.join("x.db");
        prepare_database(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        let wal = data.join("x.db-wal");
        std::fs::write(&wal, b"").unwrap();
        std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
        prepare_database(&db).unwrap();
        assert_eq!((mode(&db), mode(&wal)), (0o600, 0o600));
    }
}
