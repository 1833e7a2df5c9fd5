//! Calendar days as text, `YYYY-MM-DD`: the one form the core writes and reads dates in (FFI
//! records, sealed records, the CLI).
//!
//! Written by hand rather than through jiff's `Display` and `FromStr`: those are jiff's ISO 8601
//! printer and parser, with their error messages, and the shipping library has a 4 MiB budget
//! (docs/size.md). jiff still does the calendar (validity, arithmetic, time zones). The tests
//! check that both agree with jiff's own forms.

use jiff::civil::Date;

/// `date` as `YYYY-MM-DD` (jiff's form: a year before 0 is `-00YYYY`, never reached here).
pub fn format(date: Date) -> String {
    let (y, m, d) = (date.year(), date.month(), date.day());
    if y < 0 {
        format!("-00{:04}-{m:02}-{d:02}", y.unsigned_abs())
    } else {
        format!("{y:04}-{m:02}-{d:02}")
    }
}

/// Reads exactly `YYYY-MM-DD` (ASCII digits, a real day of the Gregorian calendar).
pub fn parse(text: &str) -> Option<Date> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i16> {
        b[range].iter().try_fold(0i16, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + i16::from(c - b'0'))
        })
    };
    let year = number(0..4)?;
    let month = i8::try_from(number(5..7)?).ok()?;
    let day = i8::try_from(number(8..10)?).ok()?;
    Date::new(year, month, day).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::ToSpan;
    use jiff::civil::date;

    #[test]
    fn format_and_parse_agree_with_jiff() {
        let mut d = date(1899, 12, 25);
        // Every day from 1899 to 2031 (leap years, 1900 not one, 2000 one), and far years.
        while d < date(2032, 1, 10) {
            let text = format(d);
            assert_eq!(text, d.to_string());
            assert_eq!(parse(&text), Some(d));
            assert_eq!(text.parse::<Date>().ok(), Some(d));
            d = d.tomorrow().expect("in range");
        }
        for d in [
            date(0, 1, 1),
            date(9999, 12, 31),
            date(-1, 3, 4),
            date(-9999, 1, 1),
        ] {
            assert_eq!(format(d), d.to_string());
        }
        assert_eq!(
            date(2026, 3, 17)
                .checked_add(10_000.days())
                .map(format)
                .ok(),
            Some("2053-08-02".into())
        );
    }

    #[test]
    fn only_real_days_in_the_one_form_are_read() {
        for bad in [
            "",
            "2026-3-17",
            "2026-03-7",
            "2026/03/17",
            "2026-03-17 ",
            " 2026-03-17",
            "20260317",
            "2026-02-29",
            "2025-13-01",
            "2025-00-10",
            "2025-01-00",
            "2025-04-31",
            "+2026-03-1",
            "2026-0a-17",
            "２０２６-03-17",
            "-001-01-01",
            "2026-03-17T00:00",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
            // jiff's parser refuses them too (or reads a longer form this one never accepts).
            if bad.len() == 10 {
                assert!(bad.parse::<Date>().is_err(), "{bad:?}");
            }
        }
        assert_eq!(parse("2024-02-29"), Some(date(2024, 2, 29)));
        assert_eq!(parse("0000-01-01"), Some(date(0, 1, 1)));
    }
}
