//! Offline full-text search over every lesson of the active pack (SQLite FTS5, bm25 ranking).
//!
//! The index is an in-memory database built from the pack on the first search (about a
//! millisecond for the seed course), so opening the core never pays for it and nothing about
//! what a person searched for is written to disk. One row per section. User text never reaches
//! FTS5 query syntax: queries are reduced to quoted terms first.

use rusqlite::{Connection, params};

use super::ContentError;
use super::model::Pack;

/// Marks around matched terms in snippets (Markdown bold, so apps can render it as is).
pub const HIGHLIGHT_START: &str = "**";
pub const HIGHLIGHT_END: &str = "**";
/// Most hits returned by one search.
pub const MAX_HITS: usize = 20;

/// One search result: where it is, and a snippet with the matches highlighted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub unit_id: String,
    pub unit_title: String,
    pub lesson_id: String,
    pub lesson_title: String,
    pub section_id: String,
    pub section_title: String,
    pub snippet: String,
}

/// An FTS5 index of one pack version.
pub struct SearchIndex {
    pub version: u64,
    conn: Connection,
}

fn internal(e: rusqlite::Error) -> ContentError {
    ContentError::Internal(format!("search index: {e}"))
}

impl SearchIndex {
    /// Builds the index for `pack`.
    pub fn build(pack: &Pack) -> Result<Self, ContentError> {
        let mut conn = Connection::open_in_memory().map_err(internal)?;
        // Porter stemming only helps English; other languages get plain Unicode tokens.
        let tokenizer = if pack.language.starts_with("en") {
            "porter unicode61 remove_diacritics 2"
        } else {
            "unicode61 remove_diacritics 2"
        };
        conn.execute_batch(&format!(
            "CREATE VIRTUAL TABLE section_fts USING fts5(
                unit_id UNINDEXED, unit_title UNINDEXED, lesson_id UNINDEXED,
                lesson_title UNINDEXED, section_id UNINDEXED, section_title, body,
                tokenize = '{tokenizer}')"
        ))
        .map_err(internal)?;
        let tx = conn.transaction().map_err(internal)?;
        {
            let mut insert = tx
                .prepare("INSERT INTO section_fts VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")
                .map_err(internal)?;
            for unit in &pack.units {
                for lesson in &unit.lessons {
                    for section in &lesson.sections {
                        let body: Vec<String> =
                            section.blocks.iter().map(|b| b.searchable_text()).collect();
                        insert
                            .execute(params![
                                unit.id,
                                unit.title,
                                lesson.id,
                                lesson.title,
                                section.id,
                                section.title,
                                body.join("\n")
                            ])
                            .map_err(internal)?;
                    }
                }
            }
        }
        tx.commit().map_err(internal)?;
        Ok(SearchIndex {
            version: pack.version,
            conn,
        })
    }

    /// Searches for all words of `query` (the last one also as a prefix), best match first.
    pub fn search(&self, query: &str) -> Result<Vec<Hit>, ContentError> {
        let fts_query = to_fts_query(query)?;
        let mut st = self
            .conn
            .prepare_cached(
                "SELECT unit_id, unit_title, lesson_id, lesson_title, section_id, section_title,
                        snippet(section_fts, -1, ?2, ?3, '…', 16)
                 FROM section_fts WHERE section_fts MATCH ?1
                 ORDER BY bm25(section_fts, 0, 0, 0, 0, 0, 4.0, 1.0) LIMIT ?4",
            )
            .map_err(internal)?;
        let rows = st
            .query_map(
                params![fts_query, HIGHLIGHT_START, HIGHLIGHT_END, MAX_HITS as i64],
                |r| {
                    Ok(Hit {
                        unit_id: r.get(0)?,
                        unit_title: r.get(1)?,
                        lesson_id: r.get(2)?,
                        lesson_title: r.get(3)?,
                        section_id: r.get(4)?,
                        section_title: r.get(5)?,
                        snippet: r.get(6)?,
                    })
                },
            )
            .map_err(internal)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(internal)
    }
}

/// Reduces free text to an FTS5 query: every word quoted (so `AND`, `*`, `"` or `:` typed by a
/// person are plain text), all required, the last also matching as a prefix.
fn to_fts_query(query: &str) -> Result<String, ContentError> {
    let words: Vec<&str> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some((last, rest)) = words.split_last() else {
        return Err(ContentError::InvalidInput(
            "the search needs at least one word".into(),
        ));
    };
    let mut terms: Vec<String> = rest.iter().map(|w| format!("\"{w}\"")).collect();
    terms.push(format!("\"{last}\"*"));
    Ok(terms.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::course::pack;

    fn index() -> SearchIndex {
        SearchIndex::build(&pack::bundled_unverified().expect("bundled pack")).expect("builds")
    }

    #[test]
    fn finds_sections_with_highlighted_snippets() {
        let idx = index();
        let hits = idx.search("confidentiality").expect("search");
        assert!(!hits.is_empty());
        assert!(
            hits.iter()
                .any(|h| h.lesson_id == "confidentiality" && h.section_id == "why-confidentiality")
        );
        assert!(hits[0].snippet.contains("**"), "{}", hits[0].snippet);
        assert!(hits[0].snippet.to_lowercase().contains("**confidential"));

        let hits = idx.search("Gordon").expect("search");
        assert_eq!(hits[0].section_id, "acceptance");

        // Stemming and prefix: "boundary" finds "boundaries"; "stakehold" is a prefix.
        assert!(!idx.search("boundary").expect("search").is_empty());
        let hits = idx.search("stakehold").expect("search");
        assert_eq!(hits[0].section_id, "guiding-principles");
    }

    #[test]
    fn query_syntax_is_plain_text_and_empty_is_invalid() {
        let idx = index();
        assert!(idx.search("\"AND* NEAR(").is_ok());
        assert!(idx.search("zebra-unicorn").expect("search").is_empty());
        for q in ["", "   ", "*:\"()"] {
            assert!(
                matches!(idx.search(q), Err(ContentError::InvalidInput(_))),
                "{q:?}"
            );
        }
    }
}
