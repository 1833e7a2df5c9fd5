//! Mood trends computed on the device: average mood per local day and per ISO week
//! (weeks start on Monday). Also the calendar helpers the journal's exports use.

use std::collections::BTreeMap;

const MS_PER_DAY: i64 = 86_400_000;

/// The average mood over one day or week.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MoodPoint {
    /// First day of the period, `YYYY-MM-DD` (local to the offset asked for).
    pub period_start: String,
    /// Mean of the moods in the period (1.0 to 5.0).
    pub average: f64,
    /// How many moods (entries with a mood plus check-ins) the average is over.
    pub samples: u32,
}

/// Daily and weekly mood averages, oldest first; periods without any mood are left out.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct MoodTrends {
    pub daily: Vec<MoodPoint>,
    pub weekly: Vec<MoodPoint>,
}

/// Days since 1970-01-01 of a Unix-ms time, shifted by the local offset.
pub(crate) fn local_day(ms: i64, utc_offset_minutes: i32) -> i64 {
    (ms + i64::from(utc_offset_minutes) * 60_000).div_euclid(MS_PER_DAY)
}

/// The Monday starting the ISO week of `day` (1970-01-01 was a Thursday).
fn week_start(day: i64) -> i64 {
    day - (day + 3).rem_euclid(7)
}

/// `(year, month, day)` of days since 1970-01-01 (H. Hinnant's civil-from-days algorithm).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

pub(crate) fn format_day(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM UTC` for a Unix-ms time.
pub fn format_utc(ms: i64) -> String {
    let day = ms.div_euclid(MS_PER_DAY);
    let minutes = ms.rem_euclid(MS_PER_DAY) / 60_000;
    format!(
        "{} {:02}:{:02} UTC",
        format_day(day),
        minutes / 60,
        minutes % 60
    )
}

fn points(buckets: BTreeMap<i64, (u32, u32)>) -> Vec<MoodPoint> {
    buckets
        .into_iter()
        .map(|(day, (sum, n))| MoodPoint {
            period_start: format_day(day),
            average: f64::from(sum) / f64::from(n),
            samples: n,
        })
        .collect()
}

/// Buckets `(time_ms, mood)` samples into local days and weeks.
pub(crate) fn compute(samples: &[(i64, u8)], utc_offset_minutes: i32) -> MoodTrends {
    let mut daily: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    let mut weekly: BTreeMap<i64, (u32, u32)> = BTreeMap::new();
    for &(ms, mood) in samples {
        let day = local_day(ms, utc_offset_minutes);
        for (map, key) in [(&mut daily, day), (&mut weekly, week_start(day))] {
            let slot = map.entry(key).or_insert((0, 0));
            slot.0 += u32::from(mood);
            slot.1 += 1;
        }
    }
    MoodTrends {
        daily: points(daily),
        weekly: points(weekly),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_helpers() {
        assert_eq!(format_day(0), "1970-01-01");
        assert_eq!(format_day(-1), "1969-12-31");
        assert_eq!(format_day(20_507), "2026-02-23");
        assert_eq!(format_day(11_016), "2000-02-29");
        assert_eq!(week_start(0), -3); // Thursday 1970-01-01 -> Monday 1969-12-29
        assert_eq!(format_day(week_start(20_507)), "2026-02-23"); // a Monday
        assert_eq!(format_day(week_start(20_513)), "2026-02-23"); // the Sunday after
        assert_eq!(format_utc(90_061_000), "1970-01-02 01:01 UTC");
    }

    #[test]
    fn averages_per_day_and_week_with_offset() {
        let monday = 20_507 * MS_PER_DAY; // 2026-02-23 00:00 UTC
        let samples = [
            (monday + 3_600_000, 2),
            (monday + 7_200_000, 4),
            (monday + MS_PER_DAY, 5),
            (monday + 7 * MS_PER_DAY, 1),
            // 23:30 UTC on Sunday is Monday 00:30 at UTC+1.
            (monday + 7 * MS_PER_DAY - 1_800_000, 3),
        ];
        let t = compute(&samples, 0);
        let day = |p: &MoodPoint| (p.period_start.clone(), p.average, p.samples);
        assert_eq!(
            t.daily.iter().map(day).collect::<Vec<_>>(),
            vec![
                ("2026-02-23".into(), 3.0, 2),
                ("2026-02-24".into(), 5.0, 1),
                ("2026-03-01".into(), 3.0, 1),
                ("2026-03-02".into(), 1.0, 1),
            ]
        );
        assert_eq!(
            t.weekly.iter().map(day).collect::<Vec<_>>(),
            vec![("2026-02-23".into(), 3.5, 4), ("2026-03-02".into(), 1.0, 1)]
        );
        let shifted = compute(&samples, 60);
        assert_eq!(shifted.weekly[1].samples, 2);
        assert_eq!(shifted.weekly[1].average, 2.0);
    }
}
