"""The course through the generated Python bindings (module `lantern`)."""

import pytest

from lantern import Lantern, LanternError, LessonBlock


@pytest.fixture
def course(tmp_path):
    return Lantern.open(str(tmp_path)).course()


def test_reads_the_seed_unit_offline(course):
    units = course.list_units()
    assert units[0].id == "peer-supporter"
    lessons = course.list_lessons("peer-supporter")
    assert lessons[-1].course_authored

    lesson = course.open_lesson("peer-supporter", "how-to-act")
    blocks = [b for s in lesson.sections for b in s.blocks]
    principles = [b for b in blocks if b.is_principles()]
    assert len(principles) == 1
    assert len(principles[0].items) == 8
    assert principles[0].source == "National Certification Handbook, 2016"
    assert (
        "Collaborate with community, service providers and other stakeholders."
        in principles[0].items
    )
    videos = [b for b in blocks if isinstance(b, LessonBlock.VIDEO)]
    assert len(videos) == 2
    assert all(v.url is None for v in videos)

    with pytest.raises(LanternError.NotFound):
        course.open_lesson("no-such-unit", "how-to-act")


def test_searches_and_records_progress(course):
    hits = course.search("confidentiality")
    assert any(h.section_id == "why-confidentiality" for h in hits)
    assert "**" in hits[0].snippet
    with pytest.raises(LanternError.InvalidInput):
        course.search("")

    course.mark_section_read("peer-supporter", "role-model", "introduction")
    assert course.answer_self_check("confidentiality-consent", 2).correct
    progress = course.unit_progress("peer-supporter")
    assert progress.sections_read == 1
    assert progress.sections_total == 11
    assert progress.self_checks_correct == 1


def test_help_now_names_who_vouches_for_it(course):
    help = course.help_now()
    assert any("local emergency number" in r.text for r in help.resources)
    info = course.pack_info()
    assert help.publisher == info.publisher
    assert len(help.publisher.key_fingerprint.split(" ")) == 8
    if help.publisher.development:
        # A development build trusts no key for network updates: the committed key is public.
        assert not info.updates_enabled
        with pytest.raises(LanternError.ContentRejected):
            course.update_from_url("https://example.org/course.pack")
