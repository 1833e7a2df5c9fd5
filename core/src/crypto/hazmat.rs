//! Thin, typed wrappers over `ring`. The only module in the core that imports it.
//!
//! Naming follows bitwarden's convention: `make_*` is random, `derive_*` is deterministic.
//! Errors here never say why a check failed beyond "it failed": callers map that to a typed
//! `Integrity`/`WrongPassphrase`/`ContentRejected` error with context they own.

use std::num::NonZeroU32;

use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use zeroize::Zeroizing;

/// A cryptographic check failed (bad tag, bad signature, malformed key). Deliberately opaque.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cryptographic check failed")]
pub struct CryptoError;

pub const AES_256_GCM_KEY_LEN: usize = 32;
pub const AES_256_GCM_NONCE_LEN: usize = 12;
pub const AES_256_GCM_TAG_LEN: usize = 16;
pub const ED25519_PUBLIC_KEY_LEN: usize = 32;
pub const ED25519_SIGNATURE_LEN: usize = 64;

/// Fills a fresh buffer of `N` bytes from the OS random source.
pub fn make_random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    SystemRandom::new()
        .fill(&mut out)
        .expect("the OS random source is available");
    out
}

/// Bytes of the OS random source fetched a block at a time, for callers that need fresh
/// random bytes per record (nonces, ids): one system call per [`RANDOM_POOL_LEN`] bytes instead
/// of one per value. Every byte is handed out once, then wiped from the pool. Not for keys
/// (use [`make_key`]). A pool must not be shared across `fork()` (the child would hand out
/// the parent's next bytes again); holders keep it per unlock, next to a SQLite connection,
/// which cannot cross a fork either.
pub struct RandomPool {
    buf: Zeroizing<Vec<u8>>,
    pos: usize,
}

/// Bytes fetched per refill of a [`RandomPool`].
pub const RANDOM_POOL_LEN: usize = 4096;

impl Default for RandomPool {
    fn default() -> Self {
        RandomPool {
            buf: Zeroizing::new(vec![0u8; RANDOM_POOL_LEN]),
            pos: RANDOM_POOL_LEN,
        }
    }
}

impl std::fmt::Debug for RandomPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RandomPool")
    }
}

impl RandomPool {
    /// Fills `out` with fresh random bytes.
    pub fn fill(&mut self, out: &mut [u8]) {
        let mut done = 0;
        while done < out.len() {
            if self.pos == RANDOM_POOL_LEN {
                SystemRandom::new()
                    .fill(&mut self.buf)
                    .expect("the OS random source is available");
                self.pos = 0;
            }
            let n = (RANDOM_POOL_LEN - self.pos).min(out.len() - done);
            let taken = &mut self.buf[self.pos..self.pos + n];
            out[done..done + n].copy_from_slice(taken);
            taken.fill(0);
            self.pos += n;
            done += n;
        }
    }

    /// `N` fresh random bytes.
    pub fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        self.fill(&mut out);
        out
    }

    /// A fresh AES-GCM nonce.
    pub fn nonce(&mut self) -> FreshNonce {
        FreshNonce(self.take())
    }
}

/// A random AES-GCM nonce that has never been used: made only from the OS random source
/// (directly or through a [`RandomPool`]), consumed by the one seal that uses it.
pub struct FreshNonce([u8; AES_256_GCM_NONCE_LEN]);

impl FreshNonce {
    /// A nonce straight from the OS random source.
    pub fn from_os() -> Self {
        FreshNonce(make_random())
    }
}

/// A fresh random 256-bit key, zeroized on drop.
pub fn make_key() -> Zeroizing<[u8; AES_256_GCM_KEY_LEN]> {
    Zeroizing::new(make_random())
}

/// SHA-256 of `data`.
pub fn derive_sha256(data: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// SHA-512 of `data` (safety numbers iterate it, as Signal's do).
pub fn derive_sha512(data: &[u8]) -> [u8; 64] {
    let d = ring::digest::digest(&ring::digest::SHA512, data);
    let mut out = [0u8; 64];
    out.copy_from_slice(d.as_ref());
    out
}

/// PBKDF2-HMAC-SHA256 of `secret` with `salt` and `iterations`, into a 256-bit key.
pub fn derive_pbkdf2_key(
    secret: &[u8],
    salt: &[u8],
    iterations: NonZeroU32,
) -> Zeroizing<[u8; AES_256_GCM_KEY_LEN]> {
    let mut out = Zeroizing::new([0u8; AES_256_GCM_KEY_LEN]);
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        iterations,
        salt,
        secret,
        out.as_mut(),
    );
    out
}

/// HMAC-SHA256 of `data` under `key`.
pub fn derive_hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let k = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key);
    let tag = ring::hmac::sign(&k, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Constant-time equality of two byte strings (the `subtle` crate's; only the lengths, which
/// are public here, may leak through timing).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq as _;
    bool::from(a.ct_eq(b))
}

fn gcm_key(key: &[u8; AES_256_GCM_KEY_LEN]) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&aead::AES_256_GCM, key).expect("key length is 32 bytes"))
}

/// AES-256-GCM with a fresh random nonce. Output: `nonce || ciphertext || tag`.
pub fn seal_aes_gcm(key: &[u8; AES_256_GCM_KEY_LEN], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    seal_with(&gcm_key(key), aad, plaintext)
}

fn seal_with(key: &LessSafeKey, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(AES_256_GCM_NONCE_LEN + plaintext.len() + AES_256_GCM_TAG_LEN);
    out.extend_from_slice(&[0u8; AES_256_GCM_NONCE_LEN]);
    out.extend_from_slice(plaintext);
    seal_in_place_with(key, FreshNonce::from_os(), aad, &mut out, 0);
    out
}

/// See [`GcmKey::seal_in_place`].
fn seal_in_place_with(
    key: &LessSafeKey,
    nonce: FreshNonce,
    aad: &[u8],
    buf: &mut Vec<u8>,
    at: usize,
) {
    let body = at + AES_256_GCM_NONCE_LEN;
    assert!(buf.len() >= body, "room for the nonce is reserved");
    buf[at..body].copy_from_slice(&nonce.0);
    let tag = key
        .seal_in_place_separate_tag(
            Nonce::assume_unique_for_key(nonce.0),
            Aad::from(aad),
            &mut buf[body..],
        )
        .expect("plaintext is below AES-GCM's length limit");
    buf.extend_from_slice(tag.as_ref());
}

/// Opens the output of [`seal_aes_gcm`]. Fails on a wrong key, wrong `aad` or any changed byte.
pub fn open_aes_gcm(
    key: &[u8; AES_256_GCM_KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    open_with(&gcm_key(key), aad, sealed)
}

fn open_with(
    key: &LessSafeKey,
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < AES_256_GCM_NONCE_LEN + AES_256_GCM_TAG_LEN {
        return Err(CryptoError);
    }
    let (nonce, body) = sealed.split_at(AES_256_GCM_NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError)?;
    let mut buf = Zeroizing::new(body.to_vec());
    let len = key
        .open_in_place(nonce, Aad::from(aad), buf.as_mut_slice())
        .map_err(|_| CryptoError)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

/// An AES-256-GCM key with its key schedule computed once, for callers that seal and open
/// many records under the same key (the vault's DEK). Same output format as
/// [`seal_aes_gcm`]. The schedule lives inside `ring` and is not zeroized by it; callers
/// drop the `GcmKey` on lock.
pub struct GcmKey(LessSafeKey);

impl std::fmt::Debug for GcmKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GcmKey(<redacted>)")
    }
}

impl GcmKey {
    /// Prepares `key` for repeated use.
    pub fn new(key: &[u8; AES_256_GCM_KEY_LEN]) -> Self {
        GcmKey(gcm_key(key))
    }

    /// Like [`seal_aes_gcm`], with a fresh random nonce.
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        seal_with(&self.0, aad, plaintext)
    }

    /// Seals in place, without copying the plaintext: `buf[at..at + 12]` (reserved by the
    /// caller) receives `nonce`, `buf[at + 12..]` (the plaintext) becomes ciphertext, and the
    /// tag is appended. From `at` on, the same format as [`seal_aes_gcm`]. Reserve 16 bytes of
    /// capacity for the tag so a buffer holding plaintext is never reallocated (and the old
    /// copy freed unwiped).
    pub fn seal_in_place(&self, nonce: FreshNonce, aad: &[u8], buf: &mut Vec<u8>, at: usize) {
        seal_in_place_with(&self.0, nonce, aad, buf, at)
    }

    /// Like [`open_aes_gcm`].
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        open_with(&self.0, aad, sealed)
    }
}

/// An HMAC-SHA256 key with its inner and outer states computed once, for callers that MAC
/// many values under one key (the vault's blind indexes). Like [`GcmKey`], the state lives
/// inside `ring` and is not zeroized by it; callers drop it on lock.
pub struct HmacKey(ring::hmac::Key);

impl std::fmt::Debug for HmacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HmacKey(<redacted>)")
    }
}

impl HmacKey {
    pub fn new(key: &[u8]) -> Self {
        HmacKey(ring::hmac::Key::new(ring::hmac::HMAC_SHA256, key))
    }

    /// HMAC-SHA256 of the concatenation of `parts` (no copy into one buffer).
    pub fn sign(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut ctx = ring::hmac::Context::with_key(&self.0);
        for p in parts {
            ctx.update(p);
        }
        let mut out = [0u8; 32];
        out.copy_from_slice(ctx.sign().as_ref());
        out
    }
}

/// An Ed25519 signing key, held as its PKCS#8 document (zeroized on drop).
pub struct SigningKey {
    pkcs8: Zeroizing<Vec<u8>>,
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh random signing key.
    pub fn make() -> Self {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .expect("the OS random source is available");
        Self::from_pkcs8(doc.as_ref()).expect("ring parses the PKCS#8 it generated")
    }

    /// Loads a key from its PKCS#8 v2 document (as produced by [`SigningKey::pkcs8`]).
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, CryptoError> {
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| CryptoError)?;
        Ok(SigningKey {
            pkcs8: Zeroizing::new(pkcs8.to_vec()),
            pair,
        })
    }

    /// The PKCS#8 document, for storing the key (wrapped) at rest.
    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; ED25519_PUBLIC_KEY_LEN] {
        let mut out = [0u8; ED25519_PUBLIC_KEY_LEN];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; ED25519_SIGNATURE_LEN] {
        let mut out = [0u8; ED25519_SIGNATURE_LEN];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

/// Verifies an Ed25519 `signature` over `message` by `public_key`.
pub fn verify_ed25519(
    public_key: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CryptoError> {
    signature::UnparsedPublicKey::new(&signature::ED25519, public_key)
        .verify(message, signature)
        .map_err(|_| CryptoError)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_gcm_round_trip_and_binding() {
        let key = make_key();
        let sealed = seal_aes_gcm(&key, b"id-1", b"hello");
        assert_eq!(
            open_aes_gcm(&key, b"id-1", &sealed)
                .expect("opens")
                .as_slice(),
            b"hello"
        );
        assert_eq!(open_aes_gcm(&key, b"id-2", &sealed), Err(CryptoError));
        let mut flipped = sealed.clone();
        flipped[AES_256_GCM_NONCE_LEN] ^= 1;
        assert_eq!(open_aes_gcm(&key, b"id-1", &flipped), Err(CryptoError));
        assert_eq!(
            open_aes_gcm(&make_key(), b"id-1", &sealed),
            Err(CryptoError)
        );
        assert_eq!(open_aes_gcm(&key, b"id-1", &sealed[..10]), Err(CryptoError));
    }

    #[test]
    fn prepared_gcm_key_matches_the_one_shot_functions() {
        let key = make_key();
        let prepared = GcmKey::new(&key);
        let sealed = prepared.seal(b"aad", b"body");
        assert_eq!(
            open_aes_gcm(&key, b"aad", &sealed)
                .expect("opens")
                .as_slice(),
            b"body"
        );
        let other = seal_aes_gcm(&key, b"aad", b"body");
        assert_eq!(
            prepared.open(b"aad", &other).expect("opens").as_slice(),
            b"body"
        );
        assert_eq!(prepared.open(b"aaa", &other), Err(CryptoError));
    }

    #[test]
    fn sealing_in_place_matches_seal_and_pools_never_repeat() {
        let key = make_key();
        let prepared = GcmKey::new(&key);
        let mut pool = RandomPool::default();
        let mut buf = b"v".to_vec();
        buf.extend_from_slice(&[0u8; AES_256_GCM_NONCE_LEN]);
        buf.extend_from_slice(b"body");
        prepared.seal_in_place(pool.nonce(), b"aad", &mut buf, 1);
        assert_eq!(buf[0], b'v');
        assert_eq!(
            open_aes_gcm(&key, b"aad", &buf[1..])
                .expect("opens")
                .as_slice(),
            b"body"
        );
        // Across several refills, no 12-byte value comes out twice and the bytes vary.
        let draws: Vec<[u8; 12]> = (0..1000).map(|_| pool.take()).collect();
        let unique: std::collections::HashSet<_> = draws.iter().collect();
        assert_eq!(unique.len(), draws.len());
        assert!(draws.iter().all(|d| d != &[0u8; 12]));
        assert_eq!(
            HmacKey::new(b"k").sign(&[b"ab", b"", b"c"]),
            derive_hmac_sha256(b"k", b"abc")
        );
    }

    #[test]
    fn ed25519_sign_verify_and_reload() {
        let k = SigningKey::make();
        let sig = k.sign(b"msg");
        assert!(verify_ed25519(&k.public_key(), b"msg", &sig).is_ok());
        assert!(verify_ed25519(&k.public_key(), b"msh", &sig).is_err());
        let again = SigningKey::from_pkcs8(k.pkcs8()).expect("reloads");
        assert_eq!(again.public_key(), k.public_key());
    }

    #[test]
    fn pbkdf2_is_deterministic_and_salted() {
        let n = NonZeroU32::new(1000).expect("non-zero");
        assert_eq!(
            *derive_pbkdf2_key(b"pw", b"salt", n),
            *derive_pbkdf2_key(b"pw", b"salt", n)
        );
        assert_ne!(
            *derive_pbkdf2_key(b"pw", b"salt", n),
            *derive_pbkdf2_key(b"pw", b"tlas", n)
        );
    }
}
