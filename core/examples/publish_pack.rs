//! Compiles `content/` into a signed pack file for publishing as an update.
//!
//! ```text
//! LANTERN_PACK_SIGNING_KEY=/secure/publisher.pkcs8.hex \
//!   cargo run -p lantern-core --example publish_pack -- course.pack
//! ```
//!
//! `LANTERN_PACK_SIGNING_KEY` is required and may not be the committed development key: no core
//! accepts a pack from the network signed with that key. Bump `version` in `content/pack.txt`
//! first: installed cores refuse a pack that is not strictly newer, or more than
//! `MAX_VERSION_STEP` newer. Serve the file over https; clients send If-None-Match, so serve it
//! with an ETag.

use std::path::{Path, PathBuf};

use lantern_core::course::{pack, source};
use lantern_core::crypto::hazmat::SigningKey;

fn main() {
    if let Err(e) = run() {
        eprintln!("publish_pack: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: publish_pack OUTPUT_FILE")?;
    let content = Path::new(env!("CARGO_MANIFEST_DIR")).join("../content");
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let mut files: Vec<PathBuf> = std::fs::read_dir(content.join("units"))
        .map_err(|e| format!("content/units: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut units = Vec::new();
    for f in &files {
        units.push((f.display().to_string(), read(f)?));
    }
    let compiled = source::compile_pack(
        ("content/pack.txt", &read(&content.join("pack.txt"))?),
        ("content/help.txt", &read(&content.join("help.txt"))?),
        &units,
    )
    .map_err(|e| e.to_string())?;

    let key_path = std::env::var_os("LANTERN_PACK_SIGNING_KEY")
        .map(PathBuf::from)
        .ok_or("set LANTERN_PACK_SIGNING_KEY to the publisher's key (never the development key)")?;
    let hex = read(&key_path)?;
    let hex = hex.trim();
    let der = (0..hex.len())
        .step_by(2)
        .map(|i| {
            hex.get(i..i + 2)
                .and_then(|b| u8::from_str_radix(b, 16).ok())
        })
        .collect::<Option<Vec<u8>>>()
        .ok_or("the signing key file is not hex")?;
    let key = SigningKey::from_pkcs8(&der).map_err(|_| "not an Ed25519 PKCS#8 v2 key")?;
    let publisher = pack::Publisher::new("publisher", key.public_key());
    if publisher.is_development() {
        return Err("that is the committed development key: cores refuse its packs online".into());
    }

    let sealed = pack::seal(&compiled, &key);
    // Check it the way a client will before writing it.
    pack::open(&sealed, &key.public_key()).map_err(|e| e.to_string())?;
    std::fs::write(&out, &sealed).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "wrote {out}: {} v{} ({} bytes, {} units), key fingerprint {}",
        compiled.language,
        compiled.version,
        sealed.len(),
        compiled.units.len(),
        publisher.fingerprint()
    );
    Ok(())
}
