//! The course source parser (`course::source`): the text a course author writes, compiled into
//! a pack. Input: the manifest, the help file and unit files separated by NUL bytes; every unit
//! file is also parsed on its own, and a compiled pack must pass the shape check a signed
//! pack gets (`pack::open`), since the build signs whatever the parser produces.
#![no_main]

use lantern_core::course::{envelope, pack, source};
use lantern_core::crypto::hazmat::SigningKey;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let manifest = parts.next().unwrap_or("");
    let help = parts.next().unwrap_or("");
    let units: Vec<(String, String)> = parts
        .enumerate()
        .map(|(i, t)| (format!("units/{i:02}.txt"), t.to_string()))
        .collect();
    let _ = source::parse_help("help.txt", help);
    for (file, unit) in &units {
        let _ = source::parse_unit(file, unit);
    }
    if let Ok(compiled) = source::compile_pack(("pack.txt", manifest), ("help.txt", help), &units) {
        // What the parser accepts, the core must accept once signed.
        let key = KEY.get_or_init(SigningKey::make);
        let sealed = pack::seal(&compiled, key);
        assert!(envelope::split(&sealed).is_some());
        assert_eq!(pack::open(&sealed, &key.public_key()), Ok(compiled));
    }
});

static KEY: std::sync::OnceLock<SigningKey> = std::sync::OnceLock::new();
