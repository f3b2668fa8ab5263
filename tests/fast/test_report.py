"""The care-team report: one A4 page, the listener's own numbers in plain words, read back
from the real PDF; the period it covers; what it refuses."""

from __future__ import annotations

import random
import stat
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pytest
from pypdf import PdfReader

import companion.journal.store as store
from companion.errors import BadInput
from companion.journal.entries import SYMPTOMS, Ratings, SessionRecord
from companion.journal.report import gather, write_report
from companion.journal.store import Journal
from companion.plan.catalogue import builtin_scripts
from tests.helpers import run_main

LAST_DAY = date(2026, 11, 30)


@pytest.fixture
def clock(monkeypatch):
    """Set the journal's clock: clock(day, hour) for the entries that follow."""

    def at(days_before_last: int, hour: int = 9, minute: int = 0) -> None:
        moment = datetime(2026, 11, 30, hour, minute, tzinfo=timezone.utc) - timedelta(days=days_before_last)
        monkeypatch.setattr(store, "now", lambda: moment.isoformat(timespec="seconds"))

    return at


def text_of(path) -> tuple[int, str]:
    reader = PdfReader(path)
    return len(reader.pages), " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def session(j: Journal, script: str, before: Ratings, after: Ratings, heard: float = 6.0) -> None:
    sid = j.start_session(SessionRecord(script, "low", "relax", 6))
    j.add(before, "before", sid)
    j.finish_session(sid, heard, "finished")
    j.add(after, "after", sid)


def test_the_report_says_what_the_journal_holds_in_plain_words(tmp_path, clock):
    with Journal() as j:
        clock(20)
        j.add(Ratings(pain=6, note="a hard night"))
        clock(19)
        j.add(Ratings(pain=4))
        clock(3)
        j.add(Ratings(pain=2, tiredness=5))
        clock(2, 15)
        session(j, "settling", Ratings(anxiety=6), Ratings(anxiety=3))
        clock(1, 15)
        session(j, "settling", Ratings(anxiety=4), Ratings(anxiety=4), heard=4.5)
        clock(0, 15)
        session(j, "body-scan", Ratings(anxiety=3, wellbeing=5), Ratings(anxiety=5, wellbeing=4))
        clock(40)
        j.add(Ratings(pain=9, note="before the period"))
        report = gather(j, until=LAST_DAY)
    assert (report.since, report.until) == (date(2026, 11, 3), LAST_DAY)  # four weeks, today included
    out = tmp_path / "report.pdf"
    write_report(report, out)
    pages, text = text_of(out)
    assert pages == 1
    assert "3 November 2026 to 30 November 2026: 9 entries." in text
    assert "Pain: rated 3 times, 2 to 6; around 5 early in the period, 2 late in it." in text
    assert "Tiredness: rated once, always 5." in text
    assert "3 sessions, 16 minutes listened to here." in text
    assert "Settling: twice; Body scan: once." in text
    assert "Anxiety, before and after 3 sessions: lower after 1, the same after 1, higher after 1." in text
    assert "Wellbeing, before and after 1 session: lower after 1." in text
    assert "a hard night" in text and "before the period" not in text
    assert "not a treatment" in text
    for word in ("score", "streak", "better", "worse", "improv", "success"):
        assert word not in text.lower(), word
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # health data: the owner's only


def test_a_full_month_with_long_notes_still_fits_one_page(tmp_path, clock):
    rng = random.Random(1)
    scripts = [s.name for s in builtin_scripts()] + [f"/home/ann/Our own words {i}.txt" for i in range(8)]
    with Journal() as j:
        for day in range(40):
            clock(day, 8)
            ratings: dict[str, Any] = {name: rng.randint(0, 10) for name in SYMPTOMS}
            j.add(Ratings(**ratings, note="slept well after the walk by the river with Ann, " * 8))
            clock(day, 17)
            after = Ratings(**{name: rng.randint(0, 10) for name in SYMPTOMS}, note="quieter " * 20)
            session(j, rng.choice(scripts), Ratings(**ratings), after)
        report = gather(j, date(2026, 10, 1), LAST_DAY)
    out = tmp_path / "month.pdf"
    write_report(report, out)
    pages, text = text_of(out)
    assert pages == 1
    assert "Day by day (the last 12 of 40 days with entries)" in text
    assert "Our own words" in text  # a script of one's own, by its file's name
    assert " others: " in text  # past the eight most used, the rest are counted


def test_the_period_is_checked():
    with Journal() as j:
        with pytest.raises(BadInput) as refused:
            gather(j, date(2026, 11, 30), date(2026, 11, 1))
        assert refused.value.field == "since" and "after it ends" in refused.value.message
        with pytest.raises(BadInput) as wrong:
            gather(j, "2026-11-01")  # type: ignore[arg-type]
        assert wrong.value.field == "since"


def test_the_command_writes_nothing_for_an_empty_period_and_names_a_bad_date(tmp_path, clock):
    out = tmp_path / "r.pdf"
    empty = run_main("journal", "report", "-o", str(out))
    assert empty.returncode == 0 and "nothing was written" in empty.stdout and not out.exists()
    bad = run_main("journal", "report", "-o", str(out), "--since", "last week")
    assert bad.returncode == 2 and bad.stderr.startswith("Error: --since takes a date such as 2026-11-01")
    backwards = run_main("journal", "report", "-o", str(out), "--since", "2026-11-30", "--until", "2026-11-01")
    assert backwards.returncode == 2 and "(--since)" in backwards.stderr and len(backwards.stderr.splitlines()) == 1
    wrong_kind = run_main("journal", "report", "-o", str(tmp_path / "r.png"))
    assert wrong_kind.returncode == 2 and ".pdf" in wrong_kind.stderr
    clock(0)
    with Journal() as j:
        j.add(Ratings(pain=3))
    made = run_main("journal", "report", "-o", str(out))
    assert (
        made.returncode == 0
        and made.stdout.startswith(f"Wrote {out}: 1 entry of Listener's journal from ")
        and out.exists()
    )


def test_one_day_is_one_day(tmp_path, clock):
    """A journal of one day says "1 day" and "1 entry", never "all 1 days"."""
    with Journal() as j:
        clock(0)
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6))
        j.finish_session(sid, 1.0, "stopped")
        j.add(Ratings(pain=3), "after", sid)
        report = gather(j, until=LAST_DAY)
    write_report(report, tmp_path / "report.pdf")
    text = text_of(tmp_path / "report.pdf")[1]
    assert "Day by day (1 day with entries)" in text and "all 1" not in text
    assert ": 1 entry." in text and "1 session, 1 minute listened to here." in text


def test_breaths_tapped_along_are_reported_as_taps_without_a_claim(tmp_path, clock):
    """Issue 36: the rate tapped before and after, in its own words, never as a measurement."""
    with Journal() as j:
        clock(2, 15)
        session(j, "settling", Ratings(anxiety=6, breath_rate=24.0), Ratings(breath_rate=18.5))
        clock(1, 15)
        session(j, "settling", Ratings(breath_rate=20.0), Ratings(breath_rate=20.2))
        report = gather(j, until=LAST_DAY)
    out = tmp_path / "report.pdf"
    write_report(report, out)
    pages, text = text_of(out)
    assert pages == 1
    assert "Breaths a minute, by tapping" in text
    assert "Tapped 4 times: 18.5 to 24." in text
    assert "Before and after 2 sessions: fewer after 1, about the same after 1." in text
    assert "not a clinical measurement" in text
    for word in ("improv", "better", "worse", "heal", "normal"):
        assert word not in text.lower(), word


def test_a_report_without_taps_says_nothing_of_them(tmp_path, clock):
    with Journal() as j:
        clock(1)
        j.add(Ratings(pain=3))
        report = gather(j, until=LAST_DAY)
    out = tmp_path / "report.pdf"
    write_report(report, out)
    assert "tapping" not in text_of(out)[1]
