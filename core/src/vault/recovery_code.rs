//! The one-time recovery code: 160 random bits written as 32 Crockford base32 characters in
//! groups of four. Typing is forgiving (case, dashes, spaces, O/0 and I/L/1 confusions).
//! A code is secret: its Debug output is redacted and it is never logged.

use zeroize::Zeroizing;

use crate::crypto::hazmat;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_BYTES: usize = 20;
const CODE_CHARS: usize = CODE_BYTES * 8 / 5;

/// A recovery code. Display it once with [`RecoveryCode::display`].
pub struct RecoveryCode {
    normalized: Zeroizing<String>,
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(<redacted>)")
    }
}

impl RecoveryCode {
    /// A fresh random code.
    pub fn make() -> Self {
        let bytes = Zeroizing::new(hazmat::make_random::<CODE_BYTES>());
        let mut s = Zeroizing::new(String::with_capacity(CODE_CHARS));
        // 20 bytes = 160 bits = 32 groups of 5 bits, most significant first.
        for i in 0..CODE_CHARS {
            let bit = i * 5;
            let mut v: u16 = 0;
            for b in bit..bit + 5 {
                let byte = bytes[b / 8];
                v = (v << 1) | u16::from((byte >> (7 - (b % 8))) & 1);
            }
            s.push(ALPHABET[v as usize] as char);
        }
        RecoveryCode { normalized: s }
    }

    /// The canonical form used for key derivation (32 upper-case characters).
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The code as shown to the person: `XXXX-XXXX-...`.
    pub fn display(&self) -> String {
        self.normalized
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Normalizes typed input; `None` if it cannot be a code (wrong length or characters).
    pub fn normalize(input: &str) -> Option<Zeroizing<String>> {
        let mut out = Zeroizing::new(String::with_capacity(CODE_CHARS));
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' | '\t' | '\n' | '\r' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return None,
            };
            out.push(c);
        }
        (out.len() == CODE_CHARS).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_round_trips_through_forgiving_normalization() {
        let code = RecoveryCode::make();
        let shown = code.display();
        assert_eq!(shown.len(), CODE_CHARS + CODE_CHARS / 4 - 1);
        let typed = shown.to_lowercase().replace('-', " ");
        assert_eq!(
            RecoveryCode::normalize(&typed).expect("valid").as_str(),
            code.normalized()
        );
        assert!(RecoveryCode::normalize("too short").is_none());
        assert!(RecoveryCode::normalize(&format!("{}U", &code.normalized()[1..])).is_none());
        assert_ne!(RecoveryCode::make().normalized(), code.normalized());
        assert_eq!(format!("{code:?}"), "RecoveryCode(<redacted>)");
    }
}
