//! Property test: random sequences of journal operations against a plain in-memory model.
//! After every step, listing (with and without a tag filter, paged) and search agree with it.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use lantern_core::api::Journal;
use lantern_core::journal::{EntryQuery, EntryUpdate, JournalError, NewEntry};
use lantern_core::vault::VaultOptions;
use proptest::prelude::*;

const WORDS: &[&str] = &[
    "calm", "river", "craving", "meeting", "sponsor", "walk", "tired", "hope",
];
const TAGS: &[&str] = &["sleep", "work", "family"];

#[derive(Debug, Clone)]
enum Op {
    Add {
        words: Vec<usize>,
        mood: Option<u8>,
        tags: Vec<usize>,
        at: i64,
    },
    Edit {
        pick: usize,
        words: Vec<usize>,
        tags: Option<Vec<usize>>,
    },
    Delete {
        pick: usize,
    },
    Relock,
}

fn op() -> impl Strategy<Value = Op> {
    let words = prop::collection::vec(0..WORDS.len(), 1..5);
    let tags = prop::collection::vec(0..TAGS.len(), 0..3);
    prop_oneof![
        4 => (words.clone(), prop::option::of(1u8..=5), tags.clone(), 0i64..50)
            .prop_map(|(words, mood, tags, at)| Op::Add { words, mood, tags, at: at * 1000 }),
        2 => (any::<usize>(), words, prop::option::of(tags))
            .prop_map(|(pick, words, tags)| Op::Edit { pick, words, tags }),
        1 => any::<usize>().prop_map(|pick| Op::Delete { pick }),
        1 => Just(Op::Relock),
    ]
}

#[derive(Debug, Clone, PartialEq)]
struct ModelEntry {
    text: String,
    mood: Option<u8>,
    tags: Vec<String>,
    at: i64,
}

fn text(words: &[usize]) -> String {
    words
        .iter()
        .map(|&w| WORDS[w])
        .collect::<Vec<_>>()
        .join(" ")
}

fn tags(t: &[usize]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for &i in t {
        if !out.iter().any(|x| x == TAGS[i]) {
            out.push(TAGS[i].to_string());
        }
    }
    out
}

/// Ids newest first (time descending, then id descending), as the journal orders them.
fn expected_order(model: &BTreeMap<String, ModelEntry>, tag: Option<&str>) -> Vec<String> {
    let mut v: Vec<(&String, &ModelEntry)> = model
        .iter()
        .filter(|(_, e)| tag.is_none_or(|t| e.tags.iter().any(|x| x == t)))
        .collect();
    v.sort_by(|a, b| b.1.at.cmp(&a.1.at).then(b.0.cmp(a.0)));
    v.into_iter().map(|(id, _)| id.clone()).collect()
}

fn check(j: &Journal, model: &BTreeMap<String, ModelEntry>) {
    let s = j.store();
    for tag in [None, Some("sleep"), Some("family")] {
        // Walk pages of 3 to exercise paging.
        let mut got = Vec::new();
        let mut offset = 0;
        loop {
            let q = EntryQuery {
                offset,
                limit: 3,
                tag: tag.map(String::from),
                ..Default::default()
            };
            let page = s.list_entries(&q).unwrap();
            assert!(page.damaged_ids.is_empty());
            for e in &page.entries {
                let m = &model[&e.id];
                assert_eq!(
                    (&e.text, e.mood, &e.tags, e.created_at_ms),
                    (&m.text, m.mood, &m.tags, m.at)
                );
            }
            got.extend(page.entries.into_iter().map(|e| e.id));
            if !page.has_more {
                break;
            }
            offset += 3;
        }
        assert_eq!(got, expected_order(model, tag), "tag {tag:?}");
    }
    for w in ["calm", "hope"] {
        let mut found: Vec<String> = s
            .search(w, 500)
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        found.sort();
        let want: Vec<String> = model
            .iter()
            .filter(|(_, e)| e.text.split(' ').any(|x| x == w))
            .map(|(id, _)| id.clone())
            .collect();
        assert_eq!(found, want, "search {w}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn journal_matches_model(ops in prop::collection::vec(op(), 1..25)) {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path(), VaultOptions { kdf_iterations: 2 }).unwrap();
        j.setup("harbor lights at dusk".into()).unwrap();
        let mut model: BTreeMap<String, ModelEntry> = BTreeMap::new();
        for op in ops {
            let s = j.store();
            match op {
                Op::Add { words, mood, tags: t, at } => {
                    let e = s.add_entry(NewEntry { text: text(&words), mood, tags: tags(&t).iter().map(|x| x.to_uppercase()).collect(), created_at_ms: Some(at) }).unwrap();
                    model.insert(e.id, ModelEntry { text: text(&words), mood, tags: tags(&t), at });
                }
                Op::Edit { pick, words, tags: t } => {
                    if model.is_empty() { continue; }
                    let id = model.keys().nth(pick % model.len()).unwrap().clone();
                    s.edit_entry(&id, EntryUpdate { text: Some(text(&words)), tags: t.as_ref().map(|t| tags(t)), ..Default::default() }).unwrap();
                    let m = model.get_mut(&id).unwrap();
                    m.text = text(&words);
                    if let Some(t) = t { m.tags = tags(&t); }
                }
                Op::Delete { pick } => {
                    if model.is_empty() { continue; }
                    let id = model.keys().nth(pick % model.len()).unwrap().clone();
                    s.delete_entry(&id).unwrap();
                    model.remove(&id);
                    let gone = matches!(s.get_entry(&id), Err(JournalError::NotFound { .. }));
                    prop_assert!(gone, "deleted entry still found");
                }
                Op::Relock => {
                    j.lock();
                    j.unlock("harbor lights at dusk".into()).unwrap();
                }
            }
            check(&j, &model);
        }
    }
}
