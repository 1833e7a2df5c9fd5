//! Compiles the course sources (`../content/`) into the signed content pack bundled in the core.
//!
//! Runs on every change under `content/` (and of the signing-key variables), so the bundled pack
//! can never be stale. The parser and model are the core's own files, included here, so the build
//! and the core cannot disagree on the format. A malformed source fails the build with
//! `file:line: message`. This script signs with `ring` directly: it runs at build time, outside
//! the core, which otherwise only touches `ring` through `crypto::hazmat`.
//!
//! Outputs in `OUT_DIR`: `course.pack` (signed envelope) and `trusted_key.rs` (the publisher
//! public key the core trusts, and whether it is the development key).

use std::fs;
use std::path::{Path, PathBuf};

use ring::signature::{Ed25519KeyPair, KeyPair};

#[allow(dead_code)]
#[path = "src/course/envelope.rs"]
mod envelope;
#[allow(dead_code)]
#[path = "src/course/model.rs"]
mod model;
#[allow(dead_code)]
#[path = "src/course/source.rs"]
mod source;

fn main() {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let content = manifest_dir.join("../content");
    println!("cargo:rerun-if-changed={}", content.display());
    println!("cargo:rerun-if-env-changed=LANTERN_PACK_SIGNING_KEY");
    println!("cargo:rerun-if-env-changed=LANTERN_PACK_PUBLIC_KEY");

    let pack = compile(&content).unwrap_or_else(|e| fail(&e));
    let payload = serde_json::to_vec(&pack).unwrap_or_else(|e| fail(&e.to_string()));

    let dev_key_path = content.join("keys/dev-publisher.pkcs8.hex");
    let (key_path, development) = match std::env::var_os("LANTERN_PACK_SIGNING_KEY") {
        Some(p) => (PathBuf::from(p), false),
        None => (dev_key_path, true),
    };
    let pkcs8 = read_hex(&key_path);
    let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap_or_else(|_| {
        fail(&format!(
            "{}: not an Ed25519 PKCS#8 v2 key",
            key_path.display()
        ))
    });
    let signature = pair.sign(&envelope::signed_message(&payload));
    let trusted: Vec<u8> = match std::env::var("LANTERN_PACK_PUBLIC_KEY") {
        Ok(hex) => {
            decode_hex(hex.trim()).unwrap_or_else(|| fail("LANTERN_PACK_PUBLIC_KEY is not hex"))
        }
        Err(_) => pair.public_key().as_ref().to_vec(),
    };
    if trusted.as_slice() != pair.public_key().as_ref() {
        fail("the bundled pack's signing key does not match LANTERN_PACK_PUBLIC_KEY");
    }
    if development && std::env::var("PROFILE").as_deref() == Ok("release") {
        println!(
            "cargo:warning=course pack signed with the DEVELOPMENT key (set LANTERN_PACK_SIGNING_KEY for shipping builds)"
        );
    }

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let sealed = envelope::seal(&payload, signature.as_ref());
    fs::write(out.join("course.pack"), sealed).unwrap_or_else(|e| fail(&e.to_string()));
    let key_rs = format!(
        "/// The publisher key content packs must be signed with.\n\
         pub const TRUSTED_PUBLISHER_KEY: [u8; 32] = {trusted:?};\n\
         /// True when that key is the committed development key (see content/keys/README.md).\n\
         pub const TRUSTED_KEY_IS_DEVELOPMENT: bool = {development};\n"
    );
    fs::write(out.join("trusted_key.rs"), key_rs).unwrap_or_else(|e| fail(&e.to_string()));
}

fn compile(content: &Path) -> Result<model::Pack, String> {
    let read = |p: &Path| fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let manifest = read(&content.join("pack.txt"))?;
    let help = read(&content.join("help.txt"))?;
    let mut files: Vec<PathBuf> = fs::read_dir(content.join("units"))
        .map_err(|e| format!("content/units: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    // File names start with a number, so name order is reading order.
    files.sort();
    let mut units = Vec::new();
    for f in files {
        let name = format!(
            "content/units/{}",
            f.file_name()
                .map(|n| n.to_string_lossy())
                .unwrap_or_default()
        );
        units.push((name, read(&f)?));
    }
    source::compile_pack(
        ("content/pack.txt", &manifest),
        ("content/help.txt", &help),
        &units,
    )
    .map_err(|e| e.to_string())
}

fn read_hex(path: &Path) -> Vec<u8> {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| fail(&format!("{}: {e}", path.display())));
    decode_hex(text.trim()).unwrap_or_else(|| fail(&format!("{}: not hex", path.display())))
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

fn fail(msg: &str) -> ! {
    eprintln!("error: course content: {msg}");
    std::process::exit(1);
}
