//! Small encoding helpers shared by the sharing modules: base64url (no padding) for bytes in
//! JSON and in ids, lowercase hex, and random ids. Nothing here touches keys or plaintext beyond
//! the bytes it is handed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::crypto::hazmat::make_random;

/// Encodes bytes as base64url without padding.
pub fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes base64url without padding; `None` on any malformed input.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()
}

/// Decodes base64url into exactly `N` bytes.
pub fn unb64_array<const N: usize>(text: &str) -> Option<[u8; N]> {
    unb64(text)?.try_into().ok()
}

/// A fresh random id: 16 random bytes as base64url (22 characters, valid as a relay envelope id).
pub fn make_id() -> String {
    b64(&make_random::<16>())
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Serde adapter: `Vec<u8>` as a base64url string.
pub mod b64_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::b64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::unb64(&text).ok_or_else(|| serde::de::Error::custom("invalid base64url"))
    }
}

/// Serde adapter: `[u8; 32]` as a base64url string.
pub mod b64_32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::b64(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        super::unb64_array(&text).ok_or_else(|| serde::de::Error::custom("invalid 32-byte key"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_round_trip_and_rejects_garbage() {
        assert_eq!(unb64(&b64(b"\x00\xffhi")).expect("decodes"), b"\x00\xffhi");
        assert!(unb64("a+b/").is_none());
        assert!(unb64_array::<32>(&b64(&[1u8; 31])).is_none());
        let id = make_id();
        assert_eq!(id.len(), 22);
        assert_ne!(id, make_id());
        assert_eq!(hex(&[0, 171]), "00ab");
    }
}
