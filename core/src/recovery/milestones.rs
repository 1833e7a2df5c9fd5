//! The pure part of recovery milestones: which milestones exist, when each falls for a start
//! date, and where a given day stands. Dates are the person's calendar days (no clock here).
//!
//! Milestones: 24 hours, 1 week, 30, 60 and 90 days, 6 months, 1 year, then every year. Months
//! and years are calendar ones (a start on 31 August reaches 6 months on the last day of
//! February; a start on 29 February reaches its years on 28 February when there is no 29th).

use jiff::ToSpan;
use jiff::civil::Date;

/// A named point in recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, uniffi::Enum)]
pub enum Milestone {
    Hours24,
    OneWeek,
    Days30,
    Days60,
    Days90,
    Months6,
    /// `count` years (1, 2, ...).
    Years {
        count: u32,
    },
}

/// The milestones before the yearly ones, in order.
const FIRST: [Milestone; 6] = [
    Milestone::Hours24,
    Milestone::OneWeek,
    Milestone::Days30,
    Milestone::Days60,
    Milestone::Days90,
    Milestone::Months6,
];

/// Most years counted (a start date is at most this long ago, so dates stay in range).
pub const MAX_YEARS: u32 = 150;

impl Milestone {
    /// Its name in words: `24 hours`, `1 week`, `30 days`, `6 months`, `1 year`, `2 years`.
    pub fn describe(self) -> String {
        match self {
            Milestone::Hours24 => "24 hours".into(),
            Milestone::OneWeek => "1 week".into(),
            Milestone::Days30 => "30 days".into(),
            Milestone::Days60 => "60 days".into(),
            Milestone::Days90 => "90 days".into(),
            Milestone::Months6 => "6 months".into(),
            Milestone::Years { count: 1 } => "1 year".into(),
            Milestone::Years { count } => format!("{count} years"),
        }
    }

    /// Its stable text form (in shared items and the CLI): `24-hours`, `1-week`, `30-days`,
    /// `60-days`, `90-days`, `6-months`, `1-year`, `N-years`.
    pub fn to_text(self) -> String {
        self.describe().replace(' ', "-")
    }

    /// The inverse of [`Milestone::to_text`].
    pub fn parse(text: &str) -> Option<Milestone> {
        if let Some(m) = FIRST.into_iter().find(|m| m.to_text() == text) {
            return Some(m);
        }
        let count: u32 = match text {
            "1-year" => 1,
            _ => text.strip_suffix("-years")?.parse().ok()?,
        };
        let m = Milestone::Years { count };
        // One spelling only ("01-years" and "1-years" are not milestones).
        ((1..=MAX_YEARS).contains(&count) && m.to_text() == text).then_some(m)
    }

    /// The day it is reached for a recovery that started on `start`.
    pub fn date(self, start: Date) -> Option<Date> {
        match self {
            Milestone::Hours24 => start.checked_add(1.day()).ok(),
            Milestone::OneWeek => start.checked_add(7.days()).ok(),
            Milestone::Days30 => start.checked_add(30.days()).ok(),
            Milestone::Days60 => start.checked_add(60.days()).ok(),
            Milestone::Days90 => start.checked_add(90.days()).ok(),
            Milestone::Months6 => start.checked_add(6.months()).ok(),
            Milestone::Years { count } => start.checked_add(i64::from(count).years()).ok(),
        }
    }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
pub fn days_between(from: Date, to: Date) -> i64 {
    from.duration_until(to).as_secs() / 86_400
}

/// A milestone and the day it falls on.
pub type Dated = (Milestone, Date);

/// The milestones reached by `today` (in order), and the next one with its date.
pub fn standing(start: Date, today: Date) -> (Vec<Dated>, Option<Dated>) {
    let all = FIRST
        .into_iter()
        .chain((1..=MAX_YEARS).map(|count| Milestone::Years { count }))
        .filter_map(|m| m.date(start).map(|d| (m, d)));
    let mut reached = Vec::new();
    for (m, d) in all {
        if d <= today {
            reached.push((m, d));
        } else {
            return (reached, Some((m, d)));
        }
    }
    (reached, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn milestones_fall_on_calendar_days() {
        let start = date(2026, 8, 31);
        let on = |m: Milestone| m.date(start).expect("in range").to_string();
        assert_eq!(on(Milestone::Hours24), "2026-09-01");
        assert_eq!(on(Milestone::OneWeek), "2026-09-07");
        assert_eq!(on(Milestone::Days30), "2026-09-30");
        assert_eq!(on(Milestone::Days60), "2026-10-30");
        assert_eq!(on(Milestone::Days90), "2026-11-29");
        // No 31 February: the last day of the month.
        assert_eq!(on(Milestone::Months6), "2027-02-28");
        assert_eq!(on(Milestone::Years { count: 1 }), "2027-08-31");
        let leap = date(2024, 2, 29);
        assert_eq!(
            Milestone::Years { count: 1 }
                .date(leap)
                .expect("in range")
                .to_string(),
            "2025-02-28"
        );
        assert_eq!(
            Milestone::Years { count: 4 }
                .date(leap)
                .expect("in range")
                .to_string(),
            "2028-02-29"
        );
    }

    #[test]
    fn standing_lists_reached_and_next() {
        let start = date(2025, 1, 10);
        let (reached, next) = standing(start, start);
        assert!(reached.is_empty());
        assert_eq!(next, Some((Milestone::Hours24, date(2025, 1, 11))));
        let (reached, next) = standing(start, date(2025, 1, 17));
        assert_eq!(
            reached.iter().map(|r| r.0).collect::<Vec<_>>(),
            vec![Milestone::Hours24, Milestone::OneWeek]
        );
        assert_eq!(next.map(|n| n.0), Some(Milestone::Days30));
        let (reached, next) = standing(start, date(2027, 3, 1));
        assert_eq!(
            reached.last().map(|r| r.0),
            Some(Milestone::Years { count: 2 })
        );
        assert_eq!(reached.len(), 8);
        assert_eq!(
            next,
            Some((Milestone::Years { count: 3 }, date(2028, 1, 10)))
        );
        assert_eq!(days_between(start, date(2025, 1, 17)), 7);
        assert_eq!(days_between(date(2025, 1, 17), start), -7);
    }

    #[test]
    fn text_forms_round_trip() {
        for m in FIRST
            .into_iter()
            .chain([1, 2, 10, MAX_YEARS].map(|count| Milestone::Years { count }))
        {
            assert_eq!(Milestone::parse(&m.to_text()), Some(m));
        }
        assert_eq!(Milestone::Years { count: 1 }.to_text(), "1-year");
        assert_eq!(Milestone::Years { count: 3 }.describe(), "3 years");
        for bad in [
            "",
            "1-years",
            "01-years",
            "0-years",
            "2-year",
            "151-years",
            "week",
        ] {
            assert_eq!(Milestone::parse(bad), None, "{bad}");
        }
    }
}
