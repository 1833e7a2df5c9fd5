//! HPKE (RFC 9180, base mode: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM) for sealing
//! sync payloads to a supporter's long-term X25519 key. `ring` offers only ephemeral X25519, so
//! this module (and only it) uses the `hpke` crate. It never sees plaintext beyond the call and
//! never stores keys: callers keep the 32-byte seed wrapped under their vault.

use hpke::aead::AesGcm256;
use hpke::kdf::HkdfSha256;
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use zeroize::Zeroizing;

use super::hazmat::{CryptoError, make_random};

type Kem = X25519HkdfSha256;

/// Length of an X25519 public key and of the encapsulated key HPKE sends along.
pub const X25519_PUBLIC_KEY_LEN: usize = 32;

/// A long-term X25519 receiving key, derived (RFC 9180 `DeriveKeyPair`) from a 32-byte seed that
/// is zeroized on drop. Store the seed, wrapped, never the derived key.
pub struct ReceivingKey {
    seed: Zeroizing<[u8; 32]>,
    secret: <Kem as hpke::Kem>::PrivateKey,
    public: [u8; X25519_PUBLIC_KEY_LEN],
}

impl std::fmt::Debug for ReceivingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivingKey").finish_non_exhaustive()
    }
}

impl ReceivingKey {
    /// A fresh random receiving key.
    pub fn make() -> Self {
        Self::from_seed(&make_random::<32>())
    }

    /// Re-derives the key pair from its seed.
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        let (secret, public) = Kem::derive_keypair(seed);
        let mut pk = [0u8; X25519_PUBLIC_KEY_LEN];
        pk.copy_from_slice(public.to_bytes().as_slice());
        ReceivingKey {
            seed: Zeroizing::new(*seed),
            secret,
            public: pk,
        }
    }

    /// The seed, for storing the key wrapped at rest.
    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    /// The 32-byte X25519 public key.
    pub fn public_key(&self) -> [u8; X25519_PUBLIC_KEY_LEN] {
        self.public
    }

    /// Opens what [`seal_to`] produced for this key with the same `info` and `aad`.
    pub fn open(
        &self,
        encapped: &[u8],
        info: &[u8],
        aad: &[u8],
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(encapped).map_err(|_| CryptoError)?;
        hpke::single_shot_open::<AesGcm256, HkdfSha256, Kem>(
            &OpModeR::Base,
            &self.secret,
            &enc,
            info,
            ciphertext,
            aad,
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError)
    }
}

/// Seals `plaintext` to `recipient` (an X25519 public key) in HPKE base mode. Returns the
/// encapsulated key and the ciphertext (with tag). `info` and `aad` must be given again to open.
pub fn seal_to(
    recipient: &[u8],
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; X25519_PUBLIC_KEY_LEN], Vec<u8>), CryptoError> {
    let pk = <Kem as hpke::Kem>::PublicKey::from_bytes(recipient).map_err(|_| CryptoError)?;
    let (enc, ct) = hpke::single_shot_seal::<AesGcm256, HkdfSha256, Kem>(
        &OpModeS::Base,
        &pk,
        info,
        plaintext,
        aad,
    )
    .map_err(|_| CryptoError)?;
    let mut out = [0u8; X25519_PUBLIC_KEY_LEN];
    out.copy_from_slice(enc.to_bytes().as_slice());
    Ok((out, ct))
}

/// Whether `recipient` is an X25519 public key payloads can be sealed to: a low-order point
/// (all zeros, and the other few) gives an all-zero shared secret, which HPKE refuses. Checked
/// when a key arrives (an invite), so sealing to it later cannot fail.
pub fn is_usable_public_key(recipient: &[u8; X25519_PUBLIC_KEY_LEN]) -> bool {
    seal_to(recipient, b"lantern-key-check", b"", b"").is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_binding() {
        let key = ReceivingKey::make();
        let (enc, ct) = seal_to(&key.public_key(), b"info", b"aad", b"hello").expect("seals");
        assert_eq!(
            key.open(&enc, b"info", b"aad", &ct)
                .expect("opens")
                .as_slice(),
            b"hello"
        );
        assert!(key.open(&enc, b"infp", b"aad", &ct).is_err());
        assert!(key.open(&enc, b"info", b"aae", &ct).is_err());
        let mut bad = ct.clone();
        bad[0] ^= 1;
        assert!(key.open(&enc, b"info", b"aad", &bad).is_err());
        assert!(
            ReceivingKey::make()
                .open(&enc, b"info", b"aad", &ct)
                .is_err()
        );
        assert!(key.open(&enc[..31], b"info", b"aad", &ct).is_err());
        assert!(seal_to(&[1u8; 5], b"info", b"aad", b"x").is_err());
    }

    #[test]
    fn seed_rederives_the_same_key() {
        let key = ReceivingKey::make();
        let again = ReceivingKey::from_seed(key.seed());
        assert_eq!(again.public_key(), key.public_key());
        let (enc, ct) = seal_to(&key.public_key(), b"i", b"a", b"m").expect("seals");
        assert_eq!(
            again.open(&enc, b"i", b"a", &ct).expect("opens").as_slice(),
            b"m"
        );
        assert!(!format!("{key:?}").contains(&format!("{:?}", key.seed())));
    }

    /// RFC 9180 appendix A.1 DeriveKeyPair vector for DHKEM(X25519, HKDF-SHA256): shows the
    /// key derivation is the standard one, so another HPKE implementation can interoperate.
    #[test]
    fn derive_keypair_matches_rfc9180_vector() {
        let ikm_r = hex("6db9df30aa07dd42ee5e8181afdb977e538f5e1fec8a06223f33f7013e525037");
        let pk_r = hex("3948cfe0ad1ddb695d780e59077195da6c56506b027329794ab02bca80815c4d");
        let mut seed = [0u8; 32];
        seed.copy_from_slice(&ikm_r);
        assert_eq!(ReceivingKey::from_seed(&seed).public_key().to_vec(), pk_r);
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
            .collect()
    }

    #[test]
    fn low_order_keys_are_not_usable() {
        assert!(is_usable_public_key(&ReceivingKey::make().public_key()));
        assert!(!is_usable_public_key(&[0u8; 32]));
        let mut one = [0u8; 32];
        one[0] = 1; // the point of order 1 (u = 1)
        assert!(!is_usable_public_key(&one));
    }
}
