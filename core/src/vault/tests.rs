#![allow(clippy::unwrap_used)]

use super::*;

const FAST: VaultOptions = VaultOptions { kdf_iterations: 2 };

fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::open(&dir.path().join("private.db"), FAST).unwrap();
    (dir, v)
}

#[test]
fn setup_unlock_lock_and_typed_errors() {
    let (_d, v) = vault();
    assert!(!v.is_set_up().unwrap());
    assert!(matches!(
        v.unlock("harbor lights at dusk"),
        Err(VaultError::NotSetUp)
    ));
    assert!(matches!(
        v.seal_record("k", "1", b"x"),
        Err(VaultError::Locked)
    ));
    v.setup("correct horse staple ink").unwrap();
    assert!(v.is_unlocked());
    assert!(matches!(
        v.setup("once again by the sea"),
        Err(VaultError::AlreadySetUp)
    ));
    let sealed = v.seal_record("entry", "a", b"hello").unwrap();
    v.lock();
    assert!(!v.is_unlocked());
    assert!(matches!(
        v.open_record("entry", "a", &sealed),
        Err(VaultError::Locked)
    ));
    assert!(matches!(
        v.unlock("wrong"),
        Err(VaultError::WrongPassphrase)
    ));
    assert!(!v.is_unlocked());
    v.unlock("correct horse staple ink").unwrap();
    assert_eq!(
        v.open_record("entry", "a", &sealed).unwrap().as_slice(),
        b"hello"
    );
}

#[test]
fn records_are_bound_to_kind_and_id_and_tamper_evident() {
    let (_d, v) = vault();
    v.setup("harbor lights at dusk").unwrap();
    let a = v.seal_record("entry", "a", b"alpha").unwrap();
    let b = v.seal_record("entry", "b", b"beta").unwrap();
    assert_ne!(
        v.seal_record("entry", "a", b"alpha").unwrap(),
        a,
        "fresh nonce"
    );
    match v.open_record("entry", "a", &b) {
        Err(VaultError::RecordIntegrity { kind, id }) => {
            assert_eq!((kind.as_str(), id.as_str()), ("entry", "a"))
        }
        other => panic!("expected integrity error, got {other:?}"),
    }
    assert!(v.open_record("checkin", "a", &a).is_err());
    let mut flipped = a.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x40;
    assert!(matches!(
        v.open_record("entry", "a", &flipped),
        Err(VaultError::RecordIntegrity { .. })
    ));
    assert_eq!(v.open_record("entry", "b", &b).unwrap().as_slice(), b"beta");
}

#[test]
fn change_passphrase_rewraps_and_keeps_data() {
    let (_d, v) = vault();
    v.setup("old kettle on the stove").unwrap();
    let sealed = v.seal_record("entry", "x", b"kept").unwrap();
    v.lock();
    assert!(matches!(
        v.change_passphrase("nope", "new kettle on the stove"),
        Err(VaultError::WrongPassphrase)
    ));
    v.unlock("old kettle on the stove").unwrap();
    v.lock();
    v.change_passphrase("old kettle on the stove", "new kettle on the stove")
        .unwrap();
    v.lock();
    assert!(matches!(
        v.unlock("old kettle on the stove"),
        Err(VaultError::WrongPassphrase)
    ));
    v.unlock("new kettle on the stove").unwrap();
    assert_eq!(
        v.open_record("entry", "x", &sealed).unwrap().as_slice(),
        b"kept"
    );
}

#[test]
fn recovery_code_resets_passphrase_once() {
    let (_d, v) = vault();
    let code = v.setup("forgotten words by the door").unwrap();
    let sealed = v.seal_record("entry", "x", b"kept").unwrap();
    v.lock();
    let bogus = RecoveryCode::make();
    assert!(matches!(
        v.recover(&bogus.display(), "new kettle on the stove"),
        Err(VaultError::WrongRecoveryCode)
    ));
    assert!(matches!(
        v.recover("not a code", "new kettle on the stove"),
        Err(VaultError::WrongRecoveryCode)
    ));
    v.unlock("forgotten words by the door").unwrap(); // nothing changed
    v.lock();
    let next = v
        .recover(&code.display().to_lowercase(), "fresh paint on the fence")
        .unwrap();
    assert_eq!(
        v.open_record("entry", "x", &sealed).unwrap().as_slice(),
        b"kept"
    );
    v.lock();
    assert!(matches!(
        v.unlock("forgotten words by the door"),
        Err(VaultError::WrongPassphrase)
    ));
    v.unlock("fresh paint on the fence").unwrap();
    v.lock();
    assert!(
        matches!(
            v.recover(&code.display(), "once again by the sea"),
            Err(VaultError::WrongRecoveryCode)
        ),
        "one-time"
    );
    v.recover(&next.display(), "once again by the sea").unwrap();
}

#[test]
fn kdf_work_factor_is_raised_on_unlock() {
    let (_d, v) = vault();
    v.setup("harbor lights at dusk").unwrap();
    assert_eq!(v.passphrase_kdf_iterations().unwrap(), 2);
    v.set_kdf_iterations(50);
    v.lock();
    v.unlock("harbor lights at dusk").unwrap();
    assert_eq!(v.passphrase_kdf_iterations().unwrap(), 50);
    v.lock();
    v.unlock("harbor lights at dusk").unwrap();
    assert_eq!(
        VaultOptions::default().kdf_iterations,
        DEFAULT_KDF_ITERATIONS
    );
    const { assert!(DEFAULT_KDF_ITERATIONS >= 600_000) };
}

#[test]
fn damaged_wrapped_key_is_integrity_not_wrong_passphrase() {
    let (_d, v) = vault();
    v.setup("harbor lights at dusk").unwrap();
    v.lock();
    v.conn()
        .execute(
            "UPDATE vault_slots SET wrapped_dek = zeroblob(60) WHERE slot = 'passphrase'",
            [],
        )
        .unwrap();
    assert!(matches!(
        v.unlock("harbor lights at dusk"),
        Err(VaultError::KeysDamaged(_))
    ));
    assert!(matches!(
        v.unlock("other"),
        Err(VaultError::WrongPassphrase)
    ));
}

#[test]
fn platform_key_is_a_second_way_in() {
    let (_d, v) = vault();
    v.setup("harbor lights at dusk").unwrap();
    let sealed = v.seal_record("entry", "x", b"kept").unwrap();
    let platform = hazmat::make_key();
    let wrap = |dek: &[u8]| Ok(hazmat::seal_aes_gcm(&platform, b"platform", dek));
    let unwrap = |blob: &[u8]| {
        hazmat::open_aes_gcm(&platform, b"platform", blob)
            .map(|b| b.to_vec())
            .map_err(|_| PlatformKeyError::KeyUnavailable {
                reason: "keystore".into(),
            })
    };
    v.lock();
    assert!(matches!(
        v.enable_platform_key(wrap),
        Err(VaultError::Locked)
    ));
    assert!(matches!(
        v.unlock_with_platform_key(unwrap),
        Err(VaultError::PlatformKeyNotEnabled)
    ));
    v.unlock("harbor lights at dusk").unwrap();
    v.enable_platform_key(wrap).unwrap();
    v.lock();
    v.unlock_with_platform_key(unwrap).unwrap();
    assert_eq!(
        v.open_record("entry", "x", &sealed).unwrap().as_slice(),
        b"kept"
    );
    v.lock();
    assert!(matches!(
        v.unlock_with_platform_key(|_| Ok(vec![7u8; 32])),
        Err(VaultError::PlatformKeyRejected)
    ));
    // The provider's own failure reaches the caller typed, and nothing unlocks.
    assert!(matches!(
        v.unlock_with_platform_key(|_| Err(PlatformKeyError::Cancelled)),
        Err(VaultError::PlatformKey(PlatformKeyError::Cancelled))
    ));
    assert!(!v.is_unlocked());
    v.unlock("harbor lights at dusk").unwrap();
    v.disable_platform_key().unwrap();
    v.lock();
    assert!(matches!(
        v.unlock_with_platform_key(unwrap),
        Err(VaultError::PlatformKeyNotEnabled)
    ));
}

#[test]
fn marks_are_sealed_replaced_and_need_the_key() {
    let (_d, v) = vault();
    v.setup("harbor lights at dusk").unwrap();
    assert!(v.read_mark("m").unwrap().is_none());
    v.write_mark("m", b"one").unwrap();
    v.write_mark("m", b"two").unwrap();
    assert_eq!(v.read_mark("m").unwrap().unwrap().as_slice(), b"two");
    // A mark moved to another name does not open.
    v.conn()
        .execute(
            "INSERT INTO vault_marks (name, sealed) SELECT 'n', sealed FROM vault_marks",
            [],
        )
        .unwrap();
    assert!(matches!(
        v.read_mark("n"),
        Err(VaultError::RecordIntegrity { .. })
    ));
    v.lock();
    assert!(matches!(v.read_mark("m"), Err(VaultError::Locked)));
    assert!(matches!(v.write_mark("m", b"x"), Err(VaultError::Locked)));
}
