//! Long-term identity (Ed25519 to sign, X25519 to receive), invites and safety numbers.
//!
//! An invite is one line of text (`lantern:1:` + base64url JSON), short enough for a QR code,
//! carrying everything a peer needs to reach the inviting supporter: relay URL, mailbox, a
//! posting capability, the supporter's public keys and display name, and a one-time pairing
//! secret (so a relay that sees the mailbox cannot pose as the peer). The safety number is
//! derived from both sides' public keys only, the same on both phones whatever the order, so two
//! people comparing it in person know no one sits in the middle.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::sealer::Sealer;
use super::store::{StoreError, meta_get};
use crate::codec::{b64, b64_32, hex, make_id, unb64};
use crate::crypto::hazmat::{SigningKey, derive_sha256, derive_sha512, make_random};
use crate::crypto::hpke::{ReceivingKey, is_usable_public_key};

/// This installation's long-term keys.
pub struct Identity {
    pub signing: SigningKey,
    pub receiving: ReceivingKey,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity").finish_non_exhaustive()
    }
}

/// The stored form of an identity (sealed before it is written).
#[derive(Serialize, Deserialize)]
struct StoredIdentity {
    signing_pkcs8: String,
    receiving_seed: String,
}

/// Someone's public keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicKeys {
    #[serde(with = "b64_32")]
    pub signing: [u8; 32],
    #[serde(with = "b64_32")]
    pub receiving: [u8; 32],
}

impl Identity {
    /// Fresh random keys.
    pub fn make() -> Self {
        Identity {
            signing: SigningKey::make(),
            receiving: ReceivingKey::make(),
        }
    }

    /// The public half.
    pub fn public(&self) -> PublicKeys {
        PublicKeys {
            signing: self.signing.public_key(),
            receiving: self.receiving.public_key(),
        }
    }

    /// Serializes the private keys for sealing at rest.
    pub fn to_secret_bytes(&self) -> Zeroizing<Vec<u8>> {
        let stored = StoredIdentity {
            signing_pkcs8: b64(self.signing.pkcs8()),
            receiving_seed: b64(self.receiving.seed()),
        };
        Zeroizing::new(serde_json::to_vec(&stored).expect("identity serializes"))
    }

    /// Inverse of [`Identity::to_secret_bytes`]; `None` if the bytes are not a stored identity.
    pub fn from_secret_bytes(bytes: &[u8]) -> Option<Self> {
        let stored: StoredIdentity = serde_json::from_slice(bytes).ok()?;
        let pkcs8 = Zeroizing::new(unb64(&stored.signing_pkcs8)?);
        let seed = Zeroizing::new(<[u8; 32]>::try_from(unb64(&stored.receiving_seed)?).ok()?);
        Some(Identity {
            signing: SigningKey::from_pkcs8(&pkcs8).ok()?,
            receiving: ReceivingKey::from_seed(&seed),
        })
    }
}

/// The `meta` key of the sealed identity in `sharing.db`.
pub(crate) const IDENTITY_KEY: &str = "identity";

/// This installation's identity as stored (sealed) in `sharing.db`, without creating one.
pub(crate) fn load_stored(
    db: &rusqlite::Connection,
    sealer: &dyn Sealer,
) -> Result<Option<Identity>, StoreError> {
    let Some(sealed) = meta_get(db, IDENTITY_KEY)? else {
        return Ok(None);
    };
    let bytes = sealer
        .open(IDENTITY_KEY.as_bytes(), &sealed)
        .map_err(|e| e.or_corrupt("identity"))?;
    Identity::from_secret_bytes(&bytes)
        .map(Some)
        .ok_or(StoreError::Corrupt("identity"))
}

const INVITE_PREFIX: &str = "lantern:1:";
/// How long an invite can be used: long enough to pass it on, short enough that a copy found
/// later is worthless.
pub const INVITE_TTL_SECS: i64 = 7 * 86_400;
const INVITE_FORMAT: u32 = 1;
const MAX_NAME_CHARS: usize = 100;

/// Why an invite was refused. Never echoes the invite's contents.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("this is not a Lantern invite (it should start with lantern:1:)")]
    NotAnInvite,
    #[error("the invite is damaged or incomplete")]
    Malformed,
    #[error("invalid invite field: {0}")]
    BadField(&'static str),
    #[error("the invite has expired; ask for a new one")]
    Expired,
}

/// What an invite carries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    pub format: u32,
    pub id: String,
    pub relay_url: String,
    pub mailbox_id: String,
    pub capability: String,
    pub name: String,
    pub keys: PublicKeys,
    #[serde(with = "b64_32")]
    pub pair_secret: [u8; 32],
    /// Unix seconds after which the invite pairs no more (absent in invites made before it
    /// existed; the supporter's side still enforces its own record).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
}

impl std::fmt::Debug for Invite {
    // Capability and pairing secret are bearer secrets; names are personal.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invite")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

fn check_name(name: &str) -> Result<(), InviteError> {
    let n = name.trim().chars().count();
    if n == 0 || n > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(InviteError::BadField("name (1 to 100 characters)"));
    }
    Ok(())
}

/// Checks a display name given for pairing or inviting.
pub fn validate_name(name: &str) -> Result<(), InviteError> {
    check_name(name)
}

impl Invite {
    /// A new invite from `keys` with a fresh id and pairing secret, usable until `expires_at`.
    pub fn make(
        relay_url: &str,
        mailbox_id: &str,
        capability: &str,
        name: &str,
        keys: PublicKeys,
        expires_at: i64,
    ) -> Result<Self, InviteError> {
        let invite = Invite {
            format: INVITE_FORMAT,
            id: make_id(),
            relay_url: relay_url.trim_end_matches('/').to_string(),
            mailbox_id: mailbox_id.to_string(),
            capability: capability.to_string(),
            name: name.trim().to_string(),
            keys,
            pair_secret: make_random(),
            expires_at: Some(expires_at),
        };
        invite.validate()?;
        Ok(invite)
    }

    /// Whether the invite can no longer be used at `now`.
    pub fn is_expired(&self, now: i64) -> bool {
        self.expires_at.is_some_and(|at| now >= at)
    }

    fn validate(&self) -> Result<(), InviteError> {
        if self.format != INVITE_FORMAT {
            return Err(InviteError::BadField("format"));
        }
        if !(self.relay_url.starts_with("http://") || self.relay_url.starts_with("https://"))
            || self.relay_url.len() > 500
        {
            return Err(InviteError::BadField("relay URL"));
        }
        let token = |s: &str| {
            !s.is_empty()
                && s.len() <= 200
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        };
        if !token(&self.id) || !token(&self.mailbox_id) || !token(&self.capability) {
            return Err(InviteError::BadField("id, mailbox or capability"));
        }
        // A hostile invite may carry a low-order key: refuse it here, not when sealing to it.
        if !is_usable_public_key(&self.keys.receiving) {
            return Err(InviteError::BadField("receiving key"));
        }
        check_name(&self.name)
    }

    /// The one-line text form.
    pub fn encode(&self) -> String {
        let json = serde_json::to_vec(self).expect("invites serialize");
        format!("{INVITE_PREFIX}{}", b64(&json))
    }

    /// Parses and checks the one-line text form (surrounding whitespace is ignored).
    pub fn parse(text: &str) -> Result<Self, InviteError> {
        let body = text
            .trim()
            .strip_prefix(INVITE_PREFIX)
            .ok_or(InviteError::NotAnInvite)?;
        let json = unb64(body).ok_or(InviteError::Malformed)?;
        let invite: Invite = serde_json::from_slice(&json).map_err(|_| InviteError::Malformed)?;
        invite.validate()?;
        Ok(invite)
    }
}

/// The id both sides give the connection made from `invite_id` by the peer with `peer_signing`.
pub fn connection_id(invite_id: &str, peer_signing: &[u8; 32]) -> String {
    let mut m = b"lantern-connection-v1\n".to_vec();
    m.extend_from_slice(invite_id.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(peer_signing);
    hex(&derive_sha256(&m)[..8])
}

const SAFETY_ITERATIONS: usize = 5200;

/// One side's 30 digits: iterated SHA-512 over a version, the public keys and a label.
fn fingerprint_digits(keys: &PublicKeys) -> String {
    let mut key = keys.signing.to_vec();
    key.extend_from_slice(&keys.receiving);
    let mut input = vec![0u8, 1];
    input.extend_from_slice(&key);
    input.extend_from_slice(b"lantern-safety-number");
    let mut hash = derive_sha512(&input);
    for _ in 0..SAFETY_ITERATIONS {
        let mut next = hash.to_vec();
        next.extend_from_slice(&key);
        hash = derive_sha512(&next);
    }
    let mut out = String::with_capacity(30);
    for chunk in hash[..30].chunks(5) {
        let n = chunk.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        out.push_str(&format!("{:05}", n % 100_000));
    }
    out
}

/// The safety number of a pairing: 60 digits in twelve groups of five, identical on both sides
/// (the two halves are sorted, so the order of the arguments does not matter).
pub fn safety_number(a: &PublicKeys, b: &PublicKeys) -> String {
    let mut halves = [fingerprint_digits(a), fingerprint_digits(b)];
    halves.sort();
    let digits = halves.concat();
    digits
        .as_bytes()
        .chunks(5)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invite() -> Invite {
        Invite::make(
            "http://127.0.0.1:8080/",
            "mbox_1",
            "cap-token",
            "Sam",
            Identity::make().public(),
            2_000_000_000,
        )
        .expect("valid invite")
    }

    #[test]
    fn identity_survives_its_secret_bytes() {
        let id = Identity::make();
        let again = Identity::from_secret_bytes(&id.to_secret_bytes()).expect("reloads");
        assert_eq!(again.public(), id.public());
        assert!(Identity::from_secret_bytes(b"{}").is_none());
        assert_eq!(format!("{id:?}"), "Identity { .. }");
    }

    #[test]
    fn invites_round_trip_as_one_line() {
        let inv = invite();
        let text = inv.encode();
        assert!(text.starts_with("lantern:1:"));
        assert!(!text.contains(char::is_whitespace));
        assert!(text.len() < 700, "fits a QR code: {}", text.len());
        let back = Invite::parse(&format!("  {text}\n")).expect("parses");
        assert!(back == inv);
        assert_eq!(back.relay_url, "http://127.0.0.1:8080");
        assert!(!format!("{inv:?}").contains("cap-token"));
    }

    #[test]
    fn bad_invites_are_refused_with_a_typed_error() {
        assert_eq!(Invite::parse("hello"), Err(InviteError::NotAnInvite));
        assert_eq!(Invite::parse("lantern:1:!!!"), Err(InviteError::Malformed));
        assert_eq!(
            Invite::parse(&format!("lantern:1:{}", b64(b"{\"format\":1}"))),
            Err(InviteError::Malformed)
        );
        let mut inv = invite();
        inv.relay_url = "ftp://x".into();
        let text = format!(
            "lantern:1:{}",
            b64(&serde_json::to_vec(&inv).expect("json"))
        );
        assert_eq!(
            Invite::parse(&text),
            Err(InviteError::BadField("relay URL"))
        );
        let text = invite().encode();
        let cut = &text[..text.len() - 10];
        assert!(Invite::parse(cut).is_err());
        assert!(Invite::make("http://r", "m", "c", "  ", Identity::make().public(), 0).is_err());
    }

    #[test]
    fn invites_with_low_order_keys_are_refused_at_parse_time() {
        for bad in [[0u8; 32], {
            let mut one = [0u8; 32];
            one[0] = 1;
            one
        }] {
            let mut inv = invite();
            inv.keys.receiving = bad;
            let text = format!(
                "lantern:1:{}",
                b64(&serde_json::to_vec(&inv).expect("json"))
            );
            assert_eq!(
                Invite::parse(&text),
                Err(InviteError::BadField("receiving key"))
            );
        }
    }

    #[test]
    fn safety_numbers_match_on_both_sides_and_differ_per_pair() {
        let a = Identity::make().public();
        let b = Identity::make().public();
        let c = Identity::make().public();
        let ab = safety_number(&a, &b);
        assert_eq!(ab, safety_number(&b, &a));
        assert_ne!(ab, safety_number(&a, &c));
        let groups: Vec<&str> = ab.split(' ').collect();
        assert_eq!(groups.len(), 12);
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 5 && g.bytes().all(|d| d.is_ascii_digit()))
        );
        // A different receiving key alone (a relay swapping keys) changes the number.
        let mut b2 = b;
        b2.receiving = c.receiving;
        assert_ne!(ab, safety_number(&a, &b2));
    }

    #[test]
    fn connection_ids_are_shared_and_distinct() {
        let k = [3u8; 32];
        assert_eq!(connection_id("inv", &k), connection_id("inv", &k));
        assert_ne!(connection_id("inv", &k), connection_id("inv2", &k));
        assert_eq!(connection_id("inv", &k).len(), 16);
    }
}
