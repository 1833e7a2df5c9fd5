//! The audit export verifier: the exported audit log (`SharingStore::export_audit`, JSON) as
//! anyone re-checks it (`sharing::audit::verify_records` over the parsed `AuditExport`). A log
//! that verifies must still verify after a round trip through its JSON, and without its first
//! record it must not.
#![no_main]

use lantern_core::sharing::audit::{AuditExport, verify_records};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = serde_json::from_slice::<AuditExport>(data) else {
        return;
    };
    let Ok(head) = verify_records(&doc.records) else {
        return;
    };
    let again: AuditExport =
        serde_json::from_str(&serde_json::to_string(&doc).expect("export encodes"))
            .expect("export parses");
    assert_eq!(verify_records(&again.records), Ok(head));
    if doc.records.len() >= 2 {
        let mut cut = doc.records.clone();
        cut.remove(0);
        assert!(
            verify_records(&cut).is_err(),
            "a log missing its first record verified"
        );
    }
});
