"""The pictures as the app's pages show them (HTML with SVG, companion/pictures/markup.py):
well-formed, every fact in words, text in the page's own size, colours from the theme."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from companion.journal.entries import Entry, Ratings
from companion.options import SessionOptions
from companion.pictures.facts import journal_facts, plan_facts
from companion.pictures.markup import journal_chart, plan_picture
from companion.session import make_plan
from tests.fast.fake_voice import FakeNarrator

SVG = "{http://www.w3.org/2000/svg}"


def _tree(markup: str) -> ET.Element:
    """The fragment parsed as XML (it must be well-formed), SVG in its own namespace as a page has it."""
    named = markup.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ')
    return ET.fromstring(f"<root>{named}</root>")


def _text(root: ET.Element) -> str:
    return " ".join(" ".join(root.itertext()).split())  # a no-break space read as a space


def _found(element: ET.Element | None) -> ET.Element:
    assert element is not None, "not in the markup"
    return element


def _svg_texts(root: ET.Element) -> list[str]:
    return [(t.text or "").replace("\xa0", " ") for t in root.iter(f"{SVG}text")]


def _entries() -> list[Entry]:
    return [
        Entry(1, "2026-11-30T09:00:00+00:00", "alone", Ratings(pain=6, anxiety=3), None, None),
        Entry(2, "2026-12-03T19:05:00+00:00", "before", Ratings(pain=5), 1, None),
        Entry(3, "2026-12-07T19:20:00+00:00", "after", Ratings(pain=3), 1, None),
    ]


def _massage(regions=(("back", 6), ("legs", 6))):
    options = SessionOptions(mode="massage", minutes=12, regions=regions)
    return make_plan(options, narrator=FakeNarrator())


def test_the_journal_chart_names_its_days_its_ratings_and_its_moments():
    root = _tree(journal_chart(_entries()))
    words = _text(root)
    assert "How you have felt from 30 Nov to 7 Dec (0 none, 10 the worst)" in words
    dates = _svg_texts(root)
    assert dates == ["30 Nov", "3 Dec", "7 Dec"]  # the time axis: first, middle and last day
    for said in ("Pain", "Anxiety", "before a session", "after a session", "on its own"):
        assert said in words
    assert "Tiredness" not in words  # never rated: no empty strip
    strips = [s for s in root.iter(f"{SVG}svg") if s.get("role") == "img"]
    assert [(_found(s.find(f"{SVG}title")).text or "").replace("\xa0", " ") for s in strips] == [
        "Pain: 3 ratings, from 30 Nov to 7 Dec; the first 6, the latest 3.",
        "Anxiety: 1 rating, on 30 Nov; the first 3, the latest 3.",
    ]
    assert all(s.get("aria-labelledby") == _found(s.find(f"{SVG}title")).get("id") for s in strips)
    assert len([line for line in root.iter(f"{SVG}line") if line.get("class") == "pair"]) == 1  # before-after


def test_the_journal_chart_has_the_same_numbers_as_a_table():
    root = _tree(journal_chart(_entries()))
    table = root.find(".//table")
    assert table is not None
    rows = [_text(tr) for tr in table.iter("tr")]
    assert rows == [
        "When Moment Pain Anxiety",
        "30 Nov 2026, 09:00 on its own 6 3",
        "3 Dec 2026, 19:05 before a session 5 –",
        "7 Dec 2026, 19:20 after a session 3 –",
    ]


def test_one_day_is_named_once_and_marks_stay_inside():
    entries = [Entry(1, "2026-12-07T00:05:00+01:00", "alone", Ratings(pain=2), None, None)]
    root = _tree(journal_chart(entries))
    assert _svg_texts(root) == ["7 Dec"]
    facts = journal_facts(entries)
    assert 0 < facts.x(facts.rows["pain"][0].at) < 0.1


def test_the_pictures_follow_the_page_size_and_theme():
    """No size in pixels and no colour in the markup: text is em, places are percentages,
    colours are classes the theme's style sheet gives."""
    for markup in (journal_chart(_entries()), plan_picture(_massage())):
        assert "px" not in markup and "#" not in markup and "fill=" not in markup and "style=" not in markup
        assert "font-size" not in markup


def test_the_plan_names_every_region_and_says_it_plainly():
    plan = _massage()
    root = _tree(plan_picture(plan))
    labels = [_text(p) for p in root.iter("p") if p.get("class") == "plan-label"]
    assert labels[:2] == ["back 0:00 to 6:00", "legs 6:00 to 12:00"]  # the first region too
    assert labels[-1] == "Chimes legs at 6:00; two minutes left at 10:00"
    words = _text(root)
    assert "12 minutes, some energy" in words and "medium" not in words and "two-minutes" not in words
    heard = [_text(li) for li in _found(root.find(".//ol[@class='plan-heard']"))]
    assert "0:00 Region: back" in heard and "6:00 Region: legs, with a chime" in heard
    assert "10:00 Chime: two minutes left" in heard
    for line in plan.narration:  # every spoken line, whole
        assert any(" ".join(line.text.split()) in h for h in heard), line.text
    assert _svg_texts(root) == ["0", "5", "10", "12"]  # minutes along the axis
    axis = next(s for s in root.iter(f"{SVG}svg") if s.get("role") == "img")
    assert axis.get("aria-label") == "The time axis, in minutes: 0 to 12."


def test_a_plans_sections_run_from_the_start_and_its_names_are_text():
    plan = make_plan(SessionOptions(energy="medium", minutes=12), narrator=FakeNarrator())
    facts = plan_facts(plan)
    assert facts.parts_name == "Sections" and facts.parts[0].start_s == 0
    assert [p.label for p in facts.parts] == [name for _, name in plan.sections]
    hostile = _massage((('<b>back</b> & "neck"', 6), ("legs", 6)))
    root = _tree(plan_picture(hostile))  # still well-formed: the name is text, not markup
    assert '<b>back</b> & "neck" 0:00 to 6:00' in [_text(p) for p in root.iter("p")]


def test_a_lock_left_by_a_stopped_program_is_removed_once_it_is_nobodys(tmp_path):
    """matplotlib locks its font list while it writes it; a program stopped then leaves the
    lock, and every later picture would wait 5 s for it and fail. An old one goes; a fresh
    one (a program writing now) stays."""
    import os
    import time

    from companion.pictures.draw import STALE_LOCK_S, forget_stale_locks

    old, fresh = tmp_path / "fontlist-v390.json.matplotlib-lock", tmp_path / "other.json.matplotlib-lock"
    old.touch()
    fresh.touch()
    then = time.time() - STALE_LOCK_S - 5
    os.utime(old, (then, then))
    forget_stale_locks(tmp_path)
    forget_stale_locks(tmp_path / "missing")  # no folder yet: nothing to do
    assert not old.exists() and fresh.exists()
