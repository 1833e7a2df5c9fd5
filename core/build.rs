//! Compiles the course sources (`../content/`) into the signed content pack bundled in the core.
//!
//! Runs on every change under `content/` (and of the signing-key variables), so the bundled pack
//! can never be stale. The parser and model are the core's own files, included here, so the build
//! and the core cannot disagree on the format. A malformed source fails the build with
//! `file:line: message`. This script signs with `ring` directly: it runs at build time, outside
//! the core, which otherwise only touches `ring` through `crypto::hazmat`.
//!
//! Outputs in `OUT_DIR`: `course.pack` (signed envelope) and `trusted_key.rs` (the keys the
//! core trusts, and for what; see `src/content/pack.rs` `Trust`).
//!
//! Trust rules enforced here, at build time (the core checks them again at run time):
//! - without `LANTERN_PACK_SIGNING_KEY` the bundled pack is signed with the committed
//!   development key; that key verifies the bundled pack of this build and nothing else;
//! - a pack fetched from the network is trusted only under `LANTERN_PACK_PUBLIC_KEY` (or, in a
//!   release build, the signing key's own public key), which may never be the development key;
//!   with none, the build accepts no network updates;
//! - `LANTERN_SHIPPING=1` (set by `cargo xtask ship`) fails the build without a real key.

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

/// Publisher name shown with the content when `LANTERN_PACK_PUBLISHER` is unset.
const DEFAULT_PUBLISHER: &str = "Lantern course team";

fn main() {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let content = manifest_dir.join("../content");
    println!("cargo:rerun-if-changed={}", content.display());
    for var in [
        "LANTERN_PACK_SIGNING_KEY",
        "LANTERN_PACK_PUBLIC_KEY",
        "LANTERN_PACK_PUBLISHER",
        "LANTERN_SHIPPING",
    ] {
        println!("cargo:rerun-if-env-changed={var}");
    }

    let pack = compile(&content).unwrap_or_else(|e| fail(&e));
    let payload = serde_json::to_vec(&pack).unwrap_or_else(|e| fail(&e.to_string()));

    let dev_public = key32(
        &read_hex(&content.join("keys/dev-publisher.pub.hex")),
        "dev key",
    );
    let shipping = std::env::var_os("LANTERN_SHIPPING").is_some_and(|v| v == "1");
    let (key_path, development) = match std::env::var_os("LANTERN_PACK_SIGNING_KEY") {
        Some(p) => (PathBuf::from(p), false),
        None if shipping => fail(
            "a shipping build needs LANTERN_PACK_SIGNING_KEY (the publisher's key, kept outside \
             the repository); see docs/content-format.md",
        ),
        None => (content.join("keys/dev-publisher.pkcs8.hex"), true),
    };
    let pkcs8 = read_hex(&key_path);
    let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).unwrap_or_else(|_| {
        fail(&format!(
            "{}: not an Ed25519 PKCS#8 v2 key",
            key_path.display()
        ))
    });
    let signer = key32(pair.public_key().as_ref(), "signing key");
    if !development && signer == dev_public {
        fail("LANTERN_PACK_SIGNING_KEY is the committed development key: it proves nothing");
    }
    let signature = pair.sign(&envelope::signed_message(&payload));

    // The key network updates must be signed with: never the development key.
    let updates: Option<[u8; 32]> = match std::env::var("LANTERN_PACK_PUBLIC_KEY") {
        Ok(hex) => Some(key32(
            &decode_hex(hex.trim()).unwrap_or_else(|| fail("LANTERN_PACK_PUBLIC_KEY is not hex")),
            "LANTERN_PACK_PUBLIC_KEY",
        )),
        Err(_) if development => None,
        Err(_) => Some(signer),
    };
    if updates == Some(dev_public) {
        fail("LANTERN_PACK_PUBLIC_KEY is the committed development key: anyone can sign with it");
    }
    if !development && updates != Some(signer) {
        fail("the bundled pack's signing key does not match LANTERN_PACK_PUBLIC_KEY");
    }
    let publisher =
        std::env::var("LANTERN_PACK_PUBLISHER").unwrap_or_else(|_| DEFAULT_PUBLISHER.into());
    if publisher.trim().is_empty()
        || publisher.chars().count() > 80
        || publisher.chars().any(char::is_control)
    {
        fail("LANTERN_PACK_PUBLISHER must be 1 to 80 printable characters");
    }
    if development && std::env::var("PROFILE").as_deref() == Ok("release") {
        println!(
            "cargo:warning=course pack signed with the DEVELOPMENT key (set LANTERN_PACK_SIGNING_KEY for shipping builds; `cargo xtask ship` requires it)"
        );
    }

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let sealed = envelope::seal(&payload, signature.as_ref());
    fs::write(out.join("course.pack"), sealed).unwrap_or_else(|e| fail(&e.to_string()));
    let key_rs = format!(
        "/// The key the bundled pack is signed with.\n\
         pub const BUNDLED_PACK_KEY: [u8; 32] = {signer:?};\n\
         /// The committed development key (content/keys/README.md): anyone can sign with it.\n\
         pub const DEVELOPMENT_KEY: [u8; 32] = {dev_public:?};\n\
         /// The publisher key network updates must be signed with; None: no updates.\n\
         pub const UPDATE_PUBLISHER_KEY: Option<[u8; 32]> = {updates:?};\n\
         /// The publisher name configured for this build (LANTERN_PACK_PUBLISHER).\n\
         pub const PUBLISHER_NAME: &str = {publisher:?};\n"
    );
    fs::write(out.join("trusted_key.rs"), key_rs).unwrap_or_else(|e| fail(&e.to_string()));
}

fn key32(bytes: &[u8], what: &str) -> [u8; 32] {
    bytes
        .try_into()
        .unwrap_or_else(|_| fail(&format!("{what}: an Ed25519 public key is 32 bytes")))
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
