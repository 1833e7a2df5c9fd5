//! `lantern course ...` (and its alias `lessons`) run as a real process on a temporary data directory.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Output};

fn lantern(dir: &tempfile::TempDir, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(args)
        .output()
        .unwrap()
}

fn ok(dir: &tempfile::TempDir, args: &[&str]) -> String {
    let out = lantern(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Fails with exactly one `lantern: ...` line on stderr and nothing on stdout.
fn fails(dir: &tempfile::TempDir, args: &[&str], expect: &str) {
    let out = lantern(dir, args);
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("lantern: ") && err.contains(expect),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// Whitespace collapsed, so wrapped lines compare equal to the source text.
fn flat(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The whole seed unit as written in the source (plain typos fixed).
const SEED_TEXT: &[&str] = &[
    "In this Unit we will explore the figure of a Peer Supporter as someone who inspires, empowers, and encourages personal change in others. We will talk about supporting a peer at all stages of his recovery and helping him build on his own strengths.",
    "Peer Supporter",
    "An individual who refers to his personal experience and his path towards recovery in a way that contributes to inspire a sense of hope in his peer who is currently going through a difficult situation. The peer supporter's life experience contributed to him acquiring specific experiential knowledge, which he can use to advise and guide his peer.",
    "Who is a Role model?",
    "A person whose behavior, attitude, values, etc., serve as an example for other people to follow, inspiring hope and motivation.",
    "What is Confidentiality?",
    "The ethical principle or legal right that information regarding a certain person, organization (especially in a formal relationship) shall be held secret unless the subject gives consent for disclosing it.",
    "Why is confidentiality so important in a peer support relationship?",
    "Confidentiality is important in order to create a safe space where both the Peer and the Peer Supporter feel comfortable sharing personal and intimate information. The Peer Supporter might have access to sensitive information about the Peer's life or conditions and it is important to respect the Peer's right to privacy. It is a good idea to set clear rules and boundaries on mutual confidentiality between the Peer Supporter and the Peer, so that they both feel comfortable and build a relationship based on trust.",
    "How to act as a Peer Supporter?",
    "\"When a person feels that she is truly accepted as she is she feels free to move from there and to begin to think about how she wants to grow, how she can become different, how she can be more than what she believed herself capable of being.\"",
    "Gordon, 2000",
    "Guiding principles",
    "National Certification Handbook, 2016",
    "Respect your Peer's individual needs and boundaries.",
    "Recognize that the goals, values, and beliefs of your Peer may differ from yours.",
    "Honor the place where your Peers are in their own unique journey of recovery.",
    "Empower your Peers to take an active role in their own recovery and wellbeing.",
    "Be collaborative in building equal, open, and trusting relationships with your Peers.",
    "Share your lived experiences in a way that demonstrates understanding and inspires hope for recovery.",
    "Play an active role in connecting your Peers to other resources and services.",
    "Collaborate with community, service providers and other stakeholders.",
    "Supporting a wellness journey",
    "Peer Support Workers a Symbol of Hope - YouTube",
    "Supporting Your Peer's Journey - YouTube",
];

#[test]
fn show_prints_the_whole_seed_unit() {
    let dir = tempfile::tempdir().unwrap();
    let text = flat(&ok(&dir, &["course", "show", "peer-supporter"]));
    for expected in SEED_TEXT {
        assert!(text.contains(expected), "missing: {expected}");
    }
    // Typos from the source are fixed, not carried over.
    assert!(!text.contains("the the") && !text.contains("Peer's live "));
    // Videos without links are shown as unavailable, never as a link.
    assert_eq!(text.matches("unavailable").count(), 2);
    assert!(!text.contains("(#)"));
    // The course's own exercises are there and marked as such.
    assert!(text.contains("the course's own exercises"));
    assert!(text.contains("Self-check [confidentiality-consent]"));
    assert!(text.contains("Reflect: Think of a person who has been a role model"));
}

#[test]
fn list_show_by_number_and_unknown_names() {
    let dir = tempfile::tempdir().unwrap();
    let list = ok(&dir, &["course", "list"]);
    assert!(list.contains("peer-supporter\tThe Peer Supporter"));
    assert!(list.contains("how-to-act\tHow to act as a Peer Supporter"));
    let by_number = ok(&dir, &["course", "show", "1", "2"]);
    // `lessons` is kept as an alias of `course`.
    assert_eq!(ok(&dir, &["lessons", "list"]), list);
    let by_id = ok(
        &dir,
        &["course", "show", "peer-supporter", "confidentiality"],
    );
    assert_eq!(by_number, by_id);
    assert!(by_id.contains("What is Confidentiality?"));
    assert!(!by_id.contains("Guiding principles"));

    fails(&dir, &["course", "show", "no-such-unit"], "not found");
    fails(&dir, &["course", "show", "9"], "not found");
    fails(
        &dir,
        &["course", "show", "peer-supporter", "nope"],
        "not found",
    );
}

#[test]
fn search_finds_sections_and_refuses_empty_queries() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(&dir, &["course", "search", "Gordon"]);
    let first = out.lines().next().unwrap();
    assert!(
        first.starts_with("peer-supporter/how-to-act/acceptance\t"),
        "{out}"
    );
    assert!(out.contains("**Gordon**"));
    let out = ok(&dir, &["course", "search", "confidentiality", "trust"]);
    assert!(out.contains("why-confidentiality"));
    fails(&dir, &["course", "search", ""], "invalid input");
    fails(&dir, &["course", "search", "  ", "?!"], "invalid input");
}

#[test]
fn reading_answering_and_progress_persist_between_runs() {
    let dir = tempfile::tempdir().unwrap();
    assert!(ok(&dir, &["course", "progress"]).contains("sections read 0/11"));
    ok(&dir, &["course", "read", "1", "role-model", "introduction"]);
    ok(
        &dir,
        &[
            "course",
            "read",
            "peer-supporter",
            "2",
            "what-is-confidentiality",
        ],
    );
    let answer = ok(&dir, &["course", "answer", "confidentiality-consent", "3"]);
    assert!(answer.starts_with("correct"));
    let answer = ok(&dir, &["course", "answer", "peer-supporter-hope", "1"]);
    assert!(answer.starts_with("not quite (the answer is 2)"));
    let progress = ok(&dir, &["course", "progress"]);
    assert!(progress.contains("sections read 2/11"), "{progress}");
    assert!(
        progress.contains("self-checks 1/4 correct (2 answered)"),
        "{progress}"
    );
    fails(&dir, &["course", "read", "1", "1", "nope"], "not found");
    fails(
        &dir,
        &["course", "answer", "confidentiality-consent", "0"],
        "from 1",
    );
    fails(
        &dir,
        &["course", "answer", "confidentiality-consent", "7"],
        "invalid input",
    );

    ok(
        &dir,
        &[
            "course",
            "bookmark",
            "1",
            "how-to-act",
            "guiding-principles",
        ],
    );
    assert!(ok(&dir, &["course", "bookmarks"]).contains("Guiding principles"));
    ok(
        &dir,
        &[
            "course",
            "unbookmark",
            "1",
            "how-to-act",
            "guiding-principles",
        ],
    );
    assert!(ok(&dir, &["course", "bookmarks"]).is_empty());

    let help = ok(&dir, &["course", "help-now"]);
    assert!(help.contains("local emergency number"));
}

#[test]
fn corrupt_progress_database_still_lets_the_course_be_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("course.db"), vec![0x5a; 8192]).unwrap();
    fails(&dir, &["course", "progress"], "storage");
    assert!(ok(&dir, &["course", "show", "1", "3"]).contains("Guiding principles"));
    assert!(!ok(&dir, &["course", "search", "hope"]).is_empty());
}

/// Serves `body` with status 200 to every request on 127.0.0.1; returns the URL.
fn serve_forever(body: Vec<u8>) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/course.pack", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).unwrap_or(0) > 0 && line != "\r\n" {
                line.clear();
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    url
}

#[test]
fn update_refuses_a_pack_signed_with_the_committed_development_key() {
    use lantern_core::course::model::HelpResource;
    use lantern_core::course::pack;
    use lantern_core::crypto::hazmat::SigningKey;
    // The attack of issue 11: sign a pack with the development key from the repository, give it
    // a fake crisis line and a version that would block every later update, and serve it.
    let hex = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../content/keys/dev-publisher.pkcs8.hex"
    ))
    .unwrap();
    let hex = hex.trim();
    let der: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    let dev = SigningKey::from_pkcs8(&der).unwrap();
    let mut forged = pack::bundled_unverified().unwrap();
    forged.version = 1 << 63;
    forged.help.resources = vec![HelpResource {
        title: "If someone is in immediate danger".into(),
        text: "Call the FAKE crisis line 555-0100.".into(),
    }];

    let dir = tempfile::tempdir().unwrap();
    let before = ok(&dir, &["lessons", "help-now"]);
    assert!(before.contains("local emergency number"), "{before}");
    // Help-now says who vouches for it: nobody, in a development build.
    let trust = pack::Trust::compiled().unwrap();
    if trust.bundled().is_development() {
        assert!(before.contains("UNVERIFIED"), "{before}");
    } else {
        assert!(before.contains(&trust.bundled().fingerprint()), "{before}");
    }
    for signer in [dev, SigningKey::make()] {
        let url = serve_forever(pack::seal(&forged, &signer));
        fails(&dir, &["lessons", "update", &url], "content pack refused");
    }
    let after = ok(&dir, &["lessons", "help-now"]);
    assert_eq!(after, before);
    assert!(!after.contains("FAKE"));
    assert!(!dir.path().join("course-pack.bin").exists());
    if trust.updates().is_none() {
        fails(
            &dir,
            &["lessons", "update", "https://example.org/p"],
            "no content publisher key",
        );
    }
}
