//! The content pack's data model: what a signed pack carries once its signature is checked.
//!
//! Plain serde types with no dependency beyond `std` and `serde`, because `core/build.rs`
//! includes this file to compile the course sources at build time. Never add FFI derives or
//! I/O here; the FFI shapes live in `api/course.rs`.

use serde::{Deserialize, Serialize};

/// The pack format this core reads. A pack with another number is refused.
pub const PACK_FORMAT: u32 = 1;

/// A whole content pack: every unit of one language, at one version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pack {
    /// Always [`PACK_FORMAT`] for packs this core writes.
    pub format: u32,
    /// BCP 47 language tag of every text in the pack ("en").
    pub language: String,
    /// Monotonic publisher version; updates must carry a strictly greater one.
    pub version: u64,
    /// Human title of the course.
    pub title: String,
    /// Units in reading order.
    pub units: Vec<Unit>,
    /// The "Get help now" crisis-resources section the apps show from the pack.
    pub help: Help,
}

/// One unit of the course (one source file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub title: String,
    pub lessons: Vec<Lesson>,
}

/// One lesson: a screenful or a few, made of titled sections.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lesson {
    pub id: String,
    pub title: String,
    /// True when the lesson was written for Lantern (exercises), not taken from the source unit.
    pub course_authored: bool,
    pub sections: Vec<Section>,
}

/// The smallest unit of progress: a section is marked read as a whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    pub blocks: Vec<Block>,
}

/// One self-check choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub text: String,
    pub correct: bool,
}

/// The kinds of content a lesson is made of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Block {
    Paragraph {
        text: String,
    },
    Definition {
        term: String,
        meaning: String,
    },
    Quote {
        text: String,
        source: String,
    },
    Principles {
        items: Vec<String>,
        source: String,
    },
    QuestionAnswer {
        question: String,
        answer: String,
    },
    /// A video resource; `url` is `None` when the source has no link (shown as unavailable).
    Video {
        title: String,
        url: Option<String>,
    },
    ReflectionPrompt {
        id: String,
        text: String,
    },
    SelfCheck {
        id: String,
        question: String,
        choices: Vec<Choice>,
        explanation: String,
    },
}

/// The crisis-resources section, written by the course team (generic, not a directory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Help {
    pub title: String,
    /// Says who wrote it and that it does not replace emergency services.
    pub note: String,
    pub resources: Vec<HelpResource>,
}

/// One "what to do" entry of the help section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelpResource {
    pub title: String,
    pub text: String,
}

impl Block {
    /// All human-readable text of the block, for the search index.
    pub fn searchable_text(&self) -> String {
        match self {
            Block::Paragraph { text } => text.clone(),
            Block::Definition { term, meaning } => format!("{term}. {meaning}"),
            Block::Quote { text, source } => format!("{text} ({source})"),
            Block::Principles { items, source } => format!("{} ({source})", items.join(" ")),
            Block::QuestionAnswer { question, answer } => format!("{question} {answer}"),
            Block::Video { title, .. } => title.clone(),
            Block::ReflectionPrompt { text, .. } => text.clone(),
            Block::SelfCheck {
                question, choices, ..
            } => {
                let choices: Vec<&str> = choices.iter().map(|c| c.text.as_str()).collect();
                format!("{question} {}", choices.join(" "))
            }
        }
    }
}
