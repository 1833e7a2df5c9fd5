//! What could be shared, read from the journal and the course: every entry, every check-in,
//! the mood trend summary and the course progress, each as a [`ShareableItem`] whose body is
//! the JSON a supporter would see. Deciding what actually leaves is not done here: every item
//! goes through [`crate::consent::decide`] in the outbox.

use serde_json::json;

use super::ShareableItem;
use crate::LanternError;
use crate::consent::{ItemKind, ItemMeta};
use crate::journal::JournalStore;

/// Days of mood history the shared trend summary covers.
pub const TREND_DAYS: i64 = 90;
const MS_PER_DAY: i64 = 86_400_000;

/// Entries, check-ins and (when there is any mood) the mood trend summary. Needs the vault
/// unlocked.
pub fn journal_items(
    journal: &JournalStore,
    now_ms: i64,
) -> Result<Vec<ShareableItem>, LanternError> {
    let mut out = Vec::new();
    for e in journal.all_entries()? {
        out.push(ShareableItem {
            meta: ItemMeta {
                kind: ItemKind::Entry,
                id: e.id.clone(),
                tags: e.tags.clone(),
            },
            body: serde_json::to_string(&e).expect("entries serialize"),
        });
    }
    for c in journal.checkins_between(i64::MIN, i64::MAX)? {
        out.push(ShareableItem {
            meta: ItemMeta {
                kind: ItemKind::CheckIn,
                id: c.id.clone(),
                tags: vec![],
            },
            body: serde_json::to_string(&c).expect("check-ins serialize"),
        });
    }
    let trends = journal.mood_trends(now_ms - TREND_DAYS * MS_PER_DAY, now_ms + MS_PER_DAY, 0)?;
    if !trends.daily.is_empty() {
        let points = |ps: &[crate::journal::MoodPoint]| {
            ps.iter()
                .map(|p| json!({"period_start": p.period_start, "average": p.average, "samples": p.samples}))
                .collect::<Vec<_>>()
        };
        out.push(ShareableItem {
            meta: ItemMeta {
                kind: ItemKind::MoodTrends,
                id: "summary".into(),
                tags: vec![],
            },
            body: json!({
                "days": TREND_DAYS,
                "daily": points(&trends.daily),
                "weekly": points(&trends.weekly),
            })
            .to_string(),
        });
    }
    Ok(out)
}

/// Course progress as one item: per unit, sections read and self-check results.
pub fn course_item(units: &[crate::api::course::UnitProgress]) -> ShareableItem {
    let units: Vec<_> = units
        .iter()
        .map(|u| {
            json!({
                "unit_id": u.unit_id,
                "sections_read": u.sections_read,
                "sections_total": u.sections_total,
                "self_checks_answered": u.self_checks_answered,
                "self_checks_correct": u.self_checks_correct,
                "self_checks_total": u.self_checks_total,
            })
        })
        .collect();
    ShareableItem {
        meta: ItemMeta {
            kind: ItemKind::CourseProgress,
            id: "summary".into(),
            tags: vec![],
        },
        body: json!({ "units": units }).to_string(),
    }
}
