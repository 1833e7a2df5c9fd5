//! Parser for the course's text sources (`content/`), described in `docs/content-format.md`.
//!
//! Turns a pack manifest, a help file and one file per unit into a [`Pack`]. Every error names
//! the file and the 1-based line, so a course author can fix it without reading Rust.
//! Depends only on `std` and the model: `core/build.rs` includes this file to compile the
//! sources at build time. It never reads files itself and never signs anything.

use std::collections::HashSet;
use std::fmt;

use super::model::{Block, Choice, Help, HelpResource, Lesson, PACK_FORMAT, Pack, Section, Unit};

/// A malformed source: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    pub file: String,
    /// 1-based line number (0 when the problem concerns the whole file).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for SourceError {}

/// Compiles a whole pack: `manifest` (`content/pack.txt`), `help` (`content/help.txt`) and the
/// unit files as `(file name, text)` in reading order.
pub fn compile_pack(
    manifest: (&str, &str),
    help: (&str, &str),
    units: &[(String, String)],
) -> Result<Pack, SourceError> {
    let (language, version, title) = parse_manifest(manifest.0, manifest.1)?;
    let help = parse_help(help.0, help.1)?;
    let mut parsed = Vec::with_capacity(units.len());
    let mut unit_ids = HashSet::new();
    let mut exercise_ids = HashSet::new();
    for (file, text) in units {
        let unit = parse_unit(file, text)?;
        if !unit_ids.insert(unit.id.clone()) {
            return Err(err(file, 0, format!("unit id `{}` is used twice", unit.id)));
        }
        for block in unit
            .lessons
            .iter()
            .flat_map(|l| &l.sections)
            .flat_map(|s| &s.blocks)
        {
            if let Block::SelfCheck { id, .. } | Block::ReflectionPrompt { id, .. } = block
                && !exercise_ids.insert(id.clone())
            {
                return Err(err(file, 0, format!("exercise id `{id}` is used twice")));
            }
        }
        parsed.push(unit);
    }
    if parsed.is_empty() {
        return Err(err(manifest.0, 0, "the pack has no units"));
    }
    Ok(Pack {
        format: PACK_FORMAT,
        language,
        version,
        title,
        units: parsed,
        help,
    })
}

fn err(file: &str, line: usize, message: impl Into<String>) -> SourceError {
    SourceError {
        file: file.to_string(),
        line,
        message: message.into(),
    }
}

/// `key: value` lines: `language`, `version`, `title` (all required).
fn parse_manifest(file: &str, text: &str) -> Result<(String, u64, String), SourceError> {
    let (mut language, mut version, mut title) = (None, None, None);
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with("//") {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(err(file, n + 1, "expected `key: value`"));
        };
        let value = value.trim();
        match key.trim() {
            "language" => {
                let ok = !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
                if !ok {
                    return Err(err(file, n + 1, "language must be a tag such as `en`"));
                }
                language = Some(value.to_string());
            }
            "version" => {
                let v = value
                    .parse::<u64>()
                    .ok()
                    .filter(|v| *v > 0)
                    .ok_or_else(|| err(file, n + 1, "version must be a positive whole number"))?;
                version = Some(v);
            }
            "title" if !value.is_empty() => title = Some(value.to_string()),
            "title" => return Err(err(file, n + 1, "title is empty")),
            other => return Err(err(file, n + 1, format!("unknown key `{other}`"))),
        }
    }
    match (language, version, title) {
        (Some(l), Some(v), Some(t)) => Ok((l, v, t)),
        _ => Err(err(file, 0, "needs `language:`, `version:` and `title:`")),
    }
}

/// One logical line of a source, already stripped of comments.
struct Line<'a> {
    number: usize,
    text: &'a str,
}

/// Splits a source into groups separated by blank lines or starting at a heading, attribute
/// or block marker, dropping `//` comment lines.
fn paragraphs(text: &str) -> Vec<Vec<Line<'_>>> {
    let mut groups = Vec::new();
    let mut current: Vec<Line<'_>> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let t = raw.trim();
        if t.starts_with("//") {
            continue;
        }
        // A heading, attribute or block marker always starts a new group, blank line or not.
        let starts_group = t.starts_with('#') || t.starts_with('@') || t.starts_with('[');
        if (t.is_empty() || starts_group) && !current.is_empty() {
            groups.push(std::mem::take(&mut current));
        }
        if t.is_empty() {
            continue;
        }
        current.push(Line {
            number: n + 1,
            text: t,
        });
    }
    if !current.is_empty() {
        groups.push(current);
    }
    groups
}

/// `# Unit id: Title` style headings: returns (id, title).
fn heading<'a>(
    file: &str,
    line: &Line<'a>,
    prefix: &str,
    what: &str,
) -> Result<Option<(String, String)>, SourceError> {
    let Some(rest) = line.text.strip_prefix(prefix) else {
        return Ok(None);
    };
    let Some((id, title)) = rest.split_once(':') else {
        return Err(err(
            file,
            line.number,
            format!("{what} heading needs `id: Title`"),
        ));
    };
    let (id, title) = (id.trim(), title.trim());
    check_id(file, line.number, id)?;
    if title.is_empty() {
        return Err(err(file, line.number, format!("{what} title is empty")));
    }
    Ok(Some((id.to_string(), title.to_string())))
}

fn check_id(file: &str, line: usize, id: &str) -> Result<(), SourceError> {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(err(
            file,
            line,
            format!("id `{id}` must use only a-z, 0-9 and `-`"),
        ))
    }
}

fn join(lines: &[Line<'_>]) -> String {
    lines.iter().map(|l| l.text).collect::<Vec<_>>().join(" ")
}

/// Parses one unit file.
pub fn parse_unit(file: &str, text: &str) -> Result<Unit, SourceError> {
    let mut unit: Option<Unit> = None;
    for group in paragraphs(text) {
        let mut rest: &[Line<'_>] = &group;
        // Headings and attributes may stand on their own line at the top of a group.
        while let Some(first) = rest.first() {
            if let Some((id, title)) = heading(file, first, "# Unit ", "unit")? {
                if unit.is_some() {
                    return Err(err(file, first.number, "a file holds exactly one unit"));
                }
                unit = Some(Unit {
                    id,
                    title,
                    lessons: Vec::new(),
                });
            } else if let Some((id, title)) = heading(file, first, "## Lesson ", "lesson")? {
                let u = unit
                    .as_mut()
                    .ok_or_else(|| err(file, first.number, "lesson before `# Unit id: Title`"))?;
                if u.lessons.iter().any(|l| l.id == id) {
                    return Err(err(
                        file,
                        first.number,
                        format!("lesson id `{id}` is used twice"),
                    ));
                }
                u.lessons.push(Lesson {
                    id,
                    title,
                    course_authored: false,
                    sections: Vec::new(),
                });
            } else if let Some((id, title)) = heading(file, first, "### Section ", "section")? {
                let lesson = unit
                    .as_mut()
                    .and_then(|u| u.lessons.last_mut())
                    .ok_or_else(|| err(file, first.number, "section before any lesson"))?;
                if lesson.sections.iter().any(|s| s.id == id) {
                    return Err(err(
                        file,
                        first.number,
                        format!("section id `{id}` is used twice in this lesson"),
                    ));
                }
                lesson.sections.push(Section {
                    id,
                    title,
                    blocks: Vec::new(),
                });
            } else if first.text == "@course-authored" {
                let lesson = unit
                    .as_mut()
                    .and_then(|u| u.lessons.last_mut())
                    .filter(|l| l.sections.is_empty())
                    .ok_or_else(|| {
                        err(
                            file,
                            first.number,
                            "`@course-authored` belongs right after a lesson heading",
                        )
                    })?;
                lesson.course_authored = true;
            } else if first.text.starts_with('#') || first.text.starts_with('@') {
                return Err(err(
                    file,
                    first.number,
                    "unknown heading: use `# Unit`, `## Lesson`, `### Section` or `@course-authored`",
                ));
            } else {
                break;
            }
            rest = &rest[1..];
        }
        if rest.is_empty() {
            continue;
        }
        let section = unit
            .as_mut()
            .and_then(|u| u.lessons.last_mut())
            .and_then(|l| l.sections.last_mut())
            .ok_or_else(|| err(file, rest[0].number, "text before the first `### Section`"))?;
        section.blocks.push(parse_block(file, rest)?);
    }
    let unit = unit.ok_or_else(|| err(file, 0, "missing `# Unit id: Title` heading"))?;
    if unit.lessons.is_empty() {
        return Err(err(file, 0, "the unit has no lessons"));
    }
    for lesson in &unit.lessons {
        if lesson.sections.is_empty() {
            return Err(err(
                file,
                0,
                format!("lesson `{}` has no sections", lesson.id),
            ));
        }
        if let Some(s) = lesson.sections.iter().find(|s| s.blocks.is_empty()) {
            return Err(err(file, 0, format!("section `{}` is empty", s.id)));
        }
    }
    Ok(unit)
}

/// A block: either plain paragraph lines or `[kind] argument` followed by its body.
fn parse_block(file: &str, lines: &[Line<'_>]) -> Result<Block, SourceError> {
    let first = &lines[0];
    let Some(tag) = first.text.strip_prefix('[') else {
        return Ok(Block::Paragraph { text: join(lines) });
    };
    let Some((kind, arg)) = tag.split_once(']') else {
        return Err(err(file, first.number, "block marker needs a closing `]`"));
    };
    let arg = arg.trim().to_string();
    let body = &lines[1..];
    let n = first.number;
    let need_arg = |what: &str| -> Result<String, SourceError> {
        if arg.is_empty() {
            Err(err(
                file,
                n,
                format!("`[{kind}]` needs {what} after the marker"),
            ))
        } else {
            Ok(arg.clone())
        }
    };
    let need_body = |what: &str| -> Result<String, SourceError> {
        if body.is_empty() {
            Err(err(
                file,
                n,
                format!("`[{kind}]` needs {what} on the following lines"),
            ))
        } else {
            Ok(join(body))
        }
    };
    match kind {
        "definition" => Ok(Block::Definition {
            term: need_arg("the term")?,
            meaning: need_body("the meaning")?,
        }),
        "quote" => Ok(Block::Quote {
            source: need_arg("the source")?,
            text: need_body("the quoted text")?,
        }),
        "question" => Ok(Block::QuestionAnswer {
            question: need_arg("the question")?,
            answer: need_body("the answer")?,
        }),
        "principles" => {
            let source = need_arg("the source")?;
            let items = list_items(file, body, &["- "])?
                .into_iter()
                .map(|(_, t)| t)
                .collect::<Vec<_>>();
            if items.is_empty() {
                return Err(err(file, n, "`[principles]` needs `- item` lines"));
            }
            Ok(Block::Principles { items, source })
        }
        "video" => {
            let title = need_arg("the title")?;
            let url = match body {
                [] => None,
                [l] => {
                    let url = l
                        .text
                        .strip_prefix("url:")
                        .map(str::trim)
                        .filter(|u| u.starts_with("https://"))
                        .ok_or_else(|| {
                            err(file, l.number, "expected `url: https://...` (or no line)")
                        })?;
                    Some(url.to_string())
                }
                [_, extra, ..] => {
                    return Err(err(
                        file,
                        extra.number,
                        "a video has at most one `url:` line",
                    ));
                }
            };
            Ok(Block::Video { title, url })
        }
        "reflection" => {
            let id = need_arg("an id")?;
            check_id(file, n, &id)?;
            Ok(Block::ReflectionPrompt {
                id,
                text: need_body("the prompt")?,
            })
        }
        "self-check" => parse_self_check(file, n, need_arg("an id")?, body),
        other => Err(err(
            file,
            n,
            format!(
                "unknown block kind `[{other}]` (definition, quote, question, principles, video, reflection, self-check)"
            ),
        )),
    }
}

/// Lines starting with one of `markers`, each possibly continued on following unmarked lines.
fn list_items(
    file: &str,
    body: &[Line<'_>],
    markers: &[&str],
) -> Result<Vec<(String, String)>, SourceError> {
    let mut items: Vec<(String, String)> = Vec::new();
    for line in body {
        if let Some(m) = markers.iter().find(|m| line.text.starts_with(**m)) {
            let text = line.text[m.len()..].trim().to_string();
            if text.is_empty() {
                return Err(err(file, line.number, "empty item"));
            }
            items.push((m.trim().to_string(), text));
        } else if let Some(last) = items.last_mut() {
            last.1.push(' ');
            last.1.push_str(line.text);
        } else {
            return Err(err(
                file,
                line.number,
                format!("expected a line starting with one of {markers:?}"),
            ));
        }
    }
    Ok(items)
}

fn parse_self_check(
    file: &str,
    n: usize,
    id: String,
    body: &[Line<'_>],
) -> Result<Block, SourceError> {
    check_id(file, n, &id)?;
    let (mut question, mut explanation, mut choices) = (None, None, Vec::new());
    for (marker, text) in list_items(file, body, &["? ", "- ", "+ ", "= "])? {
        match marker.as_str() {
            "?" if question.is_none() => question = Some(text),
            "=" if explanation.is_none() => explanation = Some(text),
            "-" | "+" => choices.push(Choice {
                text,
                correct: marker == "+",
            }),
            _ => {
                return Err(err(
                    file,
                    n,
                    format!("self-check `{id}` has more than one `{marker}` line"),
                ));
            }
        }
    }
    let question =
        question.ok_or_else(|| err(file, n, format!("self-check `{id}` needs a `? question`")))?;
    let explanation = explanation.ok_or_else(|| {
        err(
            file,
            n,
            format!("self-check `{id}` needs an `= explanation`"),
        )
    })?;
    if choices.len() < 2 || choices.iter().filter(|c| c.correct).count() != 1 {
        return Err(err(
            file,
            n,
            format!(
                "self-check `{id}` needs at least two choices with exactly one `+ correct` choice"
            ),
        ));
    }
    Ok(Block::SelfCheck {
        id,
        question,
        choices,
        explanation,
    })
}

/// The help file: `# Help: Title`, a note paragraph, then `[resource] Title` blocks.
pub fn parse_help(file: &str, text: &str) -> Result<Help, SourceError> {
    let groups = paragraphs(text);
    let mut iter = groups.iter();
    let head = iter
        .next()
        .ok_or_else(|| err(file, 0, "the help file is empty"))?;
    let title = head[0]
        .text
        .strip_prefix("# Help:")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| err(file, head[0].number, "expected `# Help: Title`"))?
        .to_string();
    let note = join(&head[1..]);
    if note.is_empty() {
        return Err(err(
            file,
            head[0].number,
            "the heading needs a note paragraph right below it",
        ));
    }
    let mut resources = Vec::new();
    for group in iter {
        let first = &group[0];
        let title = first
            .text
            .strip_prefix("[resource]")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| err(file, first.number, "expected `[resource] Title`"))?;
        if group.len() < 2 {
            return Err(err(
                file,
                first.number,
                "a resource needs text below its title",
            ));
        }
        resources.push(HelpResource {
            title: title.to_string(),
            text: join(&group[1..]),
        });
    }
    if resources.is_empty() {
        return Err(err(file, 0, "the help file has no `[resource]`"));
    }
    Ok(Help {
        title,
        note,
        resources,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
// a comment
# Unit u1: Unit one

## Lesson l1: Lesson one
### Section s1: First
Hello
world.

[definition] Term
Meaning of
the term.

[principles] Handbook, 2016
- one
- two
  continued

[video] A talk

[video] Another talk
url: https://example.org/v

## Lesson ex: Exercises
@course-authored

### Section q: Check
[self-check] sc-1
? Which?
- no
+ yes
= Because.

[reflection] r-1
Think.
";

    fn unit_err(text: &str) -> SourceError {
        parse_unit("u.txt", text).expect_err("should be rejected")
    }

    #[test]
    fn parses_every_block_kind() {
        let u = parse_unit("u.txt", GOOD).expect("parses");
        assert_eq!(u.id, "u1");
        assert_eq!(u.lessons.len(), 2);
        let blocks = &u.lessons[0].sections[0].blocks;
        assert_eq!(
            blocks[0],
            Block::Paragraph {
                text: "Hello world.".into()
            }
        );
        assert_eq!(
            blocks[1],
            Block::Definition {
                term: "Term".into(),
                meaning: "Meaning of the term.".into()
            }
        );
        assert_eq!(
            blocks[2],
            Block::Principles {
                items: vec!["one".into(), "two continued".into()],
                source: "Handbook, 2016".into()
            }
        );
        assert_eq!(
            blocks[3],
            Block::Video {
                title: "A talk".into(),
                url: None
            }
        );
        assert!(
            matches!(&blocks[4], Block::Video { url: Some(u), .. } if u == "https://example.org/v")
        );
        assert!(u.lessons[1].course_authored);
        assert!(!u.lessons[0].course_authored);
        match &u.lessons[1].sections[0].blocks[0] {
            Block::SelfCheck {
                choices,
                explanation,
                ..
            } => {
                assert_eq!(choices.len(), 2);
                assert!(choices[1].correct && !choices[0].correct);
                assert_eq!(explanation, "Because.");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn errors_carry_line_numbers() {
        let e = unit_err("# Unit u1: U\n## Lesson l: L\n### Section s: S\n[poem] x\ntext\n");
        assert_eq!((e.file.as_str(), e.line), ("u.txt", 4));
        assert!(e.message.contains("unknown block kind"), "{e}");
        assert!(e.to_string().starts_with("u.txt:4: "));

        let e = unit_err("# Unit u1: U\n## Lesson l: L\n\nstray text\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("before the first"));

        let e = unit_err("# Unit U1: U\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("a-z"));

        let e = unit_err("# Unit u: U\n## Lesson l: L\n### Section s: S\n[definition]\nx\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("the term"));

        let e =
            unit_err("# Unit u: U\n## Lesson l: L\n### Section s: S\n[video] V\nurl: http://x\n");
        assert_eq!(e.line, 5);

        let e = unit_err(
            "# Unit u: U\n## Lesson l: L\n### Section s: S\n\n[self-check] c\n? Q\n+ a\n+ b\n= e\n",
        );
        assert_eq!(e.line, 5);
        assert!(e.message.contains("exactly one"));

        let e = unit_err("# Unit u: U\n## Lesson l: L\n### Section s: S\nx\n### Section s: T\ny\n");
        assert_eq!(e.line, 5);
        assert!(e.message.contains("used twice"));

        let e = unit_err("# Unit u: U\n## Lesson l: L\n### Section s: S\n");
        assert!(e.message.contains("empty"));

        let e = unit_err("## Lesson l: L\n");
        assert_eq!(e.line, 1);
        let e = unit_err("# Unit u: U\n## Lesson l L\n");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn manifest_and_help_errors() {
        let help = "# Help: Get help\nNote.\n\n[resource] Emergency\nCall.\n";
        let units = vec![("u.txt".to_string(), GOOD.to_string())];
        let pack = compile_pack(
            ("pack.txt", "language: en\nversion: 3\ntitle: T\n"),
            ("help.txt", help),
            &units,
        )
        .expect("compiles");
        assert_eq!((pack.language.as_str(), pack.version), ("en", 3));
        assert_eq!(pack.help.resources[0].title, "Emergency");

        let e = compile_pack(
            ("pack.txt", "language: en\nversion: zero\ntitle: T\n"),
            ("help.txt", help),
            &units,
        )
        .expect_err("bad version");
        assert_eq!((e.file.as_str(), e.line), ("pack.txt", 2));

        let e = parse_help("help.txt", "# Help: X\nNote.\n\n[link] Y\nZ\n").expect_err("bad");
        assert_eq!(e.line, 4);

        let twice = vec![
            ("a.txt".to_string(), GOOD.to_string()),
            ("b.txt".to_string(), GOOD.to_string()),
        ];
        let e = compile_pack(
            ("pack.txt", "language: en\nversion: 1\ntitle: T\n"),
            ("help.txt", help),
            &twice,
        )
        .expect_err("duplicate unit");
        assert_eq!(e.file, "b.txt");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_text_never_panics(text in "\\PC*") {
            if let Err(e) = parse_unit("p.txt", &text) {
                proptest::prop_assert!(e.line <= text.lines().count());
            }
            let _ = parse_help("h.txt", &text);
        }

        #[test]
        fn shuffled_source_lines_never_panic(
            lines in proptest::collection::vec(
                proptest::sample::select(GOOD.lines().collect::<Vec<_>>()),
                0..60,
            )
        ) {
            let text = lines.join("\n");
            if let Err(e) = parse_unit("p.txt", &text) {
                proptest::prop_assert!(e.line <= lines.len());
            }
        }
    }
}
