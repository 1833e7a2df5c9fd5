//! Envelopes: what travels through the relay from a peer to a supporter.
//!
//! The payload is sealed with HPKE (base mode) to the supporter's X25519 key; the HPKE `info`
//! names the sender's and the recipient's signing keys and the `aad` is the exact header bytes
//! (id, connection, sequence number, time), so a ciphertext moved into another envelope or to
//! another recipient does not open. The whole envelope (header, encapsulated key, ciphertext)
//! is signed by the sender's Ed25519 key. The relay sees only the header's opaque ids.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::codec::{b64_32, b64_bytes};
use crate::consent::{ItemMeta, SignedGrant};
use crate::crypto::hazmat::verify_ed25519;
use crate::crypto::hpke::seal_to;
use crate::sharing::identity::{Identity, PublicKeys};
use crate::sharing::reach::{ReplyAnswer, ReplyTarget};

const ENVELOPE_FORMAT: u32 = 1;
const SIGNING_CONTEXT: &[u8] = b"lantern-envelope-v1\n";
const HPKE_CONTEXT: &[u8] = b"lantern-envelope-v1/hpke\n";
/// Largest envelope accepted from the relay.
pub const MAX_ENVELOPE_BYTES: usize = 4 * 1024 * 1024;

/// Why an envelope was refused. Nothing from a refused envelope is applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    #[error("malformed envelope")]
    Malformed,
    #[error("envelope addressed to someone else")]
    WrongRecipient,
    #[error("envelope from an unknown or unexpected sender")]
    WrongSender,
    #[error("envelope signature does not verify")]
    BadSignature,
    #[error("envelope payload does not decrypt for this recipient")]
    Undecryptable,
    #[error("envelope is older than one already applied (replayed or reordered)")]
    Stale,
    #[error("envelope carries an item no valid grant covers")]
    ConsentViolation,
    #[error("envelope carries an invalid grant")]
    BadGrant,
    #[error("pairing request does not match an open invite")]
    UnknownInvite,
}

/// The cleartext, signed header. The relay can read it; it holds only opaque ids and keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub format: u32,
    pub id: String,
    pub connection_id: String,
    #[serde(with = "b64_32")]
    pub sender: [u8; 32],
    #[serde(with = "b64_32")]
    pub recipient: [u8; 32],
    /// Per-connection, strictly increasing in sending order.
    pub seq: u64,
    pub sent_at: i64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    #[serde(with = "b64_bytes")]
    header: Vec<u8>,
    #[serde(with = "b64_32")]
    enc: [u8; 32],
    #[serde(with = "b64_bytes")]
    ct: Vec<u8>,
    #[serde(with = "b64_bytes")]
    sig: Vec<u8>,
}

/// One item change, as the supporter receives it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum ItemMessage {
    /// A new item or a new version of one, disclosed under `grant_id`.
    Upsert {
        meta: ItemMeta,
        version: u64,
        grant_id: String,
        body: String,
    },
    /// The item is no longer shared (deleted, tag removed, out of scope): delete it.
    Tombstone { key: String, version: u64 },
}

impl std::fmt::Debug for ItemMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemMessage::Upsert { version, .. } => write!(f, "Upsert(v{version})"),
            ItemMessage::Tombstone { version, .. } => write!(f, "Tombstone(v{version})"),
        }
    }
}

/// What an envelope carries, once opened.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Payload {
    /// The peer's first message after pairing: proves it holds the invite.
    Hello {
        invite_id: String,
        #[serde(with = "b64_32")]
        pair_secret: [u8; 32],
        name: String,
        keys: PublicKeys,
        /// A capability the peer issued on its own mailbox (same relay), for the supporter's
        /// one message back: the connection's own posting capability. Absent from older peers.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_capability: Option<String>,
    },
    /// Supporter to peer, once: the posting capability for this connection alone, replacing
    /// the invite's (which the supporter then revokes at the relay).
    ConnectionCapability { token: String },
    /// Consent state and item changes. `grants` is the complete set of grants active for this
    /// connection when sent: a grant missing from it was revoked or has expired, and the
    /// supporter deletes everything it received under it.
    Update {
        grants: Vec<SignedGrant>,
        items: Vec<ItemMessage>,
    },
    /// Peer to supporter: an "I need support now" alert (an `Upsert` of kind `alert`),
    /// disclosed under `grant`, which covers alerts. Unlike `Update`, it says nothing about
    /// other grants: it is one event, not the state of the connection.
    Alert {
        grant: SignedGrant,
        alert: ItemMessage,
    },
    /// Supporter to peer, on the reply channel the pairing set up: an answer to an alert or a
    /// shared item.
    Reply {
        in_reply_to: ReplyTarget,
        answer: ReplyAnswer,
    },
}

impl std::fmt::Debug for Payload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Payload::Hello { .. } => f.write_str("Hello"),
            Payload::ConnectionCapability { .. } => f.write_str("ConnectionCapability"),
            Payload::Update { items, .. } => write!(f, "Update({} items)", items.len()),
            Payload::Alert { .. } => f.write_str("Alert"),
            Payload::Reply { .. } => f.write_str("Reply"),
        }
    }
}

fn hpke_info(sender: &[u8; 32], recipient: &[u8; 32]) -> Vec<u8> {
    let mut m = HPKE_CONTEXT.to_vec();
    m.extend_from_slice(sender);
    m.extend_from_slice(recipient);
    m
}

fn signing_message(header: &[u8], enc: &[u8; 32], ct: &[u8]) -> Vec<u8> {
    let mut m = SIGNING_CONTEXT.to_vec();
    m.extend_from_slice(&(header.len() as u64).to_be_bytes());
    m.extend_from_slice(header);
    m.extend_from_slice(enc);
    m.extend_from_slice(&(ct.len() as u64).to_be_bytes());
    m.extend_from_slice(ct);
    m
}

/// Seals and signs `payload` from `me` to `recipient`. Returns the envelope's bytes.
pub fn seal(
    me: &Identity,
    recipient: &PublicKeys,
    id: &str,
    connection_id: &str,
    seq: u64,
    sent_at: i64,
    payload: &Payload,
) -> Vec<u8> {
    let plaintext = Zeroizing::new(serde_json::to_vec(payload).expect("payloads serialize"));
    seal_plaintext(me, recipient, id, connection_id, seq, sent_at, &plaintext)
}

/// An envelope around arbitrary payload bytes, signed by `me`, so a fuzzer can reach what
/// [`Parsed::open`] and the inbox do after the signature and decryption pass. Only with the
/// `fuzzing` feature.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn seal_bytes_for_fuzzing(
    me: &Identity,
    recipient: &PublicKeys,
    id: &str,
    connection_id: &str,
    seq: u64,
    sent_at: i64,
    plaintext: &[u8],
) -> Vec<u8> {
    seal_plaintext(me, recipient, id, connection_id, seq, sent_at, plaintext)
}

fn seal_plaintext(
    me: &Identity,
    recipient: &PublicKeys,
    id: &str,
    connection_id: &str,
    seq: u64,
    sent_at: i64,
    plaintext: &[u8],
) -> Vec<u8> {
    let header = Header {
        format: ENVELOPE_FORMAT,
        id: id.to_string(),
        connection_id: connection_id.to_string(),
        sender: me.signing.public_key(),
        recipient: recipient.signing,
        seq,
        sent_at,
    };
    let header = serde_json::to_vec(&header).expect("headers serialize");
    let (enc, ct) = seal_to(
        &recipient.receiving,
        &hpke_info(&me.signing.public_key(), &recipient.signing),
        &header,
        plaintext,
    )
    .expect("recipient keys were checked when paired");
    let sig = me
        .signing
        .sign(&signing_message(&header, &enc, &ct))
        .to_vec();
    serde_json::to_vec(&Wire {
        header,
        enc,
        ct,
        sig,
    })
    .expect("envelopes serialize")
}

/// A parsed envelope whose header can be read but which is not yet verified or opened.
pub struct Parsed {
    pub header: Header,
    wire: Wire,
}

/// Parses an envelope's outer structure and header. Checks nothing cryptographic yet.
pub fn parse(bytes: &[u8]) -> Result<Parsed, EnvelopeError> {
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(EnvelopeError::Malformed);
    }
    let wire: Wire = serde_json::from_slice(bytes).map_err(|_| EnvelopeError::Malformed)?;
    let header: Header =
        serde_json::from_slice(&wire.header).map_err(|_| EnvelopeError::Malformed)?;
    if header.format != ENVELOPE_FORMAT || !protocol_id_ok(&header.id) {
        return Err(EnvelopeError::Malformed);
    }
    Ok(Parsed { header, wire })
}

fn protocol_id_ok(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl Parsed {
    /// Verifies that `me` is the recipient and `expected_sender` signed it, then decrypts.
    pub fn open(
        &self,
        me: &Identity,
        expected_sender: &[u8; 32],
    ) -> Result<Payload, EnvelopeError> {
        if self.header.recipient != me.signing.public_key() {
            return Err(EnvelopeError::WrongRecipient);
        }
        if self.header.sender != *expected_sender {
            return Err(EnvelopeError::WrongSender);
        }
        let w = &self.wire;
        verify_ed25519(
            expected_sender,
            &signing_message(&w.header, &w.enc, &w.ct),
            &w.sig,
        )
        .map_err(|_| EnvelopeError::BadSignature)?;
        let plaintext = me
            .receiving
            .open(
                &w.enc,
                &hpke_info(expected_sender, &self.header.recipient),
                &w.header,
                &w.ct,
            )
            .map_err(|_| EnvelopeError::Undecryptable)?;
        serde_json::from_slice(&plaintext).map_err(|_| EnvelopeError::Malformed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::make_id;

    fn update() -> Payload {
        Payload::Update {
            grants: vec![],
            items: vec![ItemMessage::Tombstone {
                key: "entry:1".into(),
                version: 2,
            }],
        }
    }

    #[test]
    fn round_trip_and_each_check() {
        let peer = Identity::make();
        let sup = Identity::make();
        let other = Identity::make();
        let bytes = seal(&peer, &sup.public(), &make_id(), "c1", 7, 100, &update());
        let parsed = parse(&bytes).expect("parses");
        assert_eq!(parsed.header.seq, 7);
        assert_eq!(parsed.header.connection_id, "c1");
        let p = parsed
            .open(&sup, &peer.signing.public_key())
            .expect("opens");
        assert!(matches!(p, Payload::Update { .. }));
        assert_eq!(
            parsed.open(&other, &peer.signing.public_key()).err(),
            Some(EnvelopeError::WrongRecipient)
        );
        assert_eq!(
            parsed.open(&sup, &other.signing.public_key()).err(),
            Some(EnvelopeError::WrongSender)
        );
    }

    #[test]
    fn tampering_is_detected() {
        let peer = Identity::make();
        let sup = Identity::make();
        let bytes = seal(&peer, &sup.public(), "e1", "c1", 1, 100, &update());
        let mut wire: Wire = serde_json::from_slice(&bytes).expect("wire");

        // Header edited (a relay bumping the sequence number): signature fails.
        let mut h: Header = serde_json::from_slice(&wire.header).expect("header");
        h.seq = 9;
        let mut w2 = serde_json::from_slice::<Wire>(&bytes).expect("wire");
        w2.header = serde_json::to_vec(&h).expect("header");
        let b2 = serde_json::to_vec(&w2).expect("wire");
        assert_eq!(
            parse(&b2)
                .expect("parses")
                .open(&sup, &peer.signing.public_key())
                .err(),
            Some(EnvelopeError::BadSignature)
        );

        // Ciphertext byte flipped.
        wire.ct[3] ^= 1;
        let b3 = serde_json::to_vec(&wire).expect("wire");
        assert_eq!(
            parse(&b3)
                .expect("parses")
                .open(&sup, &peer.signing.public_key())
                .err(),
            Some(EnvelopeError::BadSignature)
        );

        // A forger re-signing with its own key but claiming the peer's: signature fails.
        let forger = Identity::make();
        let forged = seal(&forger, &sup.public(), "e2", "c1", 2, 100, &update());
        let mut fw: Wire = serde_json::from_slice(&forged).expect("wire");
        let mut fh: Header = serde_json::from_slice(&fw.header).expect("header");
        fh.sender = peer.signing.public_key();
        fw.header = serde_json::to_vec(&fh).expect("header");
        let fb = serde_json::to_vec(&fw).expect("wire");
        assert_eq!(
            parse(&fb)
                .expect("parses")
                .open(&sup, &peer.signing.public_key())
                .err(),
            Some(EnvelopeError::BadSignature)
        );

        // The peer's own ciphertext moved under a header for another connection (re-signed by
        // the peer would be needed; a relay cannot): aad binding is checked by HPKE, shown by
        // opening with a mismatched header directly.
        let a = seal(&peer, &sup.public(), "e3", "c1", 3, 100, &update());
        let b = seal(&peer, &sup.public(), "e4", "c2", 4, 100, &update());
        let wa: Wire = serde_json::from_slice(&a).expect("wire");
        let wb: Wire = serde_json::from_slice(&b).expect("wire");
        let opened = sup.receiving.open(
            &wa.enc,
            &hpke_info(&peer.signing.public_key(), &sup.signing.public_key()),
            &wb.header,
            &wa.ct,
        );
        assert!(opened.is_err());

        assert_eq!(parse(b"not json").err(), Some(EnvelopeError::Malformed));
        assert_eq!(parse(b"{}").err(), Some(EnvelopeError::Malformed));
    }
}
