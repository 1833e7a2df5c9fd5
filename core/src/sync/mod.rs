//! Sync between a peer and a supporter through a relay: `relay_client` speaks the relay's HTTP
//! API (mailboxes, capabilities, envelopes). It never sees plaintext: callers hand it ciphertext.
pub mod relay_client;
