//! A hostile invite through the core's FFI API: an X25519 key of low order (all zeros, or the
//! point u = 1) used to make `pair` panic while sealing the `Hello`; it is now refused when the
//! invite is parsed, with a typed `InvalidInput`, and nothing is stored.
#![allow(clippy::unwrap_used)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use lantern_core::api::Lantern;
use lantern_core::error::LanternError;
use lantern_core::vault::VaultOptions;

/// An invite naming `receiving` as the supporter's X25519 key, otherwise well formed.
fn invite_with_receiving_key(receiving: [u8; 32]) -> String {
    let b = |bytes: &[u8]| URL_SAFE_NO_PAD.encode(bytes);
    let json = serde_json::json!({
        "format": 1,
        "id": "hostile-invite",
        "relay_url": "http://127.0.0.1:9",
        "mailbox_id": "m".repeat(43),
        "capability": "cap",
        "name": "Mallory",
        "keys": {"signing": b(&[7u8; 32]), "receiving": b(&receiving)},
        "pair_secret": b(&[9u8; 32]),
    });
    format!("lantern:1:{}", b(json.to_string().as_bytes()))
}

#[test]
fn low_order_invite_keys_are_refused_with_invalid_input() {
    let dir = tempfile::tempdir().unwrap();
    let app = Lantern::open_with(
        dir.path().to_path_buf(),
        VaultOptions {
            kdf_iterations: 1_000,
        },
    )
    .unwrap();
    app.journal().setup("correct horse battery".into()).unwrap();
    let mut order_one = [0u8; 32];
    order_one[0] = 1;
    for key in [[0u8; 32], order_one] {
        let err = app
            .sharing()
            .pair(invite_with_receiving_key(key), "Pat".into())
            .expect_err("a low-order key is refused");
        match err {
            LanternError::InvalidInput(m) => assert!(m.contains("receiving key"), "{m}"),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }
    assert!(app.sharing().connections().unwrap().is_empty());
    // The same invite with a usable key gets past the checks, to the (absent) relay: so the
    // refusal above is about the key alone.
    let good = lantern_core::sharing::identity::Identity::make()
        .public()
        .receiving;
    let err = app
        .sharing()
        .pair(invite_with_receiving_key(good), "Pat".into())
        .unwrap_err();
    assert!(matches!(err, LanternError::Network(_)), "{err:?}");
}
