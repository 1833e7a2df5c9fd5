//! Course content: the signed content pack (bundled, or a newer downloaded one), the person's
//! progress, and offline search.
//!
//! - `model`, `source`, `envelope`: the pack's shape, the text-source parser and the signed
//!   byte layout (all shared with `build.rs`, which compiles `content/` at build time);
//! - `pack`: signature check and loading; `update`: HTTP fetch and the stored pack;
//! - `progress`: `course.db` (sections read, self-check answers, bookmarks);
//! - `search`: an FTS5 index built lazily in memory.
//!
//! Reading the course never depends on the progress database or the network: the bundled pack
//! is always there and verified. The bundled pack is checked under the key it was built with (the
//! development key in development builds); a downloaded or stored pack only under the update
//! publisher key (`pack::Trust`), which is never the development key, and never when the build
//! has none. This module never moves to an older, same-version or absurdly newer pack, and always
//! knows which publisher vouches for the active pack.

pub mod envelope;
pub mod model;
pub mod pack;
pub mod progress;
pub mod search;
pub mod source;
pub mod update;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use model::{Block, Lesson, Pack, Section, Unit};
use pack::{PackError, Publisher, Trust};
use progress::ProgressStore;
use search::{Hit, SearchIndex};

/// What can go wrong with the course. Messages hold course ids at most, never personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("unknown {0}")]
    NotFound(String),
    #[error("{0}")]
    Rejected(String),
    #[error("{0}")]
    Storage(String),
    #[error("{0}")]
    Network(String),
    #[error("{0}")]
    InvalidInput(String),
    #[error("{0}")]
    Internal(String),
}

impl From<PackError> for ContentError {
    fn from(e: PackError) -> Self {
        ContentError::Rejected(e.to_string())
    }
}

/// Progress through one lesson.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonProgress {
    pub lesson_id: String,
    pub sections_read: u32,
    pub sections_total: u32,
}

/// Progress through one unit: sections read and self-check results (latest answer counts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnitProgress {
    pub unit_id: String,
    pub sections_read: u32,
    pub sections_total: u32,
    pub self_checks_total: u32,
    pub self_checks_answered: u32,
    pub self_checks_correct: u32,
    pub lessons: Vec<LessonProgress>,
}

/// The verdict on one self-check answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfCheckOutcome {
    pub correct: bool,
    /// 0-based index of the right choice.
    pub correct_choice: u32,
    pub explanation: String,
}

/// A bookmark with the title of what it points to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bookmark {
    pub unit_id: String,
    pub lesson_id: String,
    pub section_id: Option<String>,
    /// Section (or lesson) title; the id when the current pack no longer has it.
    pub title: String,
}

/// The result of asking the content server for a newer pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The server says the stored pack is current (HTTP 304).
    NotModified,
    /// A newer pack was verified, stored and is now active.
    Updated { version: u64 },
}

struct Active {
    pack: Arc<Pack>,
    /// Who signed it (the bundled or the update publisher).
    publisher: Publisher,
    /// ETag of the stored pack when it is the active one.
    etag: Option<String>,
}

/// The course for one data directory.
pub struct CourseContent {
    data_dir: PathBuf,
    trust: Trust,
    active: RwLock<Active>,
    progress: ProgressStore,
    search: Mutex<Option<SearchIndex>>,
    updating: Mutex<()>,
}

impl std::fmt::Debug for CourseContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CourseContent").finish_non_exhaustive()
    }
}

/// Finds a unit of `pack` by id.
pub fn find_unit<'a>(pack: &'a Pack, unit_id: &str) -> Result<&'a Unit, ContentError> {
    pack.units
        .iter()
        .find(|u| u.id == unit_id)
        .ok_or_else(|| ContentError::NotFound(format!("unit `{unit_id}`")))
}

/// Finds a lesson of `unit` by id.
pub fn find_lesson<'a>(unit: &'a Unit, lesson_id: &str) -> Result<&'a Lesson, ContentError> {
    unit.lessons
        .iter()
        .find(|l| l.id == lesson_id)
        .ok_or_else(|| ContentError::NotFound(format!("lesson `{lesson_id}` in `{}`", unit.id)))
}

fn find_section<'a>(lesson: &'a Lesson, section_id: &str) -> Result<&'a Section, ContentError> {
    lesson
        .sections
        .iter()
        .find(|s| s.id == section_id)
        .ok_or_else(|| ContentError::NotFound(format!("section `{section_id}` in `{}`", lesson.id)))
}

fn lock_poisoned() -> ContentError {
    ContentError::Internal("course lock poisoned".into())
}

fn self_check_ids(unit: &Unit) -> impl Iterator<Item = &str> {
    unit.lessons
        .iter()
        .flat_map(|l| &l.sections)
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::SelfCheck { id, .. } => Some(id.as_str()),
            _ => None,
        })
}

impl CourseContent {
    /// Opens the course on `data_dir` with the bundled pack and the trust compiled into the build.
    pub fn open(data_dir: &Path) -> Result<Self, ContentError> {
        Self::open_with(data_dir, pack::BUNDLED_PACK, Trust::compiled()?)
    }

    /// As [`CourseContent::open`], with an explicit bundled pack and trust (tests, tools).
    /// A stored pack is used only if it verifies under the update publisher key, has the bundled
    /// pack's language and a newer version; otherwise the bundled pack is used and the stored
    /// file is left for the next update.
    pub fn open_with(data_dir: &Path, bundled: &[u8], trust: Trust) -> Result<Self, ContentError> {
        let bundled = pack::open(bundled, &trust.bundled().key)
            .map_err(|e| ContentError::Rejected(format!("bundled pack: {e}")))?;
        let bundled = Active {
            pack: Arc::new(bundled),
            publisher: trust.bundled().clone(),
            etag: None,
        };
        let stored = match (update::load_stored(data_dir), trust.updates()) {
            (Some((bytes, etag)), Some(publisher)) => match pack::open(&bytes, &publisher.key) {
                Ok(p)
                    if p.language == bundled.pack.language && p.version > bundled.pack.version =>
                {
                    Some(Active {
                        pack: Arc::new(p),
                        publisher: publisher.clone(),
                        etag,
                    })
                }
                Ok(_) => None,
                Err(e) => {
                    tracing::warn!("stored content pack refused, using the bundled one: {e}");
                    None
                }
            },
            _ => None,
        };
        Ok(CourseContent {
            data_dir: data_dir.to_path_buf(),
            trust,
            active: RwLock::new(stored.unwrap_or(bundled)),
            progress: ProgressStore::new(data_dir),
            search: Mutex::new(None),
            updating: Mutex::new(()),
        })
    }

    /// The active pack (a cheap snapshot; an update swaps it for later calls).
    pub fn pack(&self) -> Arc<Pack> {
        match self.active.read() {
            Ok(a) => a.pack.clone(),
            // A panic while swapping packs cannot leave a half-written Arc: keep reading it.
            Err(poisoned) => poisoned.into_inner().pack.clone(),
        }
    }

    /// The active pack and the publisher that vouches for it, read together.
    pub fn pack_and_publisher(&self) -> (Arc<Pack>, Publisher) {
        let read = |a: &Active| (a.pack.clone(), a.publisher.clone());
        match self.active.read() {
            Ok(a) => read(&a),
            Err(poisoned) => read(&poisoned.into_inner()),
        }
    }

    /// Who may publish updates to this course; None when this build accepts none.
    pub fn update_publisher(&self) -> Option<&Publisher> {
        self.trust.updates()
    }

    /// Marks a section read (idempotent).
    pub fn mark_section_read(
        &self,
        unit_id: &str,
        lesson_id: &str,
        section_id: &str,
    ) -> Result<(), ContentError> {
        let pack = self.pack();
        let lesson = find_lesson(find_unit(&pack, unit_id)?, lesson_id)?;
        find_section(lesson, section_id)?;
        self.progress.mark_read(unit_id, lesson_id, section_id)
    }

    /// Progress through one unit.
    pub fn unit_progress(&self, unit_id: &str) -> Result<UnitProgress, ContentError> {
        let pack = self.pack();
        let unit = find_unit(&pack, unit_id)?;
        let answers = self.progress.answers()?;
        self.progress_of(unit, &answers)
    }

    /// Progress through every unit, in course order.
    pub fn all_progress(&self) -> Result<Vec<UnitProgress>, ContentError> {
        let pack = self.pack();
        let answers = self.progress.answers()?;
        pack.units
            .iter()
            .map(|u| self.progress_of(u, &answers))
            .collect()
    }

    fn progress_of(
        &self,
        unit: &Unit,
        answers: &std::collections::HashMap<String, bool>,
    ) -> Result<UnitProgress, ContentError> {
        let read = self.progress.read_sections(&unit.id)?;
        let lessons: Vec<LessonProgress> = unit
            .lessons
            .iter()
            .map(|l| LessonProgress {
                lesson_id: l.id.clone(),
                // Only sections the active pack still has count.
                sections_read: l
                    .sections
                    .iter()
                    .filter(|s| read.contains(&(l.id.clone(), s.id.clone())))
                    .count() as u32,
                sections_total: l.sections.len() as u32,
            })
            .collect();
        let checks: Vec<&str> = self_check_ids(unit).collect();
        Ok(UnitProgress {
            unit_id: unit.id.clone(),
            sections_read: lessons.iter().map(|l| l.sections_read).sum(),
            sections_total: lessons.iter().map(|l| l.sections_total).sum(),
            self_checks_total: checks.len() as u32,
            self_checks_answered: checks.iter().filter(|c| answers.contains_key(**c)).count()
                as u32,
            self_checks_correct: checks
                .iter()
                .filter(|c| answers.get(**c) == Some(&true))
                .count() as u32,
            lessons,
        })
    }

    /// Records an answer (0-based `choice`) to self-check `exercise_id` and returns the verdict.
    pub fn answer_self_check(
        &self,
        exercise_id: &str,
        choice: u32,
    ) -> Result<SelfCheckOutcome, ContentError> {
        let pack = self.pack();
        let (choices, explanation) = pack
            .units
            .iter()
            .flat_map(|u| &u.lessons)
            .flat_map(|l| &l.sections)
            .flat_map(|s| &s.blocks)
            .find_map(|b| match b {
                Block::SelfCheck {
                    id,
                    choices,
                    explanation,
                    ..
                } if id == exercise_id => Some((choices, explanation)),
                _ => None,
            })
            .ok_or_else(|| ContentError::NotFound(format!("self-check `{exercise_id}`")))?;
        let picked = choices.get(choice as usize).ok_or_else(|| {
            ContentError::InvalidInput(format!(
                "choice {choice} is out of range (0..{})",
                choices.len()
            ))
        })?;
        let correct_choice = choices
            .iter()
            .position(|c| c.correct)
            .ok_or_else(|| ContentError::Internal("self-check without an answer".into()))?;
        self.progress
            .record_answer(exercise_id, choice, picked.correct)?;
        Ok(SelfCheckOutcome {
            correct: picked.correct,
            correct_choice: correct_choice as u32,
            explanation: explanation.clone(),
        })
    }

    fn check_target(
        &self,
        unit_id: &str,
        lesson_id: &str,
        section_id: Option<&str>,
    ) -> Result<(), ContentError> {
        let pack = self.pack();
        let lesson = find_lesson(find_unit(&pack, unit_id)?, lesson_id)?;
        if let Some(s) = section_id {
            find_section(lesson, s)?;
        }
        Ok(())
    }

    /// Bookmarks a lesson (or one of its sections). Returns false if it was already bookmarked.
    pub fn add_bookmark(
        &self,
        unit_id: &str,
        lesson_id: &str,
        section_id: Option<&str>,
    ) -> Result<bool, ContentError> {
        self.check_target(unit_id, lesson_id, section_id)?;
        self.progress.add_bookmark(unit_id, lesson_id, section_id)
    }

    /// Removes a bookmark. Returns false if there was none (ids need not exist any more).
    pub fn remove_bookmark(
        &self,
        unit_id: &str,
        lesson_id: &str,
        section_id: Option<&str>,
    ) -> Result<bool, ContentError> {
        self.progress
            .remove_bookmark(unit_id, lesson_id, section_id)
    }

    /// All bookmarks, oldest first, with titles from the active pack.
    pub fn bookmarks(&self) -> Result<Vec<Bookmark>, ContentError> {
        let pack = self.pack();
        let stored = self.progress.bookmarks()?;
        Ok(stored
            .into_iter()
            .map(|b| {
                let lesson = find_unit(&pack, &b.unit_id)
                    .and_then(|u| find_lesson(u, &b.lesson_id))
                    .ok();
                let title = match (&b.section_id, lesson) {
                    (None, Some(l)) => l.title.clone(),
                    (Some(s), Some(l)) => find_section(l, s)
                        .map(|s| s.title.clone())
                        .unwrap_or_else(|_| s.clone()),
                    (Some(s), None) => s.clone(),
                    (None, None) => b.lesson_id.clone(),
                };
                Bookmark {
                    unit_id: b.unit_id,
                    lesson_id: b.lesson_id,
                    section_id: b.section_id,
                    title,
                }
            })
            .collect())
    }

    /// Full-text search over every lesson of the active pack.
    pub fn search(&self, query: &str) -> Result<Vec<Hit>, ContentError> {
        let pack = self.pack();
        let mut index = self.search.lock().map_err(|_| lock_poisoned())?;
        let index = match index.take() {
            Some(i) if i.version == pack.version => index.insert(i),
            _ => index.insert(SearchIndex::build(&pack)?),
        };
        index.search(query)
    }

    /// Fetches `url`; if it holds a pack signed by the update publisher that
    /// [`pack::check_update`] accepts, stores it and switches to it. Anything else leaves the
    /// current pack in place. Refused before any network access when the build has no update
    /// publisher key.
    pub fn update_from_url(&self, url: &str) -> Result<UpdateOutcome, ContentError> {
        let publisher = self.trust.updates().ok_or(PackError::UpdatesDisabled)?;
        let url = update::check_url(url)?;
        let _one_at_a_time = self.updating.lock().map_err(|_| lock_poisoned())?;
        let etag = self
            .active
            .read()
            .map_err(|_| lock_poisoned())?
            .etag
            .clone();
        let (bytes, etag) = match update::fetch(url, etag.as_deref())? {
            update::Fetched::NotModified => return Ok(UpdateOutcome::NotModified),
            update::Fetched::Body { bytes, etag } => (bytes, etag),
        };
        let candidate = pack::open(&bytes, &publisher.key)?;
        pack::check_update(&self.pack(), &candidate)?;
        update::store(&self.data_dir, &bytes, etag.as_deref())?;
        let version = candidate.version;
        *self.active.write().map_err(|_| lock_poisoned())? = Active {
            pack: Arc::new(candidate),
            publisher: publisher.clone(),
            etag,
        };
        Ok(UpdateOutcome::Updated { version })
    }
}
