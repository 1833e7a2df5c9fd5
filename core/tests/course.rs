//! The course through the core's public API: reading, progress, search, errors, and content
//! updates from a real HTTP server on 127.0.0.1.
#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use lantern_core::LanternError;
use lantern_core::api::Lantern;
use lantern_core::api::course::{ContentUpdate, Course, LessonBlock};
use lantern_core::course::model::{Block, HelpResource, Pack};
use lantern_core::course::pack::{MAX_VERSION_STEP, Publisher, Trust};
use lantern_core::course::{ContentError, CourseContent, UpdateOutcome, pack, update};
use lantern_core::crypto::hazmat::SigningKey;

fn open(dir: &tempfile::TempDir) -> Arc<Lantern> {
    Lantern::open(dir.path().display().to_string()).unwrap()
}

fn all_blocks(l: &Lantern) -> Vec<LessonBlock> {
    let c = l.course();
    let mut out = Vec::new();
    for u in c.list_units() {
        for lesson in c.list_lessons(u.id.clone()).unwrap() {
            for s in c.open_lesson(u.id.clone(), lesson.id).unwrap().sections {
                out.extend(s.blocks);
            }
        }
    }
    out
}

#[test]
fn fresh_install_reads_the_whole_seed_unit_offline() {
    let dir = tempfile::tempdir().unwrap();
    let l = open(&dir);
    let c = l.course();
    let info = c.pack_info();
    assert_eq!(info.language, "en");
    assert!(info.version >= 1);
    let units = c.list_units();
    assert_eq!(units[0].id, "peer-supporter");
    let lessons = c.list_lessons("peer-supporter".into()).unwrap();
    let titles: Vec<&str> = lessons
        .iter()
        .flat_map(|l| l.sections.iter().map(|s| s.title.as_str()))
        .collect();
    for t in [
        "Introduction",
        "Peer Supporter",
        "Who is a Role model?",
        "What is Confidentiality?",
        "How to act as a Peer Supporter?",
        "Guiding principles",
        "Supporting a wellness journey",
    ] {
        assert!(titles.contains(&t), "missing section {t}");
    }
    assert!(lessons.last().unwrap().course_authored);
    assert!(lessons.iter().filter(|l| l.course_authored).count() == 1);

    let blocks = all_blocks(&l);
    let kinds: HashSet<&str> = blocks
        .iter()
        .map(|b| match b {
            LessonBlock::Paragraph { .. } => "paragraph",
            LessonBlock::Definition { .. } => "definition",
            LessonBlock::Quote { .. } => "quote",
            LessonBlock::Principles { .. } => "principles",
            LessonBlock::QuestionAnswer { .. } => "qa",
            LessonBlock::Video { .. } => "video",
            LessonBlock::ReflectionPrompt { .. } => "reflection",
            LessonBlock::SelfCheck { .. } => "self-check",
        })
        .collect();
    assert_eq!(kinds.len(), 8, "every block kind is used: {kinds:?}");
    assert!(blocks.contains(&LessonBlock::Quote {
        text: "\"When a person feels that she is truly accepted as she is she feels free to move from there and to begin to think about how she wants to grow, how she can become different, how she can be more than what she believed herself capable of being.\"".into(),
        source: "Gordon, 2000".into(),
    }));
    let principles = blocks
        .iter()
        .find_map(|b| match b {
            LessonBlock::Principles { items, source } => Some((items, source)),
            _ => None,
        })
        .unwrap();
    assert_eq!(principles.0.len(), 8);
    assert_eq!(principles.1, "National Certification Handbook, 2016");
    assert!(principles.0.contains(
        &"Honor the place where your Peers are in their own unique journey of recovery.".into()
    ));
    let videos: Vec<_> = blocks
        .iter()
        .filter_map(|b| match b {
            LessonBlock::Video { title, url } => Some((title.as_str(), url.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        videos,
        vec![
            ("Peer Support Workers a Symbol of Hope - YouTube", None),
            ("Supporting Your Peer's Journey - YouTube", None)
        ]
    );
    assert!(blocks.iter().any(|b| matches!(b,
        LessonBlock::QuestionAnswer { answer, .. } if answer.contains("the Peer's life or conditions"))));
    // Self-checks never carry their answer to the app.
    assert!(blocks.iter().any(|b| matches!(b,
        LessonBlock::SelfCheck { choices, .. } if choices.len() >= 2)));
    let help = c.help_now();
    assert!(help.note.contains("Lantern course team"));
    assert!(
        help.resources
            .iter()
            .any(|r| r.text.contains("local emergency number"))
    );
}

#[test]
fn unknown_ids_are_not_found_and_bad_input_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(&dir).course();
    assert!(matches!(
        c.list_lessons("nope".into()),
        Err(LanternError::NotFound(_))
    ));
    assert!(matches!(
        c.open_lesson("peer-supporter".into(), "nope".into()),
        Err(LanternError::NotFound(_))
    ));
    assert!(matches!(
        c.open_lesson("nope".into(), "role-model".into()),
        Err(LanternError::NotFound(_))
    ));
    assert!(matches!(
        c.mark_section_read("peer-supporter".into(), "role-model".into(), "nope".into()),
        Err(LanternError::NotFound(_))
    ));
    assert!(matches!(
        c.answer_self_check("nope".into(), 0),
        Err(LanternError::NotFound(_))
    ));
    assert!(matches!(
        c.answer_self_check("confidentiality-consent".into(), 9),
        Err(LanternError::InvalidInput(_))
    ));
    assert!(matches!(
        c.add_bookmark("peer-supporter".into(), "nope".into(), None),
        Err(LanternError::NotFound(_))
    ));
    for q in ["", "  ", "\"*()"] {
        assert!(matches!(
            c.search(q.into()),
            Err(LanternError::InvalidInput(_))
        ));
    }
    // Nothing was recorded by the refused calls.
    let p = c.unit_progress("peer-supporter".into()).unwrap();
    assert_eq!((p.sections_read, p.self_checks_answered), (0, 0));
    assert!(c.bookmarks().unwrap().is_empty());
}

#[test]
fn progress_scores_and_bookmarks_persist() {
    let dir = tempfile::tempdir().unwrap();
    {
        let c = open(&dir).course();
        let unit = "peer-supporter".to_string();
        c.mark_section_read(unit.clone(), "role-model".into(), "introduction".into())
            .unwrap();
        c.mark_section_read(unit.clone(), "role-model".into(), "introduction".into())
            .unwrap();
        c.mark_section_read(
            unit.clone(),
            "how-to-act".into(),
            "guiding-principles".into(),
        )
        .unwrap();
        let wrong = c
            .answer_self_check("confidentiality-consent".into(), 0)
            .unwrap();
        assert!(!wrong.correct);
        assert_eq!(wrong.correct_choice, 2);
        assert!(wrong.explanation.contains("consent"));
        assert!(
            c.answer_self_check("confidentiality-why".into(), 0)
                .unwrap()
                .correct
        );
        assert!(
            c.add_bookmark(
                unit.clone(),
                "how-to-act".into(),
                Some("guiding-principles".into())
            )
            .unwrap()
        );
        assert!(
            !c.add_bookmark(
                unit.clone(),
                "how-to-act".into(),
                Some("guiding-principles".into())
            )
            .unwrap()
        );
        assert!(
            c.add_bookmark(unit.clone(), "confidentiality".into(), None)
                .unwrap()
        );
    }
    // A new core on the same directory sees everything.
    let c = open(&dir).course();
    let p = c.unit_progress("peer-supporter".into()).unwrap();
    assert_eq!(p.sections_read, 2);
    assert_eq!(p.sections_total, 11);
    assert_eq!(p.self_checks_total, 4);
    assert_eq!((p.self_checks_answered, p.self_checks_correct), (2, 1));
    let role_model = p
        .lessons
        .iter()
        .find(|l| l.lesson_id == "role-model")
        .unwrap();
    assert_eq!(
        (role_model.sections_read, role_model.sections_total),
        (1, 3)
    );
    // The latest answer counts.
    c.answer_self_check("confidentiality-consent".into(), 2)
        .unwrap();
    let all = c.progress().unwrap();
    assert_eq!(all[0].self_checks_correct, 2);

    let marks = c.bookmarks().unwrap();
    assert_eq!(marks.len(), 2);
    assert_eq!(marks[0].title, "Guiding principles");
    assert_eq!(marks[1].title, "Confidentiality");
    assert_eq!(marks[1].section_id, None);
    assert!(
        c.remove_bookmark(
            "peer-supporter".into(),
            "how-to-act".into(),
            Some("guiding-principles".into())
        )
        .unwrap()
    );
    assert!(
        !c.remove_bookmark("peer-supporter".into(), "how-to-act".into(), None)
            .unwrap()
    );
    assert_eq!(c.bookmarks().unwrap().len(), 1);
}

#[test]
fn search_returns_unit_lesson_section_and_highlighted_snippet() {
    let dir = tempfile::tempdir().unwrap();
    let c = open(&dir).course();
    let hits = c.search("collaborative relationships".into()).unwrap();
    let top = &hits[0];
    assert_eq!(
        (
            top.unit_id.as_str(),
            top.lesson_id.as_str(),
            top.section_id.as_str()
        ),
        ("peer-supporter", "how-to-act", "guiding-principles")
    );
    assert_eq!(top.section_title, "Guiding principles");
    assert!(
        top.snippet.contains("**collaborative**") && top.snippet.contains("**relationships**"),
        "{}",
        top.snippet
    );
    assert!(c.search("xylophone".into()).unwrap().is_empty());
}

#[test]
fn corrupt_progress_database_fails_progress_calls_but_the_course_still_reads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("course.db"),
        b"this is not a SQLite database, it is garbage ".repeat(200),
    )
    .unwrap();
    let l = open(&dir);
    let c = l.course();
    let unit = "peer-supporter".to_string();
    assert!(matches!(
        c.mark_section_read(unit.clone(), "role-model".into(), "introduction".into()),
        Err(LanternError::Storage(_))
    ));
    assert!(matches!(
        c.unit_progress(unit.clone()),
        Err(LanternError::Storage(_))
    ));
    assert!(matches!(c.bookmarks(), Err(LanternError::Storage(_))));
    assert!(matches!(
        c.answer_self_check("confidentiality-why".into(), 0),
        Err(LanternError::Storage(_))
    ));
    // Reading and searching do not need the progress database.
    assert_eq!(c.list_units().len(), 1);
    assert!(!all_blocks(&l).is_empty());
    assert!(!c.search("confidentiality".into()).unwrap().is_empty());
    // The damaged file is left for the person (or support) to recover, not deleted.
    assert!(dir.path().join("course.db").exists());
}

#[test]
fn unwritable_data_directory_is_a_storage_error() {
    let dir = tempfile::tempdir().unwrap();
    // A path below a regular file can never be created, even by root.
    let file = dir.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let below = file.join("lantern");
    assert!(matches!(
        Lantern::open(below.display().to_string()),
        Err(LanternError::Storage(_))
    ));

    // A progress database path that cannot be a database (a directory in its place).
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("course.db")).unwrap();
    let c = open(&dir).course();
    assert!(matches!(
        c.mark_section_read(
            "peer-supporter".into(),
            "role-model".into(),
            "introduction".into()
        ),
        Err(LanternError::Storage(_))
    ));
    assert_eq!(c.list_units().len(), 1);
}

// ---- Content updates over HTTP ----

/// What the test server answers: status, body, ETag; and what it saw.
#[derive(Default)]
struct Served {
    status: u16,
    body: Vec<u8>,
    etag: Option<String>,
    seen_if_none_match: Vec<Option<String>>,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 (one request per connection).
fn serve(state: Arc<Mutex<Served>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut inm = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.split_once(':')
                    && k.eq_ignore_ascii_case("if-none-match")
                {
                    inm = Some(v.trim().to_string());
                }
            }
            let mut s = state.lock().unwrap();
            s.seen_if_none_match.push(inm.clone());
            let not_modified = inm.is_some() && inm == s.etag;
            let (status, body) = if not_modified {
                (304, Vec::new())
            } else {
                (s.status, s.body.clone())
            };
            let mut head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
                body.len()
            );
            if let Some(tag) = &s.etag {
                head.push_str(&format!("ETag: {tag}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}/course.pack")
}

fn seed() -> Pack {
    pack::bundled_unverified().unwrap()
}

fn with_version(version: u64, extra_paragraph: &str) -> Pack {
    let mut p = seed();
    p.version = version;
    p.units[0].lessons[0].sections[0]
        .blocks
        .push(Block::Paragraph {
            text: extra_paragraph.to_string(),
        });
    p
}

fn set(state: &Arc<Mutex<Served>>, status: u16, body: Vec<u8>, etag: Option<&str>) {
    let mut s = state.lock().unwrap();
    s.status = status;
    s.body = body;
    s.etag = etag.map(str::to_string);
}

/// The trust of a release build whose publisher signs with `key`: the bundled pack and updates.
fn release_trust(key: &SigningKey) -> Trust {
    let publisher = Publisher::new("Test publisher", key.public_key());
    Trust::new(publisher.clone(), Some(publisher)).unwrap()
}

#[test]
fn content_update_accepts_only_newer_packs_from_the_trusted_publisher() {
    let key = SigningKey::make();
    let bundled = pack::seal(&seed(), &key);
    let dir = tempfile::tempdir().unwrap();
    let course = CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap();
    let v1 = course.pack().version;
    let state = Arc::new(Mutex::new(Served::default()));
    let url = serve(state.clone());

    // A newer, correctly signed pack is accepted, stored and searchable at once.
    let v2 = with_version(v1 + 1, "A lighthouse keeps its light on for every ship.");
    set(&state, 200, pack::seal(&v2, &key), Some("\"v2\""));
    assert_eq!(
        course.update_from_url(&url),
        Ok(UpdateOutcome::Updated { version: v1 + 1 })
    );
    assert_eq!(course.pack().version, v1 + 1);
    assert_eq!(
        course.search("lighthouse").unwrap()[0].section_id,
        "introduction"
    );

    // Unchanged on the server: If-None-Match gets a 304.
    assert_eq!(course.update_from_url(&url), Ok(UpdateOutcome::NotModified));
    assert_eq!(
        state.lock().unwrap().seen_if_none_match,
        vec![None, Some("\"v2\"".to_string())]
    );

    // Everything else is refused and v2 stays readable.
    let other_key = SigningKey::make();
    let mut tampered = pack::seal(&with_version(v1 + 2, "tampered"), &key);
    let n = tampered.len() - 5;
    tampered[n] ^= 0x01;
    let mut french = with_version(v1 + 2, "bonjour");
    french.language = "fr".into();
    let refused: Vec<(&str, Vec<u8>)> = vec![
        (
            "unsigned",
            serde_json::to_vec(&with_version(v1 + 2, "x")).unwrap(),
        ),
        ("tampered", tampered),
        (
            "wrong key",
            pack::seal(&with_version(v1 + 2, "x"), &other_key),
        ),
        ("malformed", b"LNTPACK1 definitely not a pack".to_vec()),
        ("older", pack::seal(&with_version(v1, "older"), &key)),
        ("same", pack::seal(&with_version(v1 + 1, "same"), &key)),
        ("language", pack::seal(&french, &key)),
    ];
    for (what, body) in refused {
        set(&state, 200, body, Some(&format!("\"{what}\"")));
        assert!(
            matches!(course.update_from_url(&url), Err(ContentError::Rejected(_))),
            "{what} should be refused"
        );
        assert_eq!(course.pack().version, v1 + 1, "{what}");
        assert_eq!(course.search("lighthouse").unwrap().len(), 1);
    }

    // Server trouble is a Network error ("try later").
    set(&state, 500, Vec::new(), None);
    assert!(matches!(
        course.update_from_url(&url),
        Err(ContentError::Network(_))
    ));
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}/p", closed.local_addr().unwrap());
    drop(closed);
    assert!(matches!(
        course.update_from_url(&dead),
        Err(ContentError::Network(_))
    ));
    assert!(matches!(
        course.update_from_url("http://example.org/pack"),
        Err(ContentError::InvalidInput(_))
    ));

    // The accepted pack is used on the next open, with its ETag.
    drop(course);
    let reopened = CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap();
    assert_eq!(reopened.pack().version, v1 + 1);
    set(&state, 200, pack::seal(&v2, &key), Some("\"v2\""));
    assert_eq!(
        reopened.update_from_url(&url),
        Ok(UpdateOutcome::NotModified)
    );

    // A corrupt stored pack falls back to the bundled one.
    drop(reopened);
    let stored = dir.path().join(update::STORED_PACK);
    let mut bytes = std::fs::read(&stored).unwrap();
    let n = bytes.len() / 2;
    bytes[n] ^= 0xff;
    std::fs::write(&stored, bytes).unwrap();
    let fallback = CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap();
    assert_eq!(fallback.pack().version, v1);
    assert!(fallback.search("lighthouse").unwrap().is_empty());
}

#[test]
fn update_through_the_ffi_api_maps_to_typed_errors() {
    let key = SigningKey::make();
    let bundled = pack::seal(&seed(), &key);
    let dir = tempfile::tempdir().unwrap();
    let c = Course::from_content(
        CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap(),
    );
    let state = Arc::new(Mutex::new(Served::default()));
    let url = serve(state.clone());
    // A pack signed by someone other than the publisher.
    set(
        &state,
        200,
        pack::seal(&with_version(seed().version + 1, "x"), &SigningKey::make()),
        None,
    );
    assert!(matches!(
        c.update_from_url(url.clone()),
        Err(LanternError::ContentRejected(_))
    ));
    set(&state, 503, Vec::new(), None);
    assert!(matches!(
        c.update_from_url(url),
        Err(LanternError::Network(_))
    ));
    assert!(matches!(
        c.update_from_url("ftp://127.0.0.1/x".into()),
        Err(LanternError::InvalidInput(_))
    ));
    assert_eq!(c.pack_info().version, seed().version);
}

#[test]
fn an_update_that_cannot_be_stored_is_a_storage_error_and_changes_nothing() {
    let key = SigningKey::make();
    let bundled = pack::seal(&seed(), &key);
    let dir = tempfile::tempdir().unwrap();
    // Something that is not a file sits where the accepted pack would be written.
    std::fs::create_dir(dir.path().join(update::STORED_PACK)).unwrap();
    let course = CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap();
    let v1 = course.pack().version;
    let state = Arc::new(Mutex::new(Served::default()));
    let url = serve(state.clone());
    set(
        &state,
        200,
        pack::seal(&with_version(v1 + 1, "A lighthouse."), &key),
        Some("\"v2\""),
    );
    assert!(matches!(
        course.update_from_url(&url),
        Err(ContentError::Storage(_))
    ));
    assert_eq!(course.pack().version, v1);
    assert!(course.search("lighthouse").unwrap().is_empty());
}

// ---- Issue 11 item 1: nobody but the publisher writes the course or its crisis resources ----

/// The committed development key: anyone who clones the repository can sign with it.
fn committed_development_key() -> SigningKey {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../content/keys/dev-publisher.pkcs8.hex"
    );
    let hex = std::fs::read_to_string(path).unwrap();
    let hex = hex.trim();
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    SigningKey::from_pkcs8(&bytes).unwrap()
}

/// The seed pack at `version` with its crisis line replaced by an attacker's.
fn forged_help(version: u64) -> Pack {
    let mut p = with_version(version, "forged");
    p.help.resources = vec![HelpResource {
        title: "If someone is in immediate danger".into(),
        text: "Call the FAKE crisis line 555-0100.".into(),
    }];
    p
}

fn help_text(c: &Course) -> String {
    let h = c.help_now();
    h.resources
        .iter()
        .map(|r| format!("{}: {}", r.title, r.text))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_network_pack_signed_with_the_committed_development_key_is_refused() {
    let dev = committed_development_key();
    let state = Arc::new(Mutex::new(Served::default()));
    let url = serve(state.clone());
    let v1 = seed().version;
    set(&state, 200, pack::seal(&forged_help(v1 + 1), &dev), None);

    // This build, as built by the tests (no publisher key configured): no network updates at all.
    let dir = tempfile::tempdir().unwrap();
    let l = open(&dir);
    let c = l.course();
    let before = help_text(&c);
    assert!(before.contains("local emergency number"));
    let info = c.pack_info();
    if info.publisher.development {
        assert!(!info.updates_enabled);
        match c.update_from_url(url.clone()) {
            Err(LanternError::ContentRejected(m)) => {
                assert!(m.contains("no content publisher key"), "{m}")
            }
            other => panic!("expected ContentRejected, got {other:?}"),
        }
        // Refused before any request was made.
        assert!(state.lock().unwrap().seen_if_none_match.is_empty());
    } else {
        assert!(matches!(
            c.update_from_url(url.clone()),
            Err(LanternError::ContentRejected(_))
        ));
    }
    assert_eq!(help_text(&c), before);
    assert!(!help_text(&c).contains("FAKE"));

    // A development build that does have a publisher key (the bundled pack under the development
    // key, updates under the publisher's): the development key still vouches for nothing online.
    let publisher = SigningKey::make();
    let trust = Trust::new(
        Publisher::new(pack::DEVELOPMENT_PUBLISHER, dev.public_key()),
        Some(Publisher::new("Test publisher", publisher.public_key())),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bundled = pack::seal(&seed(), &dev);
    let c = Course::from_content(
        CourseContent::open_with(dir.path(), &bundled, trust.clone()).unwrap(),
    );
    assert!(matches!(
        c.update_from_url(url.clone()),
        Err(LanternError::ContentRejected(_))
    ));
    assert_eq!(help_text(&c), before);
    assert!(c.help_now().publisher.development);

    // Planting the forged pack in the data directory does not help either: a stored pack must
    // verify under the update publisher key.
    std::fs::write(
        dir.path().join(update::STORED_PACK),
        pack::seal(&forged_help(v1 + 1), &dev),
    )
    .unwrap();
    let c = Course::from_content(CourseContent::open_with(dir.path(), &bundled, trust).unwrap());
    assert_eq!(c.pack_info().version, v1);
    assert_eq!(help_text(&c), before);

    // And no build can be told to trust the development key for updates.
    assert!(
        Trust::new(
            Publisher::new("x", dev.public_key()),
            Some(Publisher::new("x", dev.public_key()))
        )
        .is_err()
    );
}

#[test]
fn a_huge_version_jump_is_refused_and_later_legitimate_updates_still_work() {
    let key = SigningKey::make();
    let bundled = pack::seal(&seed(), &key);
    let dir = tempfile::tempdir().unwrap();
    let course = CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap();
    let v1 = course.pack().version;
    let state = Arc::new(Mutex::new(Served::default()));
    let url = serve(state.clone());

    // Even correctly signed (a publisher mistake or a stolen key), 2^63 is refused.
    for version in [1u64 << 63, u64::MAX, v1 + MAX_VERSION_STEP + 1] {
        set(&state, 200, pack::seal(&forged_help(version), &key), None);
        match course.update_from_url(&url) {
            Err(ContentError::Rejected(m)) => assert!(m.contains("jumps more than"), "{m}"),
            other => panic!("version {version}: expected a refusal, got {other:?}"),
        }
        assert_eq!(course.pack().version, v1);
        assert!(!dir.path().join(update::STORED_PACK).exists());
    }

    // The next legitimate update is accepted, and so is the largest allowed step after it.
    set(
        &state,
        200,
        pack::seal(&with_version(v1 + 1, "Next."), &key),
        None,
    );
    assert_eq!(
        course.update_from_url(&url),
        Ok(UpdateOutcome::Updated { version: v1 + 1 })
    );
    let far = v1 + 1 + MAX_VERSION_STEP;
    set(
        &state,
        200,
        pack::seal(&with_version(far, "Far."), &key),
        None,
    );
    assert_eq!(
        course.update_from_url(&url),
        Ok(UpdateOutcome::Updated { version: far })
    );
}

#[test]
fn a_publisher_signed_pack_is_accepted_and_help_now_names_its_publisher() {
    // A development build configured with a publisher key, exactly as `build.rs` sets up the
    // trust from LANTERN_PACK_PUBLIC_KEY and LANTERN_PACK_PUBLISHER.
    let dev = committed_development_key();
    let publisher = SigningKey::make();
    let trust = Trust::new(
        Publisher::new(pack::DEVELOPMENT_PUBLISHER, dev.public_key()),
        Some(Publisher::new(
            "Lantern course team",
            publisher.public_key(),
        )),
    )
    .unwrap();
    let fingerprint = trust.updates().unwrap().fingerprint();
    let dir = tempfile::tempdir().unwrap();
    let bundled = pack::seal(&seed(), &dev);
    let c = Course::from_content(
        CourseContent::open_with(dir.path(), &bundled, trust.clone()).unwrap(),
    );
    let info = c.pack_info();
    assert!(info.updates_enabled);
    assert!(info.development_key && info.publisher.development);
    assert!(c.help_now().publisher.development);

    let state = Arc::new(Mutex::new(Served::default()));
    let url = serve(state.clone());
    let mut next = with_version(seed().version + 1, "Published later.");
    next.help.resources.push(HelpResource {
        title: "If you are worried about a peer".into(),
        text: "Talk to your supervisor today.".into(),
    });
    set(&state, 200, pack::seal(&next, &publisher), Some("\"n\""));
    assert_eq!(
        c.update_from_url(url).unwrap(),
        ContentUpdate::Updated {
            version: next.version
        }
    );
    let help = c.help_now();
    assert!(help_text(&c).contains("Talk to your supervisor today."));
    assert_eq!(help.publisher.name, "Lantern course team");
    assert_eq!(help.publisher.key_fingerprint, fingerprint);
    assert!(!help.publisher.development);
    let info = c.pack_info();
    assert!(!info.development_key);
    assert_eq!(info.publisher, help.publisher);

    // The next open finds the stored pack and the same publisher.
    let c = Course::from_content(CourseContent::open_with(dir.path(), &bundled, trust).unwrap());
    assert_eq!(c.pack_info().version, next.version);
    assert_eq!(c.help_now().publisher.key_fingerprint, fingerprint);
}

/// Issue 11 item 4, for content updates: a redirect is never followed (it would take the
/// request past the https check to wherever the server likes).
#[test]
fn a_content_update_never_follows_a_redirect() {
    let key = SigningKey::make();
    let bundled = pack::seal(&seed(), &key);
    let dir = tempfile::tempdir().unwrap();
    let course = CourseContent::open_with(dir.path(), &bundled, release_trust(&key)).unwrap();
    let v1 = course.pack().version;
    // The redirect target serves a perfectly valid pack, and counts its requests.
    let target = Arc::new(Mutex::new(Served::default()));
    let target_url = serve(target.clone());
    set(
        &target,
        200,
        pack::seal(&with_version(v1 + 1, "Elsewhere."), &key),
        None,
    );

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let redirect_url = format!("http://{}/course.pack", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {target_url}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
        }
    });
    match course.update_from_url(&redirect_url) {
        Err(ContentError::Network(m)) => assert!(m.contains("307"), "{m}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(target.lock().unwrap().seen_if_none_match.is_empty());
    assert_eq!(course.pack().version, v1);
}
