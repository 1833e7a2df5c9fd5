//! Invite parsing (`sharing::identity::Invite::parse`): the one-line text a supporter hands a
//! peer, pasted or scanned from a QR code. An invite that parses must encode and parse back to
//! itself.
#![no_main]

use lantern_core::sharing::identity::Invite;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(invite) = Invite::parse(&text) {
        assert_eq!(Invite::parse(&invite.encode()), Ok(invite));
    }
});
