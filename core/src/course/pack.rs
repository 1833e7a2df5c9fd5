//! Loading content packs: the bundled one (compiled by `build.rs`) and downloaded ones, and the
//! rules that decide which key may vouch for which (`Trust`) and which version may follow which.
//!
//! A pack is trusted only after its Ed25519 signature verifies under the key trusted for where it
//! came from; the payload is not even parsed before that. The committed development key may
//! vouch only for the pack bundled in a development build: it is public, so a pack from the
//! network signed with it would let anyone write the course and its crisis resources. After
//! parsing, the pack's shape is checked (format number, unique ids, well-formed self-checks) so
//! the rest of the core can rely on it. Never accept a pack on any other path.

use std::collections::HashSet;

use super::envelope;
use super::model::{Block, PACK_FORMAT, Pack};
use crate::crypto::hazmat;

include!(concat!(env!("OUT_DIR"), "/trusted_key.rs"));

/// The pack compiled from `content/` at build time, signed by the build's publisher key.
pub static BUNDLED_PACK: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/course.pack"));

/// Why a pack was refused. Messages name the problem, never the pack's text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    #[error("not a Lantern content pack (unsigned or truncated)")]
    NotAPack,
    #[error("signature does not verify under the trusted publisher key")]
    BadSignature,
    #[error("malformed pack: {0}")]
    Malformed(String),
    #[error("pack format {0} is not supported")]
    UnsupportedFormat(u32),
    #[error(
        "this build has no content publisher key, so it accepts no course updates from the network"
    )]
    UpdatesDisabled,
    #[error("the committed development key may not vouch for content from the network")]
    DevelopmentKeyForUpdates,
    #[error("the pack's language `{found}` is not the course's `{expected}`")]
    WrongLanguage { found: String, expected: String },
    #[error("version {version} is not newer than the installed version {installed}")]
    NotNewer { version: u64, installed: u64 },
    #[error(
        "version {version} jumps more than {MAX_VERSION_STEP} versions past the installed version {installed}"
    )]
    VersionJump { version: u64, installed: u64 },
}

/// The largest version step one update may take. Publishers bump the version by one per
/// published change, so a device that missed a thousand publications is far beyond any real
/// case; a larger jump is a mistake or an attack (version 2^63 would block every later update).
pub const MAX_VERSION_STEP: u64 = 1_000;

/// Who vouches for a pack: the Ed25519 key that signs it and the name configured for that key
/// at build time. Apps show it with the content, above all with the crisis resources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    pub key: [u8; 32],
}

impl Publisher {
    /// A publisher named `name` signing with `key`.
    pub fn new(name: &str, key: [u8; 32]) -> Self {
        Publisher {
            name: name.to_string(),
            key,
        }
    }

    /// True for the committed development key: anyone could have written what it signs.
    pub fn is_development(&self) -> bool {
        self.key == DEVELOPMENT_KEY
    }

    /// First 128 bits of SHA-256 of the key, as eight groups of four hex digits, to compare
    /// with the fingerprint the publisher announces.
    pub fn fingerprint(&self) -> String {
        let digest = hazmat::derive_sha256(&self.key);
        digest[..16]
            .chunks(2)
            .map(|c| format!("{:02x}{:02x}", c[0], c[1]))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The keys one build trusts, and for what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trust {
    bundled: Publisher,
    updates: Option<Publisher>,
}

impl Trust {
    /// `bundled` verifies the pack shipped inside the app; `updates`, when present, verifies
    /// packs fetched from the network and stored. The development key is refused for updates.
    pub fn new(bundled: Publisher, updates: Option<Publisher>) -> Result<Self, PackError> {
        if updates.as_ref().is_some_and(Publisher::is_development) {
            return Err(PackError::DevelopmentKeyForUpdates);
        }
        Ok(Trust { bundled, updates })
    }

    /// The trust `build.rs` compiled into this build (its rules are checked there too).
    pub fn compiled() -> Result<Self, PackError> {
        let bundled = if BUNDLED_PACK_KEY == DEVELOPMENT_KEY {
            Publisher::new(DEVELOPMENT_PUBLISHER, BUNDLED_PACK_KEY)
        } else {
            Publisher::new(PUBLISHER_NAME, BUNDLED_PACK_KEY)
        };
        let updates = UPDATE_PUBLISHER_KEY.map(|k| Publisher::new(PUBLISHER_NAME, k));
        Trust::new(bundled, updates)
    }

    /// Who vouches for the bundled pack.
    pub fn bundled(&self) -> &Publisher {
        &self.bundled
    }

    /// Who may publish updates over the network; None when this build accepts none.
    pub fn updates(&self) -> Option<&Publisher> {
        self.updates.as_ref()
    }
}

/// The name shown for packs signed with the development key.
pub const DEVELOPMENT_PUBLISHER: &str = "development build (public development key, unverified)";

/// Whether `candidate` may replace `installed`: same language, strictly newer, and at most
/// [`MAX_VERSION_STEP`] newer.
pub fn check_update(installed: &Pack, candidate: &Pack) -> Result<(), PackError> {
    if candidate.language != installed.language {
        return Err(PackError::WrongLanguage {
            found: candidate.language.clone(),
            expected: installed.language.clone(),
        });
    }
    let (version, installed) = (candidate.version, installed.version);
    if version <= installed {
        return Err(PackError::NotNewer { version, installed });
    }
    if version - installed > MAX_VERSION_STEP {
        return Err(PackError::VersionJump { version, installed });
    }
    Ok(())
}

/// Verifies `bytes` against `trusted_key`, then parses and checks the pack.
pub fn open(bytes: &[u8], trusted_key: &[u8]) -> Result<Pack, PackError> {
    let (signature, payload) = envelope::split(bytes).ok_or(PackError::NotAPack)?;
    hazmat::verify_ed25519(trusted_key, &envelope::signed_message(payload), signature)
        .map_err(|_| PackError::BadSignature)?;
    let pack: Pack = serde_json::from_slice(payload).map_err(|e| {
        PackError::Malformed(format!("payload is not a pack ({})", json_error_kind(&e)))
    })?;
    check_shape(&pack)?;
    Ok(pack)
}

/// Signs `pack` into an envelope. Used by tests and publishing tools; the bundled pack is signed
/// by `build.rs` with the same layout.
pub fn seal(pack: &Pack, key: &hazmat::SigningKey) -> Vec<u8> {
    let payload = serde_json::to_vec(pack).expect("a pack always serialises to JSON");
    let signature = key.sign(&envelope::signed_message(&payload));
    envelope::seal(&payload, &signature)
}

/// The bundled pack's payload, parsed without checking the signature: only for tests and tools
/// that re-sign it (for example to publish a newer version).
pub fn bundled_unverified() -> Result<Pack, PackError> {
    let (_, payload) = envelope::split(BUNDLED_PACK).ok_or(PackError::NotAPack)?;
    serde_json::from_slice(payload).map_err(|_| PackError::Malformed("bundled payload".into()))
}

/// The kind of JSON error, without echoing any of the payload.
fn json_error_kind(e: &serde_json::Error) -> &'static str {
    match e.classify() {
        serde_json::error::Category::Io => "I/O",
        serde_json::error::Category::Syntax => "bad JSON",
        serde_json::error::Category::Data => "wrong fields",
        serde_json::error::Category::Eof => "truncated JSON",
    }
}

fn check_shape(pack: &Pack) -> Result<(), PackError> {
    let bad = |m: &str| Err(PackError::Malformed(m.to_string()));
    if pack.format != PACK_FORMAT {
        return Err(PackError::UnsupportedFormat(pack.format));
    }
    if pack.language.is_empty() || pack.units.is_empty() || pack.version == 0 {
        return bad("missing language, version or units");
    }
    let mut units = HashSet::new();
    let mut exercises = HashSet::new();
    for unit in &pack.units {
        if !units.insert(unit.id.as_str()) || unit.lessons.is_empty() {
            return bad("duplicate or empty unit");
        }
        let mut lessons = HashSet::new();
        for lesson in &unit.lessons {
            if !lessons.insert(lesson.id.as_str()) || lesson.sections.is_empty() {
                return bad("duplicate or empty lesson");
            }
            let mut sections = HashSet::new();
            for section in &lesson.sections {
                if !sections.insert(section.id.as_str()) {
                    return bad("duplicate section");
                }
                for block in &section.blocks {
                    match block {
                        Block::SelfCheck { id, choices, .. } => {
                            let right = choices.iter().filter(|c| c.correct).count();
                            if !exercises.insert(id.as_str()) || right != 1 || choices.len() < 2 {
                                return bad("self-check with a duplicate id or no single answer");
                            }
                        }
                        Block::ReflectionPrompt { id, .. } if !exercises.insert(id.as_str()) => {
                            return bad("duplicate exercise id");
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hazmat::SigningKey;

    #[test]
    fn bundled_pack_verifies_and_holds_the_seed_unit() {
        let pack = open(BUNDLED_PACK, &BUNDLED_PACK_KEY).expect("bundled pack verifies");
        assert_eq!(pack.language, "en");
        assert!(pack.version >= 1);
        let unit = &pack.units[0];
        assert_eq!(unit.id, "peer-supporter");
        let principles = unit
            .lessons
            .iter()
            .flat_map(|l| &l.sections)
            .flat_map(|s| &s.blocks)
            .find_map(|b| match b {
                Block::Principles { items, source } => Some((items, source)),
                _ => None,
            })
            .expect("principles present");
        assert_eq!(principles.0.len(), 8);
        assert_eq!(principles.1, "National Certification Handbook, 2016");
        assert!(!pack.help.resources.is_empty());
    }

    #[test]
    fn the_development_key_never_vouches_for_updates() {
        let dev = Publisher::new("anyone", DEVELOPMENT_KEY);
        assert!(dev.is_development());
        assert_eq!(
            Trust::new(dev.clone(), Some(dev.clone())),
            Err(PackError::DevelopmentKeyForUpdates)
        );
        let trust = Trust::compiled().expect("the compiled trust is valid");
        assert!(trust.updates().is_none_or(|p| !p.is_development()));
        let real = Publisher::new("Publisher", SigningKey::make().public_key());
        assert!(!real.is_development());
        assert_eq!(real.fingerprint().len(), 8 * 4 + 7);
        assert!(Trust::new(dev, Some(real)).is_ok());
    }

    #[test]
    fn an_update_is_newer_by_at_most_the_bound_and_in_the_same_language() {
        let installed = bundled_unverified().expect("bundled payload parses");
        let at = |version: u64| Pack {
            version,
            ..installed.clone()
        };
        let v = installed.version;
        assert_eq!(check_update(&installed, &at(v + 1)), Ok(()));
        assert_eq!(check_update(&installed, &at(v + MAX_VERSION_STEP)), Ok(()));
        assert!(matches!(
            check_update(&installed, &at(v + MAX_VERSION_STEP + 1)),
            Err(PackError::VersionJump { .. })
        ));
        assert!(matches!(
            check_update(&installed, &at(1 << 63)),
            Err(PackError::VersionJump { .. })
        ));
        assert!(matches!(
            check_update(&at(u64::MAX - 1), &at(u64::MAX)),
            Ok(())
        ));
        assert!(matches!(
            check_update(&installed, &at(v)),
            Err(PackError::NotNewer { .. })
        ));
        let mut french = at(v + 1);
        french.language = "fr".into();
        assert!(matches!(
            check_update(&installed, &french),
            Err(PackError::WrongLanguage { .. })
        ));
    }

    #[test]
    fn refuses_tampered_wrongly_signed_unsigned_and_malformed() {
        let pack = bundled_unverified().expect("bundled payload parses");
        let key = SigningKey::make();
        let good = seal(&pack, &key);
        assert_eq!(open(&good, &key.public_key()), Ok(pack.clone()));

        // Wrong key.
        assert_eq!(open(&good, &BUNDLED_PACK_KEY), Err(PackError::BadSignature));
        // One byte of the payload flipped.
        let mut tampered = good.clone();
        let last = tampered.len() - 2;
        tampered[last] ^= 0x20;
        assert_eq!(
            open(&tampered, &key.public_key()),
            Err(PackError::BadSignature)
        );
        // Plain JSON without an envelope.
        let unsigned = serde_json::to_vec(&pack).expect("serialises");
        assert_eq!(open(&unsigned, &key.public_key()), Err(PackError::NotAPack));
        assert_eq!(
            open(b"LNTPACK1", &key.public_key()),
            Err(PackError::NotAPack)
        );
        // Correctly signed garbage.
        let payload = b"{not json";
        let garbage = envelope::seal(payload, &key.sign(&envelope::signed_message(payload)));
        assert!(matches!(
            open(&garbage, &key.public_key()),
            Err(PackError::Malformed(_))
        ));
        // Correctly signed, unknown format.
        let mut future = pack.clone();
        future.format = 99;
        assert_eq!(
            open(&seal(&future, &key), &key.public_key()),
            Err(PackError::UnsupportedFormat(99))
        );
        // Correctly signed, a self-check without a right answer.
        let mut broken = pack;
        for b in broken
            .units
            .iter_mut()
            .flat_map(|u| &mut u.lessons)
            .flat_map(|l| &mut l.sections)
            .flat_map(|s| &mut s.blocks)
        {
            if let Block::SelfCheck { choices, .. } = b {
                choices.iter_mut().for_each(|c| c.correct = false);
            }
        }
        assert!(matches!(
            open(&seal(&broken, &key), &key.public_key()),
            Err(PackError::Malformed(_))
        ));
    }
}
