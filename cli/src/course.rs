//! `lantern course ...` (alias `lessons`): read the course in a terminal, over the core's Rust API.
//!
//! Output is plain text on stdout (tab-separated where a script may want to cut it); failures
//! return one message for main to print as `lantern: ...`. Units and lessons can be named by
//! id or by their 1-based number in `lantern course list`. Never prints progress of anyone else
//! and never needs the network (except `update`).

use std::path::Path;

use clap::Subcommand;
use lantern_core::api::Lantern;
use lantern_core::api::course::{
    ContentUpdate, Course, HelpSection, LessonBlock, LessonContent, PackPublisher,
};

/// Width text is wrapped to.
const WIDTH: usize = 78;

#[derive(Subcommand)]
pub enum CourseCommand {
    /// Lists the units and their lessons.
    List,
    /// Prints a lesson as text (every lesson of the unit if LESSON is omitted).
    Show {
        /// Unit id or number.
        unit: String,
        /// Lesson id or number.
        lesson: Option<String>,
    },
    /// Searches every lesson (offline).
    Search {
        /// Words to look for.
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
    },
    /// Shows progress per unit.
    Progress,
    /// Marks a section read.
    Read {
        /// Unit id or number.
        unit: String,
        /// Lesson id or number.
        lesson: String,
        /// Section id.
        section: String,
    },
    /// Answers a self-check question (CHOICE as numbered by `show`).
    Answer {
        /// Self-check id, as printed by `show`.
        id: String,
        /// Choice number, from 1.
        choice: u32,
    },
    /// Bookmarks a lesson or one of its sections.
    Bookmark {
        /// Unit id or number.
        unit: String,
        /// Lesson id or number.
        lesson: String,
        /// Section id (omit to bookmark the whole lesson).
        section: Option<String>,
    },
    /// Removes a bookmark.
    Unbookmark {
        /// Unit id or number.
        unit: String,
        /// Lesson id or number.
        lesson: String,
        /// Section id.
        section: Option<String>,
    },
    /// Lists bookmarks.
    Bookmarks,
    /// Shows the "Get help now" crisis resources.
    HelpNow,
    /// Installs a newer signed course pack from URL (https).
    Update {
        /// Where the pack is published.
        url: String,
    },
}

/// Runs one `course` command on the core opened at `data_dir`.
pub fn run(data_dir: &Path, command: CourseCommand) -> Result<(), String> {
    let lantern = Lantern::open(data_dir.display().to_string()).map_err(|e| e.to_string())?;
    let course = lantern.course();
    match command {
        CourseCommand::List => list(&course),
        CourseCommand::Show { unit, lesson } => show(&course, &unit, lesson.as_deref()),
        CourseCommand::Search { query } => search(&course, &query.join(" ")),
        CourseCommand::Progress => progress(&course),
        CourseCommand::Read {
            unit,
            lesson,
            section,
        } => {
            let (unit, lesson) = resolve_lesson(&course, &unit, &lesson)?;
            course
                .mark_section_read(unit, lesson, section)
                .map_err(|e| e.to_string())?;
            println!("marked read");
            Ok(())
        }
        CourseCommand::Answer { id, choice } => {
            let index = choice.checked_sub(1).ok_or("choices are numbered from 1")?;
            let r = course
                .answer_self_check(id, index)
                .map_err(|e| e.to_string())?;
            let verdict = if r.correct { "correct" } else { "not quite" };
            println!("{verdict} (the answer is {})", r.correct_choice + 1);
            print_wrapped(&r.explanation, "  ");
            Ok(())
        }
        CourseCommand::Bookmark {
            unit,
            lesson,
            section,
        } => {
            let (unit, lesson) = resolve_lesson(&course, &unit, &lesson)?;
            let added = course
                .add_bookmark(unit, lesson, section)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                if added {
                    "bookmarked"
                } else {
                    "already bookmarked"
                }
            );
            Ok(())
        }
        CourseCommand::Unbookmark {
            unit,
            lesson,
            section,
        } => {
            let (unit, lesson) = resolve_lesson(&course, &unit, &lesson)?;
            let removed = course
                .remove_bookmark(unit, lesson, section)
                .map_err(|e| e.to_string())?;
            println!(
                "{}",
                if removed {
                    "removed"
                } else {
                    "no such bookmark"
                }
            );
            Ok(())
        }
        CourseCommand::Bookmarks => {
            for b in course.bookmarks().map_err(|e| e.to_string())? {
                let section = b.section_id.map(|s| format!("/{s}")).unwrap_or_default();
                println!("{}/{}{section}\t{}", b.unit_id, b.lesson_id, b.title);
            }
            Ok(())
        }
        CourseCommand::HelpNow => {
            print_help(&course.help_now());
            Ok(())
        }
        CourseCommand::Update { url } => {
            match course.update_from_url(url).map_err(|e| e.to_string())? {
                ContentUpdate::NotModified => println!("the course is up to date"),
                ContentUpdate::Updated { version } => {
                    println!("installed course pack version {version}")
                }
            }
            Ok(())
        }
    }
}

/// Prints the "Get help now" section (also after `lantern reach-out`).
pub fn print_help(help: &HelpSection) {
    println!("{}", help.title);
    print_publisher(&help.publisher);
    print_wrapped(&help.note, "");
    for r in &help.resources {
        println!();
        println!("{}", r.title);
        print_wrapped(&r.text, "  ");
    }
}

/// Says who vouches for the text that follows; loudly when nobody does (development key).
fn print_publisher(p: &PackPublisher) {
    if p.development {
        print_wrapped(
            "UNVERIFIED: signed with the public development key of a development build; anyone \
             could have written this text. Check it against a release build.",
            "",
        );
    } else {
        println!("Published by {} (key {})", p.name, p.key_fingerprint);
    }
}

/// A unit id from an id or a 1-based number.
fn resolve_unit(course: &Course, unit: &str) -> Result<String, String> {
    let units = course.list_units();
    if let Ok(n) = unit.parse::<usize>() {
        return units
            .get(n.wrapping_sub(1))
            .map(|u| u.id.clone())
            .ok_or_else(|| format!("not found: unit number {n}"));
    }
    units
        .iter()
        .find(|u| u.id == unit)
        .map(|u| u.id.clone())
        .ok_or_else(|| format!("not found: unit `{unit}` (see `lantern course list`)"))
}

/// (unit id, lesson id) from ids or 1-based numbers.
fn resolve_lesson(course: &Course, unit: &str, lesson: &str) -> Result<(String, String), String> {
    let unit = resolve_unit(course, unit)?;
    let lessons = course
        .list_lessons(unit.clone())
        .map_err(|e| e.to_string())?;
    let found = match lesson.parse::<usize>() {
        Ok(n) => lessons.get(n.wrapping_sub(1)),
        Err(_) => lessons.iter().find(|l| l.id == lesson),
    };
    let lesson = found
        .map(|l| l.id.clone())
        .ok_or_else(|| format!("not found: lesson `{lesson}` in `{unit}`"))?;
    Ok((unit, lesson))
}

fn list(course: &Course) -> Result<(), String> {
    for (i, unit) in course.list_units().into_iter().enumerate() {
        println!(
            "{}. {}\t{}\t{} lessons",
            i + 1,
            unit.id,
            unit.title,
            unit.lesson_count
        );
        for (j, lesson) in course
            .list_lessons(unit.id)
            .map_err(|e| e.to_string())?
            .into_iter()
            .enumerate()
        {
            let own = if lesson.course_authored {
                "\t(course exercises)"
            } else {
                ""
            };
            println!("   {}. {}\t{}{own}", j + 1, lesson.id, lesson.title);
        }
    }
    Ok(())
}

fn show(course: &Course, unit: &str, lesson: Option<&str>) -> Result<(), String> {
    let lessons = match lesson {
        Some(l) => vec![resolve_lesson(course, unit, l)?],
        None => {
            let unit = resolve_unit(course, unit)?;
            course
                .list_lessons(unit.clone())
                .map_err(|e| e.to_string())?
                .into_iter()
                .map(|l| (unit.clone(), l.id))
                .collect()
        }
    };
    for (i, (unit, lesson)) in lessons.into_iter().enumerate() {
        if i > 0 {
            println!();
        }
        let content = course
            .open_lesson(unit, lesson)
            .map_err(|e| e.to_string())?;
        print_lesson(&content);
    }
    Ok(())
}

fn print_lesson(lesson: &LessonContent) {
    let heading = format!("{}: {}", lesson.unit_title, lesson.title);
    println!("{heading}");
    println!("{}", "=".repeat(heading.chars().count().min(WIDTH)));
    if lesson.course_authored {
        println!("(Written for Lantern: the course's own exercises, not from the unit's source.)");
    }
    for section in &lesson.sections {
        println!();
        println!("## {}  [{}]", section.title, section.id);
        for block in &section.blocks {
            println!();
            print_block(block);
        }
    }
}

fn print_block(block: &LessonBlock) {
    match block {
        LessonBlock::Paragraph { text } => print_wrapped(text, ""),
        LessonBlock::Definition { term, meaning } => {
            println!("{term} (definition)");
            print_wrapped(meaning, "    ");
        }
        LessonBlock::Quote { text, source } => {
            print_wrapped(text, "    ");
            println!("    — {source}");
        }
        LessonBlock::Principles { items, source } => {
            for (i, item) in items.iter().enumerate() {
                print_hanging(&format!("{}. {item}", i + 1), "  ", "     ");
            }
            println!("  Source: {source}");
        }
        LessonBlock::QuestionAnswer { question, answer } => {
            print_hanging(&format!("Q: {question}"), "", "   ");
            print_hanging(&format!("A: {answer}"), "", "   ");
        }
        LessonBlock::Video { title, url } => match url {
            Some(url) => println!("Video: {title} — {url} (needs a connection)"),
            None => println!("Video: {title} — unavailable (no link yet; needs a connection)"),
        },
        LessonBlock::ReflectionPrompt { text, .. } => {
            print_hanging(&format!("Reflect: {text}"), "", "    ");
        }
        LessonBlock::SelfCheck {
            id,
            question,
            choices,
        } => {
            print_hanging(&format!("Self-check [{id}]: {question}"), "", "    ");
            for (i, c) in choices.iter().enumerate() {
                print_hanging(&format!("{}) {c}", i + 1), "    ", "       ");
            }
            println!("    (answer: lantern course answer {id} NUMBER)");
        }
    }
}

/// Prints `text` wrapped at [`WIDTH`], every line starting with `indent`.
fn print_wrapped(text: &str, indent: &str) {
    print_hanging(text, indent, indent);
}

/// Prints `text` wrapped at [`WIDTH`]: the first line starts with `first`, the others with `rest`.
fn print_hanging(text: &str, first: &str, rest: &str) {
    let mut line = String::from(first);
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            println!("{line}");
            line = String::from(rest);
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    println!("{line}");
}

fn search(course: &Course, query: &str) -> Result<(), String> {
    let hits = course
        .search(query.to_string())
        .map_err(|e| e.to_string())?;
    if hits.is_empty() {
        eprintln!("no matches");
    }
    for h in hits {
        println!(
            "{}/{}/{}\t{} › {} › {}",
            h.unit_id, h.lesson_id, h.section_id, h.unit_title, h.lesson_title, h.section_title
        );
        print_wrapped(&h.snippet, "    ");
    }
    Ok(())
}

fn progress(course: &Course) -> Result<(), String> {
    let all = course.progress().map_err(|e| e.to_string())?;
    for p in all {
        println!(
            "{}\tsections read {}/{}\tself-checks {}/{} correct ({} answered)",
            p.unit_id,
            p.sections_read,
            p.sections_total,
            p.self_checks_correct,
            p.self_checks_total,
            p.self_checks_answered
        );
    }
    Ok(())
}
