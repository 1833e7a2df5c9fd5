//! What a shared item holds, typed: [`SharedContent`] crosses the FFI as a uniffi enum, so no
//! app ever parses it. Inside envelopes and at rest it travels as the JSON text earlier versions
//! wrote (`ItemMessage::Upsert::body`), byte for byte: data already received keeps reading, and
//! the sent-item fingerprints of existing installations stay valid (nothing is sent twice).

use serde::{Deserialize, Serialize};

use crate::consent::{ItemKind, ItemMeta};
use crate::journal::MoodPoint;
use crate::recovery::Milestone;

/// `text` from a peer made safe to show on one line of a terminal or a UI: control characters
/// (ESC and the other C0/C1 codes, which a terminal obeys, and line breaks and tabs, which split
/// fields) become a space, and the bidirectional overrides and isolates (which reorder what is
/// shown) become U+FFFD. Everything a peer wrote (names, purposes, ids, text) passes through it
/// before it is printed.
pub fn display_safe(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' => {
                '\u{FFFD}'
            }
            c => c,
        })
        .collect()
}

/// The content of one shared item, as the supporter sees it.
#[derive(Clone, PartialEq, uniffi::Enum)]
pub enum SharedContent {
    /// A journal entry.
    Entry {
        text: String,
        /// 1 (very low) to 5 (very good), if given.
        mood: Option<u8>,
        /// Normalised tags.
        tags: Vec<String>,
        created_at_ms: i64,
        edited_at_ms: Option<i64>,
    },
    /// A daily check-in.
    CheckIn {
        /// 1 (very low) to 5 (very good).
        mood: u8,
        note: Option<String>,
        created_at_ms: i64,
    },
    /// The mood trend summary: average mood per day and per week over the last `days` days.
    MoodTrends {
        days: u32,
        daily: Vec<MoodPoint>,
        weekly: Vec<MoodPoint>,
    },
    /// Course progress, per unit.
    CourseProgress { units: Vec<SharedUnitProgress> },
    /// "I need support now": the peer reached out, with an optional short note.
    Alert {
        note: Option<String>,
        sent_at_ms: i64,
    },
    /// The peer's count of days in recovery and the latest milestone reached. Only the count:
    /// never the start date, the time zone or earlier starts.
    RecoveryCount {
        days: u32,
        milestone: Option<Milestone>,
    },
}

// Hand-written so that shared text never lands in logs, panics or test output.
impl std::fmt::Debug for SharedContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            SharedContent::Entry { .. } => "SharedContent::Entry",
            SharedContent::CheckIn { .. } => "SharedContent::CheckIn",
            SharedContent::MoodTrends { .. } => "SharedContent::MoodTrends",
            SharedContent::CourseProgress { .. } => "SharedContent::CourseProgress",
            SharedContent::Alert { .. } => "SharedContent::Alert",
            SharedContent::RecoveryCount { .. } => "SharedContent::RecoveryCount",
        })
    }
}

/// Progress through one course unit, as shared.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SharedUnitProgress {
    pub unit_id: String,
    pub sections_read: u32,
    pub sections_total: u32,
    pub self_checks_answered: u32,
    pub self_checks_correct: u32,
    pub self_checks_total: u32,
}

impl SharedContent {
    /// The kind of item this content is.
    pub fn kind(&self) -> ItemKind {
        match self {
            SharedContent::Entry { .. } => ItemKind::Entry,
            SharedContent::CheckIn { .. } => ItemKind::CheckIn,
            SharedContent::MoodTrends { .. } => ItemKind::MoodTrends,
            SharedContent::CourseProgress { .. } => ItemKind::CourseProgress,
            SharedContent::Alert { .. } => ItemKind::Alert,
            SharedContent::RecoveryCount { .. } => ItemKind::RecoveryCount,
        }
    }
}

/// Why an item's encoded content was refused. Never holds the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("shared item content does not match its kind")]
pub struct ContentMismatch;

/// One item the peer could share: what the consent decision looks at (kind, id, tags), its
/// typed content, and that content encoded as it travels.
#[derive(Clone, PartialEq)]
pub struct ShareableItem {
    meta: ItemMeta,
    content: SharedContent,
    body: String,
}

impl std::fmt::Debug for ShareableItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareableItem")
            .field("kind", &self.meta.kind)
            .finish_non_exhaustive()
    }
}

impl ShareableItem {
    /// The item `id` holding `content`; an entry's tags are what tag scopes are decided on.
    pub fn new(id: &str, content: SharedContent) -> ShareableItem {
        let tags = match &content {
            SharedContent::Entry { tags, .. } => tags.clone(),
            _ => Vec::new(),
        };
        let meta = ItemMeta {
            kind: content.kind(),
            id: id.to_string(),
            tags,
        };
        let body = encode(id, &content);
        ShareableItem {
            meta,
            content,
            body,
        }
    }

    pub fn meta(&self) -> &ItemMeta {
        &self.meta
    }

    pub fn content(&self) -> &SharedContent {
        &self.content
    }

    /// The content as it travels (see the module comment).
    pub fn body(&self) -> &str {
        &self.body
    }
}

// The encoded forms. Field order is the JSON key order earlier versions wrote: entries and
// check-ins in their struct order, the trend and course summaries with sorted keys.

#[derive(Serialize, Deserialize)]
struct EntryBody {
    id: String,
    text: String,
    mood: Option<u8>,
    tags: Vec<String>,
    created_at_ms: i64,
    #[serde(default)]
    edited_at_ms: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct CheckInBody {
    id: String,
    mood: u8,
    note: Option<String>,
    created_at_ms: i64,
}

#[derive(Serialize, Deserialize)]
struct MoodTrendsBody {
    daily: Vec<PointBody>,
    days: u32,
    weekly: Vec<PointBody>,
}

#[derive(Serialize, Deserialize)]
struct PointBody {
    average: f64,
    period_start: String,
    samples: u32,
}

#[derive(Serialize, Deserialize)]
struct CourseBody {
    units: Vec<UnitBody>,
}

/// The recovery count as it travels: `{"days":N,"milestone":"1-week"}` (the milestone in its
/// text form, or null). Unknown fields are refused, so nothing else can ride along.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RecoveryCountBody {
    days: u32,
    milestone: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct UnitBody {
    sections_read: u32,
    sections_total: u32,
    self_checks_answered: u32,
    self_checks_correct: u32,
    self_checks_total: u32,
    unit_id: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AlertBody {
    id: String,
    note: Option<String>,
    sent_at_ms: i64,
}

fn point_body(p: &MoodPoint) -> PointBody {
    PointBody {
        average: p.average,
        period_start: p.period_start.clone(),
        samples: p.samples,
    }
}

fn point(p: PointBody) -> MoodPoint {
    MoodPoint {
        period_start: p.period_start,
        average: p.average,
        samples: p.samples,
    }
}

fn to_json<T: Serialize>(value: &T) -> String {
    // Strings, integers, floats and lists only: serialising cannot fail (a non-finite
    // average is written as null, and refused when read back).
    serde_json::to_string(value).unwrap_or_default()
}

/// Encodes `content` of item `id` as it travels.
pub fn encode(id: &str, content: &SharedContent) -> String {
    match content.clone() {
        SharedContent::Entry {
            text,
            mood,
            tags,
            created_at_ms,
            edited_at_ms,
        } => to_json(&EntryBody {
            id: id.to_string(),
            text,
            mood,
            tags,
            created_at_ms,
            edited_at_ms,
        }),
        SharedContent::CheckIn {
            mood,
            note,
            created_at_ms,
        } => to_json(&CheckInBody {
            id: id.to_string(),
            mood,
            note,
            created_at_ms,
        }),
        SharedContent::MoodTrends {
            days,
            daily,
            weekly,
        } => to_json(&MoodTrendsBody {
            daily: daily.iter().map(point_body).collect(),
            days,
            weekly: weekly.iter().map(point_body).collect(),
        }),
        SharedContent::CourseProgress { units } => to_json(&CourseBody {
            units: units
                .into_iter()
                .map(|u| UnitBody {
                    sections_read: u.sections_read,
                    sections_total: u.sections_total,
                    self_checks_answered: u.self_checks_answered,
                    self_checks_correct: u.self_checks_correct,
                    self_checks_total: u.self_checks_total,
                    unit_id: u.unit_id,
                })
                .collect(),
        }),
        SharedContent::Alert { note, sent_at_ms } => to_json(&AlertBody {
            id: id.to_string(),
            note,
            sent_at_ms,
        }),
        SharedContent::RecoveryCount { days, milestone } => to_json(&RecoveryCountBody {
            days,
            milestone: milestone.map(Milestone::to_text),
        }),
    }
}

/// Decodes the content of the item `meta` from `body`. Refused when the body is not that kind
/// of content, or names another item (entries and check-ins carry their id), or an entry's
/// tags differ from the ones its consent was decided on.
pub fn decode(meta: &ItemMeta, body: &str) -> Result<SharedContent, ContentMismatch> {
    let bad = |_| ContentMismatch;
    match meta.kind {
        ItemKind::Entry => {
            let b: EntryBody = serde_json::from_str(body).map_err(bad)?;
            if b.id != meta.id || b.tags != meta.tags {
                return Err(ContentMismatch);
            }
            Ok(SharedContent::Entry {
                text: b.text,
                mood: b.mood,
                tags: b.tags,
                created_at_ms: b.created_at_ms,
                edited_at_ms: b.edited_at_ms,
            })
        }
        ItemKind::CheckIn => {
            let b: CheckInBody = serde_json::from_str(body).map_err(bad)?;
            if b.id != meta.id {
                return Err(ContentMismatch);
            }
            Ok(SharedContent::CheckIn {
                mood: b.mood,
                note: b.note,
                created_at_ms: b.created_at_ms,
            })
        }
        ItemKind::MoodTrends => {
            let b: MoodTrendsBody = serde_json::from_str(body).map_err(bad)?;
            Ok(SharedContent::MoodTrends {
                days: b.days,
                daily: b.daily.into_iter().map(point).collect(),
                weekly: b.weekly.into_iter().map(point).collect(),
            })
        }
        ItemKind::CourseProgress => {
            let b: CourseBody = serde_json::from_str(body).map_err(bad)?;
            Ok(SharedContent::CourseProgress {
                units: b
                    .units
                    .into_iter()
                    .map(|u| SharedUnitProgress {
                        unit_id: u.unit_id,
                        sections_read: u.sections_read,
                        sections_total: u.sections_total,
                        self_checks_answered: u.self_checks_answered,
                        self_checks_correct: u.self_checks_correct,
                        self_checks_total: u.self_checks_total,
                    })
                    .collect(),
            })
        }
        ItemKind::Alert => {
            let b: AlertBody = serde_json::from_str(body).map_err(bad)?;
            // The note rule holds on arrival too: a peer's core cannot send a longer one.
            if b.id != meta.id || super::reach::normalize_note(b.note.clone()) != Ok(b.note.clone())
            {
                return Err(ContentMismatch);
            }
            Ok(SharedContent::Alert {
                note: b.note,
                sent_at_ms: b.sent_at_ms,
            })
        }
        ItemKind::RecoveryCount => {
            let b: RecoveryCountBody = serde_json::from_str(body).map_err(bad)?;
            let milestone = match b.milestone {
                Some(text) => Some(Milestone::parse(&text).ok_or(ContentMismatch)?),
                None => None,
            };
            Ok(SharedContent::RecoveryCount {
                days: b.days,
                milestone,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terminal_escapes_and_reordering_are_neutralised() {
        assert_eq!(
            display_safe("plain text, ünïcode ok"),
            "plain text, ünïcode ok"
        );
        let hostile = "Sam\u{1b}]0;pwned\u{7}\u{1b}[2J\ttab\nline\u{9b}31m \u{202E}evil";
        let safe = display_safe(hostile);
        assert!(!safe.chars().any(char::is_control), "{safe:?}");
        assert!(!safe.contains('\u{202E}'));
        assert!(
            safe.starts_with("Sam ]0;pwned  [2J tab line 31m"),
            "{safe:?}"
        );
    }

    fn meta(kind: ItemKind, id: &str, tags: &[&str]) -> ItemMeta {
        ItemMeta {
            kind,
            id: id.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    /// The exact bytes the code before the typed contract wrote (`serde_json::json!` for the
    /// summaries, the journal's structs for entries and check-ins).
    #[test]
    fn encodes_byte_for_byte_as_earlier_versions_and_reads_them_back() {
        let entry = ShareableItem::new(
            "e1",
            SharedContent::Entry {
                text: "hi".into(),
                mood: Some(4),
                tags: vec!["family".into()],
                created_at_ms: 5,
                edited_at_ms: None,
            },
        );
        let old = r#"{"id":"e1","text":"hi","mood":4,"tags":["family"],"created_at_ms":5,"edited_at_ms":null}"#;
        assert_eq!(entry.body(), old);
        assert_eq!(entry.meta().tags, vec!["family".to_string()]);
        let checkin = ShareableItem::new(
            "k1",
            SharedContent::CheckIn {
                mood: 3,
                note: None,
                created_at_ms: 7,
            },
        );
        assert_eq!(
            checkin.body(),
            r#"{"id":"k1","mood":3,"note":null,"created_at_ms":7}"#
        );
        let trends = ShareableItem::new(
            "summary",
            SharedContent::MoodTrends {
                days: 90,
                daily: vec![MoodPoint {
                    period_start: "2026-12-01".into(),
                    average: 3.5,
                    samples: 2,
                }],
                weekly: vec![],
            },
        );
        let old_trends = serde_json::json!({
            "days": 90,
            "daily": [{"period_start": "2026-12-01", "average": 3.5, "samples": 2}],
            "weekly": [],
        })
        .to_string();
        assert_eq!(trends.body(), old_trends);
        let course = ShareableItem::new(
            "summary",
            SharedContent::CourseProgress {
                units: vec![SharedUnitProgress {
                    unit_id: "u1".into(),
                    sections_read: 1,
                    sections_total: 4,
                    self_checks_answered: 2,
                    self_checks_correct: 1,
                    self_checks_total: 3,
                }],
            },
        );
        let old_course = serde_json::json!({"units": [{
            "unit_id": "u1", "sections_read": 1, "sections_total": 4,
            "self_checks_answered": 2, "self_checks_correct": 1, "self_checks_total": 3,
        }]})
        .to_string();
        assert_eq!(course.body(), old_course);
        let count = ShareableItem::new(
            "summary",
            SharedContent::RecoveryCount {
                days: 400,
                milestone: Some(Milestone::Years { count: 1 }),
            },
        );
        assert_eq!(count.body(), r#"{"days":400,"milestone":"1-year"}"#);
        for item in [entry, checkin, trends, course, count] {
            assert_eq!(
                decode(item.meta(), item.body()).as_ref(),
                Ok(item.content())
            );
        }
    }

    #[test]
    fn refuses_content_of_another_kind_or_item() {
        let body = r#"{"id":"k1","mood":3,"note":null,"created_at_ms":7}"#;
        assert!(decode(&meta(ItemKind::CheckIn, "k1", &[]), body).is_ok());
        assert_eq!(
            decode(&meta(ItemKind::CheckIn, "k2", &[]), body),
            Err(ContentMismatch)
        );
        assert_eq!(
            decode(&meta(ItemKind::Entry, "k1", &[]), body),
            Err(ContentMismatch)
        );
        assert_eq!(
            decode(&meta(ItemKind::MoodTrends, "summary", &[]), "{}"),
            Err(ContentMismatch)
        );
        // An entry whose tags are not the ones consent was decided on.
        let entry = r#"{"id":"e1","text":"t","mood":null,"tags":["work"],"created_at_ms":1}"#;
        assert_eq!(
            decode(&meta(ItemKind::Entry, "e1", &["family"]), entry),
            Err(ContentMismatch)
        );
        assert!(decode(&meta(ItemKind::Entry, "e1", &["work"]), entry).is_ok());
        // A count carrying anything more than the count (a start date), or a made-up
        // milestone, is refused.
        let count = meta(ItemKind::RecoveryCount, "summary", &[]);
        assert_eq!(
            decode(&count, r#"{"days":3,"milestone":null}"#),
            Ok(SharedContent::RecoveryCount {
                days: 3,
                milestone: None
            })
        );
        assert_eq!(
            decode(
                &count,
                r#"{"days":3,"milestone":null,"start":"2026-01-01"}"#
            ),
            Err(ContentMismatch)
        );
        assert_eq!(
            decode(&count, r#"{"days":3,"milestone":"forever"}"#),
            Err(ContentMismatch)
        );
    }
}
