"""Consent-gated sharing through the generated Python bindings: pairing, a grant, a sync and a
revocation between two cores, over a real `lantern-relay` process on 127.0.0.1.

The relay binary is taken from $LANTERN_RELAY_BIN, else target/debug or target/release (built
by `cargo test --workspace` / `cargo build -p lantern-relay`)."""

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from lantern import (
    AlertDelivery,
    GrantStatus,
    ItemKind,
    Lantern,
    LanternError,
    NewEntry,
    QuickReply,
    ReachOutIssue,
    ReplyAnswer,
    ReplyDirection,
    ReplyTarget,
    Scope,
    SharedContent,
    SyncCancellation,
    SyncObserver,
    SyncPhase,
    describe_scope,
    format_scope,
    grant_limits,
    normalize_tag,
    parse_scope,
    quick_replies,
    quick_reply_words,
    reach_limits,
)

ROOT = Path(__file__).resolve().parents[2]


def relay_binary():
    env = os.environ.get("LANTERN_RELAY_BIN")
    candidates = [Path(env)] if env else []
    candidates += [ROOT / "target" / p / "lantern-relay" for p in ("debug", "release")]
    for c in candidates:
        if c.is_file():
            return c
    pytest.fail("lantern-relay binary not found: build it or set LANTERN_RELAY_BIN")


@pytest.fixture
def relay_url(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [
            str(relay_binary()),
            "--listen",
            f"127.0.0.1:{port}",
            "--database",
            f"sqlite:{tmp_path / 'relay.db'}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def core(path):
    lantern = Lantern.open(str(path))
    lantern.journal().set_kdf_iterations_for_tests(1000)
    lantern.journal().setup("a passphrase")
    return lantern


def test_pair_grant_sync_and_revoke(tmp_path, relay_url):
    peer, sup = core(tmp_path / "peer"), core(tmp_path / "sup")
    family = peer.journal().add_entry(NewEntry(text="FAMILY call", mood=4, tags=["family"]))
    peer.journal().add_entry(NewEntry(text="WORK stress", mood=2, tags=["work"]))

    invite = sup.sharing().create_invite(relay_url, "Sam")
    assert invite.startswith("lantern:1:")
    conn = peer.sharing().pair(invite, "Pat")
    peer.sharing().sync()
    assert sup.sharing().sync().paired == 1
    assert sup.sharing().safety_number(conn.id) == conn.safety_number
    assert [c.their_name for c in sup.sharing().connections()] == ["Pat"]

    with pytest.raises(LanternError.InvalidInput):
        peer.sharing().grant(conn.id, [Scope.ENTRIES_WITH_TAG(tag=" ")], "p", 86400)
    with pytest.raises(LanternError.InvalidInput):
        peer.sharing().grant(conn.id, [Scope.CHECK_INS()], "p", grant_limits().min_seconds - 1)
    grant = peer.sharing().grant(
        conn.id, [Scope.ENTRIES_WITH_TAG(tag=" Family ")], "weekly calls", 30 * 86400
    )
    assert grant.scopes == [Scope.ENTRIES_WITH_TAG(tag="family")]
    assert grant.status == GrantStatus.ACTIVE
    assert grant.recipient_name == "Sam" and grant.purpose == "weekly calls"

    peer.sharing().sync()
    sup.sharing().sync()
    items = sup.sharing().inbox(None)
    assert [i.item_id for i in items] == [family.id]
    assert items[0].content.is_entry()
    assert items[0].content.text == "FAMILY call"
    assert [g.id for g in sup.sharing().received_grants(None)] == [grant.id]

    peer.sharing().revoke(grant.id)
    assert peer.sharing().list_grants()[0].status == GrantStatus.REVOKED
    peer.sharing().sync()
    assert sup.sharing().sync().deleted >= 1
    assert sup.sharing().inbox(None) == []
    assert peer.sharing().verify_audit() >= 3
    log = peer.sharing().audit_log()
    # Typed events: ids and versions, never content, nothing to parse.
    assert log[0].event.is_grant_created() and log[0].event.grant_id == grant.id
    assert log[1].event.is_disclosed() and log[1].event.item == f"entry:{family.id}"
    # The export is signed: the supporter checks it against the peer's key as paired.
    export = peer.sharing().export_audit()
    assert sup.sharing().verify_audit_export(export, conn.id) == peer.sharing().verify_audit()
    with pytest.raises(LanternError.Integrity):
        sup.sharing().verify_audit_export(export.replace("grant-revoked", "grant-expired"), conn.id)


def test_sharing_needs_the_vault_and_refuses_bad_input(tmp_path):
    lantern = Lantern.open(str(tmp_path))
    with pytest.raises(LanternError.Locked):
        lantern.sharing().create_invite("http://127.0.0.1:9", "Sam")
    lantern.journal().set_kdf_iterations_for_tests(1000)
    lantern.journal().setup("a passphrase")
    with pytest.raises(LanternError.InvalidInput):
        lantern.sharing().pair("not an invite", "Pat")
    with pytest.raises(LanternError.NotFound):
        lantern.sharing().safety_number("no-such-connection")


class Recorder(SyncObserver):
    def __init__(self):
        self.seen = []

    def on_progress(self, progress):
        self.seen.append(progress)


class Broken(SyncObserver):
    def on_progress(self, progress):
        raise RuntimeError("the app's observer failed")


def test_sync_reports_progress_and_can_be_cancelled(tmp_path, relay_url):
    peer, sup = core(tmp_path / "peer"), core(tmp_path / "sup")
    family = peer.journal().add_entry(NewEntry(text="FAMILY call", mood=4, tags=["family"]))
    conn = peer.sharing().pair(sup.sharing().create_invite(relay_url, "Sam"), "Pat")
    # Pairing completes through the relay: the supporter answers with the connection's own
    # capability, which the peer's next sync applies.
    peer.sharing().sync()
    sup.sharing().sync()
    assert peer.sharing().sync().applied == 1
    peer.sharing().grant(conn.id, [parse_scope("entries:tag=family")], "weekly calls", 86400)

    # Cancelled before the start: nothing is posted.
    cancel = SyncCancellation()
    cancel.cancel()
    recorder = Recorder()
    with pytest.raises(LanternError.Cancelled):
        peer.sharing().sync_with(recorder, cancel)
    assert recorder.seen == []
    assert sup.sharing().sync().applied == 0

    summary = peer.sharing().sync_with(recorder, SyncCancellation())
    assert summary.posted == 1
    # Posts first, then a fetch of the peer's own (empty) mailbox.
    assert [(p.phase, p.done, p.total) for p in recorder.seen] == [
        (SyncPhase.POSTING, 1, 1),
        (SyncPhase.FETCHING, 0, 0),
        (SyncPhase.DONE, 1, 1),
    ]
    assert recorder.seen[0].connection_id == conn.id
    assert "FAMILY" not in repr(recorder.seen)

    # An observer that throws cannot break the sync.
    assert sup.sharing().sync_with(Broken(), None).applied == 1
    assert [i.item_id for i in sup.sharing().inbox(None)] == [family.id]


def test_every_kind_of_shared_content_arrives_typed(tmp_path, relay_url):
    peer, sup = core(tmp_path / "peer"), core(tmp_path / "sup")
    peer.journal().add_entry(NewEntry(text="FAMILY call", mood=4, tags=["Family", "calls"]))
    # The mood summary shares weekly averages of check-ins only, for weeks with at least three
    # of them: three check-ins this week make one weekly point.
    peer.journal().add_checkin(2, "slept badly")
    peer.journal().add_checkin(3, None)
    peer.journal().add_checkin(4, None)
    course = peer.course()
    unit = course.list_units()[0]
    lesson = course.list_lessons(unit.id)[0]
    section = course.open_lesson(unit.id, lesson.id).sections[0]
    course.mark_section_read(unit.id, lesson.id, section.id)

    conn = peer.sharing().pair(sup.sharing().create_invite(relay_url, "Sam"), "Pat")
    peer.sharing().sync()
    sup.sharing().sync()
    scopes = [
        parse_scope(t) for t in ("entries:tag=family", "checkins", "mood-trends", "course-progress")
    ]
    peer.sharing().grant(conn.id, scopes, "weekly calls", 7 * 86400)
    # One entry, three check-ins, the mood summary and the course progress.
    assert peer.sharing().sync().disclosed == 6
    sup.sharing().sync()

    contents = [i.content for i in sup.sharing().inbox(conn.id)]
    (entry,) = [c for c in contents if c.is_entry()]
    assert (entry.text, entry.mood, entry.tags, entry.edited_at_ms) == (
        "FAMILY call",
        4,
        ["family", "calls"],
        None,
    )
    check_ins = sorted((c.mood, c.note) for c in contents if c.is_check_in())
    assert check_ins == [(2, "slept badly"), (3, None), (4, None)]
    (trends,) = [c for c in contents if c.is_mood_trends()]
    assert trends.days == 90
    # No daily points and no sample counts: no single check-in can be worked out.
    assert trends.daily == []
    assert [(p.samples, p.average) for p in trends.weekly] == [(0, 3.0)]
    (progress,) = [c for c in contents if c.is_course_progress()]
    (read,) = [u for u in progress.units if u.unit_id == unit.id]
    assert read.sections_read == 1


def test_the_scope_grammar_and_tag_rule_are_the_cores():
    assert normalize_tag("  FAMILY ") == "family"
    with pytest.raises(LanternError.InvalidInput):
        normalize_tag(" ")
    with pytest.raises(LanternError.InvalidInput):
        parse_scope("everything")
    for text in ("mood-trends", "checkins", "entries:tag=family", "entry:e1", "course-progress"):
        assert format_scope(parse_scope(text)) == text
    assert parse_scope("entries:tag= Family") == Scope.ENTRIES_WITH_TAG(tag="family")
    assert '"family"' in describe_scope(Scope.ENTRIES_WITH_TAG(tag="family"))
    assert grant_limits().max_seconds == 365 * 86400


def test_reach_out_and_reply(tmp_path, relay_url):
    peer, sup = core(tmp_path / "peer"), core(tmp_path / "sup")
    alone = peer.sharing().reach_out("anyone?")
    assert alone.help.resources and alone.issue == ReachOutIssue.NO_SUPPORTER_RECEIVES_ALERTS()

    conn = peer.sharing().pair(sup.sharing().create_invite(relay_url, "Sam"), "Pat")
    peer.sharing().sync()
    sup.sharing().sync()
    grant = peer.sharing().grant(conn.id, [Scope.ALERTS()], "call me", 86400)
    peer.sharing().sync()

    with pytest.raises(LanternError.InvalidInput):
        peer.sharing().reach_out("x" * (reach_limits().max_note_chars + 1))
    out = peer.sharing().reach_out("RED-NOTE rough night")
    assert out.issue is None
    assert [(r.supporter_name, r.delivery) for r in out.recipients] == [("Sam", AlertDelivery.SENT)]

    assert sup.sharing().sync().alerts_received == 1
    [alert] = [i for i in sup.sharing().inbox(conn.id) if i.kind == ItemKind.ALERT]
    assert alert.content.note == "RED-NOTE rough night"
    target = ReplyTarget(kind=ItemKind.ALERT, item_id=alert.item_id)
    with pytest.raises(LanternError.InvalidInput):
        sup.sharing().reply(conn.id, target, ReplyAnswer.TEXT(text="y" * 281))
    sent = sup.sharing().reply(conn.id, target, ReplyAnswer.TEXT(text="On my way, hold on"))
    assert sent.delivered and sent.direction == ReplyDirection.SENT

    assert peer.sharing().sync().replies_received == 1
    [got] = peer.sharing().replies(None)
    assert (got.their_name, got.in_reply_to.item_id, got.words) == (
        "Sam",
        out.alert_id,
        "On my way, hold on",
    )
    assert QuickReply.CALLING_NOW in quick_replies()
    assert quick_reply_words(QuickReply.CALLING_NOW) == "I'm calling you now."

    peer.sharing().revoke(grant.id)
    peer.sharing().sync()
    sup.sharing().sync()
    with pytest.raises(LanternError.ConsentRequired):
        sup.sharing().reply(conn.id, target, ReplyAnswer.QUICK(reply=QuickReply.ON_MY_WAY))
