//! Content pack verification and parsing (`course::pack::open`), as a pack downloaded from a
//! publisher's server meets it. Each input is tried twice: as the downloaded bytes themselves
//! (magic, length, signature), and as the payload of a pack
//! correctly signed by a key the harness trusts, so the JSON parser and the shape check see
//! hostile text from a publisher whose key signs anything. A pack that opens is indexed for
//! search (FTS5 over its text), as the app does next.
#![no_main]

use std::sync::OnceLock;

use lantern_core::course::pack;
use lantern_core::course::{envelope, search::SearchIndex};
use lantern_core::crypto::hazmat::SigningKey;
use libfuzzer_sys::fuzz_target;

static KEY: OnceLock<SigningKey> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let key = KEY.get_or_init(SigningKey::make);
    // As downloaded: magic, length and signature (the fuzzer cannot forge one).
    let _ = pack::open(data, &key.public_key());
    // As the payload of a correctly signed pack.
    let signed = envelope::seal(data, &key.sign(&envelope::signed_message(data)));
    match pack::open(&signed, &key.public_key()) {
        Ok(p) => {
            // Opening is stable: sealing what opened opens to the same pack.
            assert_eq!(
                pack::open(&pack::seal(&p, key), &key.public_key()),
                Ok(p.clone())
            );
            if let Ok(index) = SearchIndex::build(&p) {
                let _ = index.search("support");
            }
        }
        // The envelope needs a non-empty payload.
        Err(pack::PackError::NotAPack) if data.is_empty() => {}
        Err(pack::PackError::BadSignature | pack::PackError::NotAPack) => {
            panic!("a correctly signed envelope was refused as unsigned")
        }
        Err(_) => {}
    }
});
