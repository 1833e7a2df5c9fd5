//! FFI surface of the course: the `Course` object (from `Lantern::course()`) and its records.
//! Every method delegates to `crate::course::CourseContent`; this file only reshapes data for the apps.
//! Self-check answers are never sent to the apps before the person answers.

use std::sync::Arc;

use crate::LanternError;
use crate::course::{self, CourseContent, model};

use super::Lantern;

/// The course for trainee peer supporters: read offline, track progress, search, update.
#[derive(uniffi::Object, Debug)]
pub struct Course {
    inner: CourseContent,
}

/// Which content pack is active.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct PackInfo {
    /// Course title.
    pub title: String,
    /// BCP 47 language tag of the pack.
    pub language: String,
    /// Publisher version of the pack.
    pub version: u64,
    /// True when the active pack is signed with the committed development key (development
    /// builds): anyone could have written it.
    pub development_key: bool,
    /// Who vouches for the active pack.
    pub publisher: PackPublisher,
    /// Whether this build accepts course updates from the network (it has a publisher key).
    pub updates_enabled: bool,
}

/// Who vouches for a content pack: show it with the content, above all with "Get help now".
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct PackPublisher {
    /// The name configured for the publisher's key when the app was built.
    pub name: String,
    /// Fingerprint of the publisher's signing key (8 groups of 4 hex digits), to compare with
    /// the one the publisher announces.
    pub key_fingerprint: String,
    /// True for the committed development key: the text is unverified, anyone could have
    /// written it. Apps should say so next to crisis resources.
    pub development: bool,
}

impl From<&course::pack::Publisher> for PackPublisher {
    fn from(p: &course::pack::Publisher) -> Self {
        PackPublisher {
            name: p.name.clone(),
            key_fingerprint: p.fingerprint(),
            development: p.is_development(),
        }
    }
}

/// A unit in the course list.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct UnitSummary {
    /// Stable id (for example `peer-supporter`).
    pub id: String,
    /// Title shown to the person.
    pub title: String,
    /// Number of lessons.
    pub lesson_count: u32,
    /// Number of sections over all lessons.
    pub section_count: u32,
}

/// A section title in a lesson list.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct SectionSummary {
    /// Stable id within the lesson.
    pub id: String,
    /// Title shown to the person.
    pub title: String,
}

/// A lesson in a unit's list.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct LessonSummary {
    /// Stable id within the unit.
    pub id: String,
    /// Title shown to the person.
    pub title: String,
    /// True for the course's own exercises (not from the source unit).
    pub course_authored: bool,
    /// The lesson's sections, in order.
    pub sections: Vec<SectionSummary>,
}

/// One piece of lesson content.
#[derive(uniffi::Enum, Debug, Clone, PartialEq, Eq)]
pub enum LessonBlock {
    /// Running text.
    Paragraph { text: String },
    /// A term and what it means.
    Definition { term: String, meaning: String },
    /// A quotation and its source.
    Quote { text: String, source: String },
    /// A list of principles and where they come from.
    Principles { items: Vec<String>, source: String },
    /// A question with its answer.
    QuestionAnswer { question: String, answer: String },
    /// A video resource. `url` is None when there is no link: show it as unavailable
    /// ("needs a connection"), never as a broken link.
    Video { title: String, url: Option<String> },
    /// A question for the person to think about (nothing is recorded).
    ReflectionPrompt { id: String, text: String },
    /// A multiple-choice question; answer it with `Course::answer_self_check`.
    SelfCheck {
        id: String,
        question: String,
        choices: Vec<String>,
    },
}

/// One section of an opened lesson.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct SectionContent {
    /// Stable id within the lesson (for `mark_section_read`).
    pub id: String,
    /// Title shown to the person.
    pub title: String,
    /// The section's content, in order.
    pub blocks: Vec<LessonBlock>,
}

/// An opened lesson.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct LessonContent {
    /// The unit's id.
    pub unit_id: String,
    /// The unit's title.
    pub unit_title: String,
    /// The lesson's id.
    pub id: String,
    /// The lesson's title.
    pub title: String,
    /// True for the course's own exercises.
    pub course_authored: bool,
    /// The sections, in order.
    pub sections: Vec<SectionContent>,
}

/// Progress through one lesson.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct LessonProgress {
    /// The lesson's id.
    pub lesson_id: String,
    /// Sections marked read.
    pub sections_read: u32,
    /// Sections in the lesson.
    pub sections_total: u32,
}

/// Progress through one unit.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct UnitProgress {
    /// The unit's id.
    pub unit_id: String,
    /// Sections marked read.
    pub sections_read: u32,
    /// Sections in the unit.
    pub sections_total: u32,
    /// Self-check questions in the unit.
    pub self_checks_total: u32,
    /// Self-checks answered at least once.
    pub self_checks_answered: u32,
    /// Self-checks whose latest answer is correct (the score).
    pub self_checks_correct: u32,
    /// Per lesson, in order.
    pub lessons: Vec<LessonProgress>,
}

/// The verdict on a self-check answer.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckResult {
    /// Whether the chosen answer is right.
    pub correct: bool,
    /// 0-based index of the right choice.
    pub correct_choice: u32,
    /// Why that answer is right.
    pub explanation: String,
}

/// A bookmarked lesson or section.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    /// The unit's id.
    pub unit_id: String,
    /// The lesson's id.
    pub lesson_id: String,
    /// The section's id, or None for the whole lesson.
    pub section_id: Option<String>,
    /// Title of the section or lesson.
    pub title: String,
}

/// One search result. `snippet` marks matches as `**word**`.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The unit's id.
    pub unit_id: String,
    /// The unit's title.
    pub unit_title: String,
    /// The lesson's id.
    pub lesson_id: String,
    /// The lesson's title.
    pub lesson_title: String,
    /// The section's id.
    pub section_id: String,
    /// The section's title.
    pub section_title: String,
    /// Matching text with the matches between `**`.
    pub snippet: String,
}

/// One entry of the "Get help now" section.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct HelpResource {
    /// When this applies ("If someone is in immediate danger").
    pub title: String,
    /// What to do.
    pub text: String,
}

/// The "Get help now" crisis-resources section, written by the course team.
#[derive(uniffi::Record, Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    /// Section title.
    pub title: String,
    /// Who wrote it and what Lantern is not.
    pub note: String,
    /// What to do, by situation.
    pub resources: Vec<HelpResource>,
    /// Who vouches for this text (the publisher of the active pack).
    pub publisher: PackPublisher,
}

/// Result of `Course::update_from_url`.
#[derive(uniffi::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContentUpdate {
    /// The installed pack is current (HTTP 304).
    NotModified,
    /// A newer signed pack was installed and is now active.
    Updated { version: u64 },
}

fn block(b: &model::Block) -> LessonBlock {
    use model::Block as B;
    match b.clone() {
        B::Paragraph { text } => LessonBlock::Paragraph { text },
        B::Definition { term, meaning } => LessonBlock::Definition { term, meaning },
        B::Quote { text, source } => LessonBlock::Quote { text, source },
        B::Principles { items, source } => LessonBlock::Principles { items, source },
        B::QuestionAnswer { question, answer } => LessonBlock::QuestionAnswer { question, answer },
        B::Video { title, url } => LessonBlock::Video { title, url },
        B::ReflectionPrompt { id, text } => LessonBlock::ReflectionPrompt { id, text },
        B::SelfCheck {
            id,
            question,
            choices,
            ..
        } => LessonBlock::SelfCheck {
            id,
            question,
            choices: choices.into_iter().map(|c| c.text).collect(),
        },
    }
}

impl From<course::UnitProgress> for UnitProgress {
    fn from(p: course::UnitProgress) -> Self {
        UnitProgress {
            unit_id: p.unit_id,
            sections_read: p.sections_read,
            sections_total: p.sections_total,
            self_checks_total: p.self_checks_total,
            self_checks_answered: p.self_checks_answered,
            self_checks_correct: p.self_checks_correct,
            lessons: p
                .lessons
                .into_iter()
                .map(|l| LessonProgress {
                    lesson_id: l.lesson_id,
                    sections_read: l.sections_read,
                    sections_total: l.sections_total,
                })
                .collect(),
        }
    }
}

impl From<course::search::Hit> for SearchHit {
    fn from(h: course::search::Hit) -> Self {
        SearchHit {
            unit_id: h.unit_id,
            unit_title: h.unit_title,
            lesson_id: h.lesson_id,
            lesson_title: h.lesson_title,
            section_id: h.section_id,
            section_title: h.section_title,
            snippet: h.snippet,
        }
    }
}

impl Course {
    /// Opens the course on a data directory (called by `Lantern::open`).
    pub(crate) fn open(data_dir: &std::path::Path) -> Result<Self, LanternError> {
        Ok(Self::from_content(CourseContent::open(data_dir)?))
    }

    /// Wraps an already opened course, for example one opened with an explicit trust
    /// (`CourseContent::open_with`) by tools and tests. Not part of the FFI.
    pub fn from_content(inner: CourseContent) -> Self {
        Course { inner }
    }
}

#[uniffi::export]
impl Lantern {
    /// The course: units, lessons, progress, search, content updates.
    pub fn course(&self) -> Arc<Course> {
        self.course.clone()
    }
}

#[uniffi::export]
impl Course {
    /// The active content pack (title, language, version).
    pub fn pack_info(&self) -> PackInfo {
        let (pack, publisher) = self.inner.pack_and_publisher();
        PackInfo {
            title: pack.title.clone(),
            language: pack.language.clone(),
            version: pack.version,
            development_key: publisher.is_development(),
            publisher: (&publisher).into(),
            updates_enabled: self.inner.update_publisher().is_some(),
        }
    }

    /// Every unit, in course order.
    pub fn list_units(&self) -> Vec<UnitSummary> {
        self.inner
            .pack()
            .units
            .iter()
            .map(|u| UnitSummary {
                id: u.id.clone(),
                title: u.title.clone(),
                lesson_count: u.lessons.len() as u32,
                section_count: u.lessons.iter().map(|l| l.sections.len() as u32).sum(),
            })
            .collect()
    }

    /// The lessons of a unit, in order. NotFound for an unknown unit.
    pub fn list_lessons(&self, unit_id: String) -> Result<Vec<LessonSummary>, LanternError> {
        let pack = self.inner.pack();
        let unit = course::find_unit(&pack, &unit_id)?;
        Ok(unit
            .lessons
            .iter()
            .map(|l| LessonSummary {
                id: l.id.clone(),
                title: l.title.clone(),
                course_authored: l.course_authored,
                sections: l
                    .sections
                    .iter()
                    .map(|s| SectionSummary {
                        id: s.id.clone(),
                        title: s.title.clone(),
                    })
                    .collect(),
            })
            .collect())
    }

    /// Opens a lesson as typed blocks. NotFound for an unknown unit or lesson.
    pub fn open_lesson(
        &self,
        unit_id: String,
        lesson_id: String,
    ) -> Result<LessonContent, LanternError> {
        let pack = self.inner.pack();
        let unit = course::find_unit(&pack, &unit_id)?;
        let lesson = course::find_lesson(unit, &lesson_id)?;
        Ok(LessonContent {
            unit_id: unit.id.clone(),
            unit_title: unit.title.clone(),
            id: lesson.id.clone(),
            title: lesson.title.clone(),
            course_authored: lesson.course_authored,
            sections: lesson
                .sections
                .iter()
                .map(|s| SectionContent {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    blocks: s.blocks.iter().map(block).collect(),
                })
                .collect(),
        })
    }

    /// Marks a section read. NotFound for unknown ids; Storage if progress cannot be saved.
    pub fn mark_section_read(
        &self,
        unit_id: String,
        lesson_id: String,
        section_id: String,
    ) -> Result<(), LanternError> {
        Ok(self
            .inner
            .mark_section_read(&unit_id, &lesson_id, &section_id)?)
    }

    /// Progress through one unit.
    pub fn unit_progress(&self, unit_id: String) -> Result<UnitProgress, LanternError> {
        Ok(self.inner.unit_progress(&unit_id)?.into())
    }

    /// Progress through every unit, in course order.
    pub fn progress(&self) -> Result<Vec<UnitProgress>, LanternError> {
        Ok(self
            .inner
            .all_progress()?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Answers self-check `exercise_id` with the 0-based `choice`; returns the verdict and the
    /// explanation. The latest answer counts towards the unit's score.
    pub fn answer_self_check(
        &self,
        exercise_id: String,
        choice: u32,
    ) -> Result<SelfCheckResult, LanternError> {
        let o = self.inner.answer_self_check(&exercise_id, choice)?;
        Ok(SelfCheckResult {
            correct: o.correct,
            correct_choice: o.correct_choice,
            explanation: o.explanation,
        })
    }

    /// Bookmarks a lesson, or a section of it. Returns false if it was already bookmarked.
    pub fn add_bookmark(
        &self,
        unit_id: String,
        lesson_id: String,
        section_id: Option<String>,
    ) -> Result<bool, LanternError> {
        Ok(self
            .inner
            .add_bookmark(&unit_id, &lesson_id, section_id.as_deref())?)
    }

    /// Removes a bookmark. Returns false if there was none.
    pub fn remove_bookmark(
        &self,
        unit_id: String,
        lesson_id: String,
        section_id: Option<String>,
    ) -> Result<bool, LanternError> {
        Ok(self
            .inner
            .remove_bookmark(&unit_id, &lesson_id, section_id.as_deref())?)
    }

    /// All bookmarks, oldest first.
    pub fn bookmarks(&self) -> Result<Vec<Bookmark>, LanternError> {
        Ok(self
            .inner
            .bookmarks()?
            .into_iter()
            .map(|b| Bookmark {
                unit_id: b.unit_id,
                lesson_id: b.lesson_id,
                section_id: b.section_id,
                title: b.title,
            })
            .collect())
    }

    /// Offline full-text search over every lesson, best match first (at most 20).
    /// InvalidInput when the query has no words.
    pub fn search(&self, query: String) -> Result<Vec<SearchHit>, LanternError> {
        Ok(self
            .inner
            .search(&query)?
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// The "Get help now" crisis-resources section of the active pack, with the publisher that
    /// vouches for it.
    pub fn help_now(&self) -> HelpSection {
        let (pack, publisher) = self.inner.pack_and_publisher();
        let help = pack.help.clone();
        HelpSection {
            publisher: (&publisher).into(),
            title: help.title,
            note: help.note,
            resources: help
                .resources
                .into_iter()
                .map(|r| HelpResource {
                    title: r.title,
                    text: r.text,
                })
                .collect(),
        }
    }

    /// Fetches a newer signed pack from `url` (https; http only to loopback) and switches to it.
    /// ContentRejected when the build accepts no updates (`PackInfo::updates_enabled` is false),
    /// and for unsigned, tampered, wrongly signed (including by the development key), malformed,
    /// older, same-version or too far newer packs; Network when the server cannot be reached.
    /// The current content stays readable.
    pub fn update_from_url(&self, url: String) -> Result<ContentUpdate, LanternError> {
        Ok(match self.inner.update_from_url(&url)? {
            course::UpdateOutcome::NotModified => ContentUpdate::NotModified,
            course::UpdateOutcome::Updated { version } => ContentUpdate::Updated { version },
        })
    }
}
