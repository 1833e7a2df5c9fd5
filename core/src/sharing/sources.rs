//! What could be shared, read from the journal and the course: every entry, every check-in,
//! the mood trend summary and the course progress, each as a [`ShareableItem`] with typed
//! content. Deciding what actually leaves is not done here: every item goes through
//! [`crate::consent::decide`] when the outbox is planned.

use super::content::{ShareableItem, SharedContent, SharedUnitProgress};
use crate::journal::{JournalError, JournalStore};

/// Days of mood history the shared trend summary covers.
pub const TREND_DAYS: u32 = 90;
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
    let trends = journal.mood_trends(from, now_ms + MS_PER_DAY, 0)?;
    if !trends.daily.is_empty() {
        out.push(ShareableItem::new(
            SUMMARY_ID,
            SharedContent::MoodTrends {
                days: TREND_DAYS,
                daily: trends.daily,
                weekly: trends.weekly,
            },
        ));
    }
    Ok(out)
}

/// Course progress as one item: per unit, sections read and self-check results. The caller
/// passes the progress in (the course is read through its own module, not from here).
pub fn course_item(units: Vec<SharedUnitProgress>) -> ShareableItem {
    ShareableItem::new(SUMMARY_ID, SharedContent::CourseProgress { units })
}
