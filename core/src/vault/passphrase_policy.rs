//! The one rule for a new passphrase (journal setup, change, recovery, and encrypted backups):
//! long enough, and not a common password in disguise.
//!
//! Anyone who copies the data directory or a backup can guess passphrases offline, limited only
//! by the PBKDF2 work factor; a common password falls to the first guesses. So a new passphrase
//! needs [`MIN_PASSPHRASE_CHARS`] characters and must not be, once reduced to its letters and
//! digits, a common password, a common word or name with digits around it, a keyboard walk or
//! sequence, a repetition, or only digits. Existing passphrases still unlock: the rule applies
//! only where a passphrase is chosen. Apps ask [`check_new_passphrase`] through the FFI for the
//! reason to show; they never keep their own copy of the rule.

/// Fewest characters (Unicode scalar values) of a new passphrase.
pub const MIN_PASSPHRASE_CHARS: u32 = 10;

/// The embedded list: lowercase bases, one per line (see the file's header).
const COMMON: &str = include_str!("common_passphrases.txt");

/// Sequences a passphrase may not be a piece of (forwards or backwards).
const SEQUENCES: [&str; 5] = [
    "abcdefghijklmnopqrstuvwxyz",
    "01234567890",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
];

/// Why a new passphrase is refused. Messages never repeat the passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, uniffi::Enum)]
pub enum PassphraseProblem {
    /// Fewer than `min_chars` characters.
    #[error("the passphrase is too short: use at least {min_chars} characters")]
    TooShort { min_chars: u32 },
    /// A common password, or a common word, name, sequence or repetition with small changes.
    #[error("the passphrase is too common or too easy to guess: use a few unrelated words")]
    TooCommon,
}

/// Checks a passphrase someone is choosing. `Ok` when it may be used.
pub fn check_new_passphrase(passphrase: &str) -> Result<(), PassphraseProblem> {
    if (passphrase.chars().count() as u64) < u64::from(MIN_PASSPHRASE_CHARS) {
        return Err(PassphraseProblem::TooShort {
            min_chars: MIN_PASSPHRASE_CHARS,
        });
    }
    if is_guessable(passphrase) {
        return Err(PassphraseProblem::TooCommon);
    }
    Ok(())
}

fn is_guessable(passphrase: &str) -> bool {
    // Letters and digits only, lowercase, with symbol substitutions undone. ASCII rules only
    // (the list is ASCII; Unicode case tables would cost library size): any non-ASCII
    // character counts as a letter and is kept as it is.
    let compact: String = passphrase
        .chars()
        .map(|c| match c {
            '@' => 'a',
            '$' => 's',
            c => c.to_ascii_lowercase(),
        })
        .filter(|c| c.is_ascii_alphanumeric() || !c.is_ascii())
        .collect();
    let core = compact.trim_matches(|c: char| c.is_ascii_digit());
    if core.is_empty() || is_run(&compact) || is_repetition(&compact) {
        return true;
    }
    let undo = |one: char| -> String {
        core.chars()
            .map(|c| match c {
                '0' => 'o',
                '1' => one,
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                c => c,
            })
            .collect()
    };
    [compact.clone(), core.to_string(), undo('i'), undo('l')]
        .iter()
        .any(|candidate| is_common(candidate) || is_repetition(candidate))
}

fn is_common(candidate: &str) -> bool {
    COMMON
        .lines()
        .filter(|l| !l.starts_with('#'))
        .any(|l| l == candidate)
}

/// A piece of the alphabet, the digits or a keyboard row, forwards or backwards.
fn is_run(s: &str) -> bool {
    SEQUENCES.iter().any(|seq| {
        let backwards: String = seq.chars().rev().collect();
        seq.contains(s) || backwards.contains(s)
    })
}

/// The same unit of up to a third of the length repeated ("abcabcabc", "passpasspass"), or a
/// common word said twice ("passwordpassword").
fn is_repetition(s: &str) -> bool {
    let chars: Vec<char> = s.chars().collect();
    let n = chars.len();
    (1..=n / 2).any(|unit| {
        n.is_multiple_of(unit)
            && chars.chunks(unit).all(|c| c == &chars[..unit])
            && (unit <= n / 3 || is_common(&chars[..unit].iter().collect::<String>()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passphrases_are_refused() {
        for short in ["", "pw", "123456789", "abcdefghi", "päßwörd!!"] {
            assert_eq!(
                check_new_passphrase(short),
                Err(PassphraseProblem::TooShort { min_chars: 10 }),
                "{short}"
            );
        }
        for common in [
            "password123",
            "Password2024!",
            "P@ssw0rd2024",
            "passw0rd!!!",
            "1234567890",
            "0987654321",
            "qwertyuiop",
            "asdfghjkl;'",
            "1q2w3e4r5t",
            "iloveyou!!",
            "ILoveYou1234",
            "letmein2024",
            "michael1987",
            "Serenity2025",
            "lantern12345",
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "passwordpassword",
            "correct horse battery staple",
            "5550123456789",
            "!!!!!!!!!!!!",
            "tr0ub4dor11",
        ] {
            assert_eq!(
                check_new_passphrase(common),
                Err(PassphraseProblem::TooCommon),
                "{common}"
            );
        }
    }

    #[test]
    fn ordinary_good_passphrases_are_accepted() {
        for good in [
            "a long journal passphrase",
            "lighthouse kettle meadow",
            "Blue-Otter-Seventeen",
            "tides & lanterns at 5am",
            "ramen under the bridge",
            "nöel fête à l'aube",
            "Дом у моря на закате",
            "passphrase for tests 1",
        ] {
            assert_eq!(check_new_passphrase(good), Ok(()), "{good}");
        }
    }

    #[test]
    fn the_list_is_lowercase_and_sorted_without_duplicates() {
        let words: Vec<&str> = COMMON.lines().filter(|l| !l.starts_with('#')).collect();
        assert!(words.len() > 400);
        assert!(words.windows(2).all(|w| w[0] < w[1]));
        assert!(words.iter().all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        }));
    }
}
