//! `lantern demo`: the whole product in one run, on this machine only: a relay on 127.0.0.1
//! (in-process) and temporary data directories for a trainee, a peer and a supporter. Narrates
//! each step in plain words, checks that the supporter sees exactly what was granted and
//! nothing after revocation, and exits non-zero if anything does not hold. One function per
//! narrated step; [`run`] tells the story in order.

use std::path::Path;
use std::sync::Arc;

use lantern_core::LanternError;
use lantern_core::api::Lantern;
use lantern_core::api::course::LessonBlock;
use lantern_core::api::reach::AlertDelivery;
use lantern_core::api::sharing::{ConsentGrant, SharingConnection, format_scope};
use lantern_core::consent::{ItemKind, Scope};
use lantern_core::journal::{NewEntry, format_utc};
use lantern_core::sharing::SharedContent;
use lantern_core::sharing::reach::{QuickReply, ReplyAnswer, ReplyTarget};

const PASSPHRASE: &str = "lighthouse kettle meadow river";

fn step(n: u32, text: &str) {
    println!();
    println!("{n}. {text}");
}

fn say(text: &str) {
    println!("   {text}");
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        say(&format!("✓ {what}"));
        Ok(())
    } else {
        Err(format!("demo check failed: {what}"))
    }
}

fn e(e: LanternError) -> String {
    e.to_string()
}

fn open(dir: &Path) -> Result<Arc<Lantern>, String> {
    // Debug builds (the CLI tests) may lower the deliberate KDF cost; release uses the default.
    Lantern::open_with(dir.to_path_buf(), crate::vault_options()).map_err(|e| e.to_string())
}

fn first_words(text: &str, n: usize) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= n {
        words.join(" ")
    } else {
        format!("{} …", words[..n].join(" "))
    }
}

/// What Pat wrote: the ids the supporter must and must not see.
struct PatsJournal {
    family: String,
    work: String,
    private: String,
    checkins: Vec<String>,
}

/// Runs the demo.
pub fn run() -> Result<(), String> {
    let tmp = tempfile::tempdir().map_err(|e| format!("no temporary directory: {e}"))?;
    println!("Lantern demo: a relay on this machine and three people, each with their own");
    println!("temporary data directory. Nothing leaves 127.0.0.1.");

    let relay = start_relay(tmp.path())?;
    let relay_url = relay.url();
    trainee_reads_a_lesson(&tmp.path().join("alex"))?;
    let (pat, written) = peer_keeps_a_journal(&tmp.path().join("pat"))?;
    let (sam, invite) = supporter_invites(&tmp.path().join("sam"), &relay_url)?;
    let conn = pair_and_compare(&pat, &sam, invite)?;
    let grant = grant_narrow_consent(&pat, &conn)?;
    sync_once(&pat, &sam)?;
    supporter_sees_exactly_the_grant(&sam, &written)?;
    revoke_and_delete(&pat, &sam, &grant)?;
    audit_log_verifies(&pat)?;
    let alert = pat_reaches_out(&pat)?;
    sam_replies(&pat, &sam, &conn, &alert)?;

    println!();
    println!("Demo complete: consent given, honoured, withdrawn, and accounted for;");
    println!("and when Pat needed someone, Sam was there.");
    relay.shutdown()?;
    Ok(())
}

fn start_relay(tmp: &Path) -> Result<lantern_relay::RelayHandle, String> {
    step(
        1,
        "A relay starts. It stores and forwards envelopes it cannot read.",
    );
    let relay = lantern_relay::spawn(lantern_relay::Config {
        listen: "127.0.0.1:0".parse().map_err(|_| "bad listen address")?,
        database: format!("sqlite:{}", tmp.join("relay.db").display()),
        ..lantern_relay::Config::default()
    })?;
    say(&format!("Relay listening at {}", relay.url()));
    Ok(relay)
}

fn trainee_reads_a_lesson(dir: &Path) -> Result<(), String> {
    step(
        2,
        "Alex, a trainee peer supporter, reads the first lesson offline.",
    );
    let trainee = open(dir)?;
    let course = trainee.course();
    let unit = course
        .list_units()
        .into_iter()
        .next()
        .ok_or("the course has no units")?;
    let lesson = course
        .list_lessons(unit.id.clone())
        .map_err(e)?
        .into_iter()
        .next()
        .ok_or("the unit has no lessons")?;
    let content = course
        .open_lesson(unit.id.clone(), lesson.id.clone())
        .map_err(e)?;
    say(&format!("Unit: {}", content.unit_title));
    say(&format!("Lesson: {}", content.title));
    if let Some(section) = content.sections.first() {
        say(&format!("Section: {}", section.title));
        if let Some(LessonBlock::Paragraph { text }) = section
            .blocks
            .iter()
            .find(|b| matches!(b, LessonBlock::Paragraph { .. }))
        {
            say(&format!("\"{}\"", first_words(text, 30)));
        }
        course
            .mark_section_read(unit.id.clone(), lesson.id.clone(), section.id.clone())
            .map_err(e)?;
        let p = course.unit_progress(unit.id.clone()).map_err(e)?;
        say(&format!(
            "Marked as read: {} of {} sections of this unit.",
            p.sections_read, p.sections_total
        ));
    }
    Ok(())
}

fn peer_keeps_a_journal(dir: &Path) -> Result<(Arc<Lantern>, PatsJournal), String> {
    step(3, "Pat, a person in recovery, keeps an encrypted journal.");
    let pat = open(dir)?;
    let journal = pat.journal();
    journal.setup(PASSPHRASE.into()).map_err(e)?;
    say("Pat chose a passphrase; the journal is sealed with AES-256-GCM under a key it wraps.");
    let add = |text: &str, mood: u8, tags: &[&str]| {
        journal
            .add_entry(NewEntry {
                text: text.into(),
                mood: Some(mood),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                created_at_ms: None,
            })
            .map(|entry| entry.id)
            .map_err(e)
    };
    let family = add(
        "Called my sister today. We talked for an hour and I did not feel judged.",
        4,
        &["family"],
    )?;
    let work = add(
        "Stressful meeting at work. I took a walk instead of going to the bar.",
        2,
        &["work"],
    )?;
    let private = add("Something I am not ready to tell anyone yet.", 2, &[])?;
    let c1 = journal
        .add_checkin(3, Some("Slept badly, but I went to my meeting.".into()))
        .map_err(e)?;
    let c2 = journal
        .add_checkin(4, Some("Good day.".into()))
        .map_err(e)?;
    say(
        "Pat wrote three entries (tagged \"family\", tagged \"work\", and one untagged) and two check-ins.",
    );
    Ok((
        pat,
        PatsJournal {
            family,
            work,
            private,
            checkins: vec![c1.id, c2.id],
        },
    ))
}

fn supporter_invites(dir: &Path, relay_url: &str) -> Result<(Arc<Lantern>, String), String> {
    step(4, "Sam, Pat's supporter, creates an invite on the relay.");
    let sam = open(dir)?;
    sam.journal().setup(PASSPHRASE.into()).map_err(e)?;
    let invite = sam
        .sharing()
        .create_invite(relay_url.to_string(), "Sam".into())
        .map_err(e)?;
    say(&format!(
        "Invite ({} characters, fits a QR code): {}…",
        invite.len(),
        &invite[..invite.len().min(40)]
    ));
    say("It carries the relay address, Sam's mailbox, a posting capability and Sam's public keys.");
    Ok((sam, invite))
}

fn pair_and_compare(
    pat: &Lantern,
    sam: &Lantern,
    invite: String,
) -> Result<SharingConnection, String> {
    step(
        5,
        "Pat pairs with the invite; both compare the safety number in person.",
    );
    let conn = pat.sharing().pair(invite, "Pat".into()).map_err(e)?;
    pat.sharing().sync().map_err(e)?;
    let r = sam.sharing().sync().map_err(e)?;
    check(
        r.paired == 1,
        "Sam's phone received Pat's signed pairing message",
    )?;
    let sam_number = sam.sharing().safety_number(conn.id.clone()).map_err(e)?;
    say(&format!("Pat's phone shows: {}", conn.safety_number));
    say(&format!("Sam's phone shows: {sam_number}"));
    check(
        conn.safety_number == sam_number,
        "the numbers match: no one sits in the middle",
    )?;
    Ok(conn)
}

fn grant_narrow_consent(pat: &Lantern, conn: &SharingConnection) -> Result<ConsentGrant, String> {
    step(
        6,
        "Pat grants Sam a narrow consent: entries tagged \"family\" and check-ins, for 30 days.",
    );
    let grant = pat
        .sharing()
        .grant(
            conn.id.clone(),
            vec![
                Scope::EntriesWithTag {
                    tag: "family".into(),
                },
                Scope::CheckIns,
            ],
            "So Sam can follow how I am doing between our weekly calls.".into(),
            30 * 86_400,
        )
        .map_err(e)?;
    say(&format!("Who discloses: {}", grant.discloser_name));
    say(&format!("To whom: {}", grant.recipient_name));
    for line in &grant.how_much {
        say(&format!("What and how much: {line}"));
    }
    say(&format!("Why: {}", grant.purpose));
    say(&format!("Until: {}", format_utc(grant.expires_at * 1000)));
    say(&format!("Right to revoke: {}", grant.right_to_revoke));
    let alerts = pat
        .sharing()
        .grant(
            conn.id.clone(),
            vec![Scope::Alerts],
            "So Sam knows when I need support right away.".into(),
            90 * 86_400,
        )
        .map_err(e)?;
    say(&format!(
        "And a second consent, for 90 days: {}",
        alerts.how_much.join("; ")
    ));
    Ok(grant)
}

fn sync_once(pat: &Lantern, sam: &Lantern) -> Result<(), String> {
    step(
        7,
        "One sync: Pat's phone decides item by item, seals, signs and posts; Sam's fetches.",
    );
    let sent = pat.sharing().sync().map_err(e)?;
    say(&format!(
        "Pat's phone shared {} items in {} envelope(s), encrypted to Sam's key (HPKE) and signed.",
        sent.disclosed, sent.posted
    ));
    let got = sam.sharing().sync().map_err(e)?;
    say(&format!(
        "Sam's phone verified and applied {} envelope(s).",
        got.applied
    ));
    Ok(())
}

fn supporter_sees_exactly_the_grant(sam: &Lantern, written: &PatsJournal) -> Result<(), String> {
    step(8, "Sam sees exactly what Pat granted, and nothing else.");
    for g in sam.sharing().received_grants(None).map_err(e)? {
        let scopes: Vec<String> = g.scopes.into_iter().map(format_scope).collect();
        say(&format!(
            "Sam may see {} until {}.",
            scopes.join(" and "),
            format_utc(g.expires_at * 1000)
        ));
    }
    let inbox = sam.sharing().inbox(None).map_err(e)?;
    for item in &inbox {
        let words = match &item.content {
            SharedContent::Entry { text, .. } => text.as_str(),
            SharedContent::CheckIn { note, .. } => note.as_deref().unwrap_or(""),
            SharedContent::Alert { note, .. } => note.as_deref().unwrap_or(""),
            SharedContent::MoodTrends { .. }
            | SharedContent::CourseProgress { .. }
            | SharedContent::RecoveryCount { .. } => "",
        };
        say(&format!(
            "{} {} (v{}): \"{}\"",
            item.content.kind().as_str(),
            item.item_id,
            item.version,
            words
        ));
    }
    let mut ids: Vec<String> = inbox.iter().map(|i| i.item_id.clone()).collect();
    ids.sort();
    let mut expected = written.checkins.clone();
    expected.push(written.family.clone());
    expected.sort();
    check(
        ids == expected,
        "the family entry and both check-ins, nothing more",
    )?;
    check(
        !ids.contains(&written.work) && !ids.contains(&written.private),
        "the work entry and the private entry never left Pat's phone",
    )
}

fn revoke_and_delete(pat: &Lantern, sam: &Lantern, grant: &ConsentGrant) -> Result<(), String> {
    step(
        9,
        "Pat revokes the narrow consent; at the next sync Sam's copy is deleted.",
    );
    pat.sharing().revoke(grant.id.clone()).map_err(e)?;
    pat.sharing().sync().map_err(e)?;
    let gone = sam.sharing().sync().map_err(e)?;
    say(&format!("Sam's phone deleted {} items.", gone.deleted));
    check(
        sam.sharing().inbox(None).map_err(e)?.is_empty(),
        "Sam holds nothing from Pat any more",
    )
}

fn audit_log_verifies(pat: &Lantern) -> Result<(), String> {
    step(
        10,
        "Pat's audit log: who saw what, when. Append-only and hash-chained.",
    );
    for r in pat.sharing().audit_log().map_err(e)? {
        say(&format!(
            "#{} {:<14} {}",
            r.seq,
            r.event.name(),
            r.event.references()
        ));
    }
    let n = pat.sharing().verify_audit().map_err(e)?;
    check(
        n > 0,
        &format!("the audit log verifies ({n} records, chain intact)"),
    )
}

fn pat_reaches_out(pat: &Lantern) -> Result<String, String> {
    step(
        11,
        "A hard evening. Pat presses \"I need support now\" with a short note.",
    );
    let out = pat
        .sharing()
        .reach_out(Some(
            "Rough evening, cravings are strong. Can you call?".into(),
        ))
        .map_err(e)?;
    say(&format!(
        "Pat's phone shows at once, offline or not: \"{}\"",
        out.help.title
    ));
    for r in &out.help.resources {
        say(&format!("  - {}", r.title));
    }
    for r in &out.recipients {
        say(&format!(
            "Alert to {}: {}",
            r.supporter_name,
            match r.delivery {
                AlertDelivery::Sent => "sent (encrypted to Sam's key, signed by Pat)",
                AlertDelivery::Queued => "queued for the next sync",
            }
        ));
    }
    check(
        out.recipients.len() == 1 && out.recipients[0].delivery == AlertDelivery::Sent,
        "the alert went to Sam, the one supporter whose consent covers alerts",
    )?;
    out.alert_id
        .ok_or_else(|| "the alert was not recorded".to_string())
}

fn sam_replies(
    pat: &Lantern,
    sam: &Lantern,
    conn: &SharingConnection,
    alert_id: &str,
) -> Result<(), String> {
    step(12, "Sam's phone syncs, sees the alert, and Sam answers.");
    let got = sam.sharing().sync().map_err(e)?;
    check(got.alerts_received == 1, "Sam's phone received Pat's alert")?;
    let alert = sam
        .sharing()
        .inbox(Some(conn.id.clone()))
        .map_err(e)?
        .into_iter()
        .find(|i| i.kind == ItemKind::Alert && i.item_id == alert_id)
        .ok_or("the alert is not in Sam's inbox")?;
    if let SharedContent::Alert { note, sent_at_ms } = &alert.content {
        say(&format!(
            "Sam sees: Pat needs support now ({}): \"{}\"",
            format_utc(*sent_at_ms),
            note.as_deref().unwrap_or("")
        ));
    }
    let sent = sam
        .sharing()
        .reply(
            conn.id.clone(),
            ReplyTarget {
                kind: ItemKind::Alert,
                item_id: alert_id.to_string(),
            },
            ReplyAnswer::Quick {
                reply: QuickReply::CallingNow,
            },
        )
        .map_err(e)?;
    say(&format!(
        "Sam taps \"{}\": sealed to Pat's key, signed, sent on the channel pairing set up.",
        sent.words
    ));
    let back = pat.sharing().sync().map_err(e)?;
    check(back.replies_received == 1, "Pat's phone received the reply")?;
    let replies = pat.sharing().replies(None).map_err(e)?;
    let reply = replies.first().ok_or("Pat has no reply")?;
    say(&format!(
        "Pat sees: {} answered at {}: \"{}\"",
        reply.their_name,
        format_utc(reply.sent_at * 1000),
        reply.words
    ));
    check(
        reply.in_reply_to.item_id == alert_id && reply.their_name == "Sam",
        "who answered, to what, and when",
    )
}
