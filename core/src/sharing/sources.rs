//! What could be shared, read from the journal, the course and recovery: every entry, every
//! check-in, the mood trend summary, the course progress and the recovery count, each as a
//! [`ShareableItem`] with typed content. Deciding what actually leaves is not done here: every
//! item goes through [`crate::consent::decide`] when the outbox is planned.

use super::content::{ShareableItem, SharedContent, SharedUnitProgress};
use crate::journal::{JournalError, JournalStore, MoodPoint};

/// Days of mood history the shared trend summary covers.
pub const TREND_DAYS: u32 = 90;
/// Fewest check-ins a week needs before its average is shared: with fewer, an average is
/// (close to) a single check-in, which the mood-trends grant promises not to show.
pub const MIN_CHECKINS_PER_WEEK: u32 = 3;
const MS_PER_DAY: i64 = 86_400_000;
/// The fixed id of the one-per-installation summary items (mood trends, course progress).
pub const SUMMARY_ID: &str = "summary";

/// Entries, check-ins and (when there is any mood) the mood trend summary. Needs the vault
/// unlocked.
pub fn journal_items(
    journal: &JournalStore,
    now_ms: i64,
) -> Result<Vec<ShareableItem>, JournalError> {
    let mut out = Vec::new();
    for e in journal.all_entries()? {
        out.push(ShareableItem::new(
            &e.id,
            SharedContent::Entry {
                text: e.text,
                mood: e.mood,
                tags: e.tags,
                created_at_ms: e.created_at_ms,
                edited_at_ms: e.edited_at_ms,
            },
        ));
    }
    for c in journal.checkins_between(i64::MIN, i64::MAX)? {
        out.push(ShareableItem::new(
            &c.id,
            SharedContent::CheckIn {
                mood: c.mood,
                note: c.note,
                created_at_ms: c.created_at_ms,
            },
        ));
    }
    let from = now_ms - i64::from(TREND_DAYS) * MS_PER_DAY;
    let moods: Vec<(i64, u8)> = journal
        .checkins_between(from, now_ms + MS_PER_DAY)?
        .iter()
        .map(|c| (c.created_at_ms, c.mood))
        .collect();
    let weekly = shared_weekly_moods(&moods);
    if !weekly.is_empty() {
        out.push(ShareableItem::new(
            SUMMARY_ID,
            SharedContent::MoodTrends {
                days: TREND_DAYS,
                daily: Vec::new(),
                weekly,
            },
        ));
    }
    Ok(out)
}

/// The mood summary a mood-trends grant shares, matching its promise ("weekly averages of
/// your check-ins, never single check-ins"): weekly averages (UTC weeks from Monday) of check-in moods only (an
/// entry's mood belongs to the entry, which may never be shared), only for weeks with at
/// least [`MIN_CHECKINS_PER_WEEK`] check-ins, rounded to a tenth, and without sample counts
/// (`samples` is 0), so no single check-in can be worked out from it. No daily points.
pub fn shared_weekly_moods(checkins: &[(i64, u8)]) -> Vec<MoodPoint> {
    crate::journal::trends::compute(checkins, 0)
        .weekly
        .into_iter()
        .filter(|w| w.samples >= MIN_CHECKINS_PER_WEEK)
        .map(|w| MoodPoint {
            period_start: w.period_start,
            average: (w.average * 10.0).round() / 10.0,
            samples: 0,
        })
        .collect()
}

/// Course progress as one item: per unit, sections read and self-check results. The caller
/// passes the progress in (the course is read through its own module, not from here).
pub fn course_item(units: Vec<SharedUnitProgress>) -> ShareableItem {
    ShareableItem::new(SUMMARY_ID, SharedContent::CourseProgress { units })
}

/// The recovery count as one item, when a start date is set: the count only (see
/// [`crate::recovery::SharedCount`]). The caller reads it from the recovery store.
pub fn recovery_item(count: crate::recovery::SharedCount) -> ShareableItem {
    ShareableItem::new(
        SUMMARY_ID,
        SharedContent::RecoveryCount {
            days: count.days,
            milestone: count.milestone,
        },
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use super::*;
    use crate::journal::NewEntry;
    use crate::vault::{Vault, VaultOptions};

    const DAY: i64 = MS_PER_DAY;
    /// Monday 2026-02-23, 00:00 UTC.
    const MONDAY: i64 = 20_507 * DAY;

    #[test]
    fn mood_summary_is_weekly_from_check_ins_only_and_hides_thin_weeks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("private.db");
        let vault = Arc::new(Vault::open(&path, VaultOptions { kdf_iterations: 2 }).unwrap());
        vault.setup("harbor lights at dusk").unwrap();
        let j = JournalStore::open(&path, vault).unwrap();
        // Week 1: one lone check-in (the attack: a day, or a week, with one check-in) and an
        // entry with a mood that is never shared.
        j.add_checkin(1, None, Some(MONDAY + 3_600_000)).unwrap();
        j.add_entry(NewEntry {
            text: "private".into(),
            mood: Some(5),
            tags: vec![],
            created_at_ms: Some(MONDAY + 2 * 3_600_000),
        })
        .unwrap();
        // Week 2: three check-ins, 2, 3 and 5 (average 3.33), plus entries with moods.
        for (d, mood) in [(7, 2), (8, 3), (10, 5)] {
            j.add_checkin(mood, None, Some(MONDAY + d * DAY)).unwrap();
        }
        for d in [7, 9] {
            j.add_entry(NewEntry {
                text: "not shared".into(),
                mood: Some(1),
                tags: vec![],
                created_at_ms: Some(MONDAY + d * DAY),
            })
            .unwrap();
        }
        let items = journal_items(&j, MONDAY + 14 * DAY).unwrap();
        let summary = items
            .iter()
            .find_map(|i| match i.content() {
                SharedContent::MoodTrends { daily, weekly, .. } => Some((daily, weekly)),
                _ => None,
            })
            .expect("a summary");
        let (daily, weekly) = summary;
        let weekly: &Vec<MoodPoint> = weekly;
        assert!(daily.is_empty(), "no daily points");
        assert_eq!(
            weekly,
            &vec![MoodPoint {
                period_start: "2026-03-02".into(),
                average: 3.3,
                samples: 0,
            }],
            "only the week with three check-ins, the entries' moods left out"
        );
        // A journal with only thin weeks shares no summary at all.
        let thin = shared_weekly_moods(&[(MONDAY, 4), (MONDAY + DAY, 2)]);
        assert!(thin.is_empty());
    }
}
