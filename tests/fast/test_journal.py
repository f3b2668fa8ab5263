"""The comfort journal (a real SQLite file) and the check-in, in this process: the store, its
migrations and permissions, and the journal and today commands through the same entry point."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from companion.journal import store as journal_module
from companion.journal.entries import Ratings, SessionRecord
from companion.journal.store import SCHEMA_VERSION, Journal
from companion.people.store import People
from companion.plan.checkin import Answers, choose
from tests.helpers import run_main


def data_home() -> Path:
    return Path(os.environ["XDG_DATA_HOME"])


def journal_path(made: bool = False) -> Path:
    """The default person's journal (`made` False: where it would be, before anything is written)."""
    return People(data_home() / "companion").default(made).journal_path


def user_version(path: Path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as db:  # closed at once: no WAL left behind
        return db.execute("PRAGMA user_version").fetchone()[0]


def test_the_file_is_the_owners_only_and_in_wal_mode():
    with Journal() as j:
        j.add(Ratings(pain=2))
        other = sqlite3.connect(journal_path())  # a second reader keeps the WAL files in place
        other.execute("SELECT count(*) FROM ratings").fetchone()
        for path in journal_path().parent.iterdir():
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
        assert stat.S_IMODE(journal_path().parent.stat().st_mode) == 0o700
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        other.close()


def test_migrates_an_old_file_and_refuses_a_newer_one(monkeypatch):
    path = journal_path(made=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(path).close()  # an empty file: schema version 0
    with Journal() as j:
        j.add(Ratings(tiredness=4, note="kept"))
    assert user_version(path) == SCHEMA_VERSION
    # a later release adds a step: the ratings made by this one survive it
    monkeypatch.setattr(
        journal_module, "MIGRATIONS", (*journal_module.MIGRATIONS, "ALTER TABLE ratings ADD mood INTEGER")
    )
    monkeypatch.setattr(journal_module, "SCHEMA_VERSION", SCHEMA_VERSION + 1)
    with Journal() as j:
        assert [e.ratings.note for e in j.entries()] == ["kept"]
    assert user_version(path) == SCHEMA_VERSION + 1
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")  # written by a much newer companion
    db.commit()
    db.close()
    before = path.read_bytes()
    result = run_main("journal", "show")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and "newer companion" in result.stderr
    assert path.read_bytes() == before  # refused, not changed


def test_a_journal_of_schema_one_gains_the_sessions_voice_in_place_once(monkeypatch):
    """A journal as the release before the voice column made it (schema 1, WAL, its rows
    written with its own INSERTs) is migrated in place: every row kept, voice unknown (None)."""
    path = journal_path(made=True)
    with monkeypatch.context() as old:
        old.setattr(journal_module, "MIGRATIONS", journal_module.MIGRATIONS[:1])
        old.setattr(journal_module, "SCHEMA_VERSION", 1)
        Journal().close()
    assert user_version(path) == 1
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        db.execute(
            "INSERT INTO sessions (started_at, script, energy, mode, minutes_planned, minutes_heard, ended, "
            "energy_score, breathless, goal) VALUES ('2026-12-01T10:00:00+00:00', 'settling', 'low', 'relax', "
            "6.0, 5.5, 'finished', 3, 1, 'rest')"
        )
        db.execute(
            "INSERT INTO ratings (at, session_id, moment, anxiety, note) "
            "VALUES ('2026-12-01T10:00:00+00:00', 1, 'before', 7, 'kept')"
        )
    inode = path.stat().st_ino
    with Journal() as j:
        ((started, record),) = j.sessions()
        (entry,) = j.entries()
        second = j.start_session(SessionRecord("sleep", "medium", "relax", 20.0, voice="Mum"))
    assert user_version(path) == SCHEMA_VERSION == 3 and path.stat().st_ino == inode  # in place
    assert started == "2026-12-01T10:00:00+00:00"
    assert record == SessionRecord("settling", "low", "relax", 6.0, 5.5, "finished", 3, True, "rest", None)
    assert (entry.ratings.anxiety, entry.ratings.note, entry.session) == (7, "kept", record)
    with Journal() as j:  # opened again: nothing to do (a second ALTER would fail on the column)
        assert [r.voice for _, r in j.sessions()] == [None, "Mum"] and second == 2
    assert user_version(path) == SCHEMA_VERSION


def test_a_damaged_file_gets_one_line_and_is_left_alone():
    older = data_home() / "companion" / "journal.sqlite3"  # where an older install kept it: moved, then read
    older.parent.mkdir(parents=True)
    older.write_bytes(b"this is not a database" * 100)
    result = run_main("journal", "add", "--pain", "2")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "damaged" in result.stderr and "move it aside" in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (["--pain", "11"], "--pain"),
        (["--wellbeing", "-1"], "--wellbeing"),
        (["--anxiety", "lots"], "--anxiety"),
        ([], "give at least one rating"),
        (["--note", "x" * 501], "at most 500 characters"),
    ],
)
def test_bad_ratings_get_one_line(args, words):
    result = run_main("journal", "add", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and words in result.stderr and result.stderr.count("\n") == 1
    assert not journal_path().exists() or Journal().entries() == []


def test_show_export_and_forget_from_the_command_line(tmp_path):
    for args in (["--pain", "3", "--note", "morning, stiff"], ["--tiredness", "7"], ["--wellbeing", "2"]):
        assert run_main("journal", "add", *args).returncode == 0
    shown = json.loads(run_main("journal", "show", "--json").stdout)
    assert [e["wellbeing"] for e in shown][:1] == [2] and len(shown) == 3  # latest first
    assert len(json.loads(run_main("journal", "show", "--json", "--limit", "2").stdout)) == 2
    assert json.loads(run_main("journal", "show", "--json", "--since", "2999-01-01").stdout) == []
    table = run_main("journal", "show").stdout
    assert "pain" in table and "morning, stiff" in table
    out = tmp_path / "comfort.csv"
    assert run_main("journal", "export", "--csv", str(out)).returncode == 0
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert [(r["pain"], r["tiredness"], r["wellbeing"], r["note"]) for r in rows] == [
        ("3", "", "", "morning, stiff"),
        ("", "7", "", ""),
        ("", "", "2", ""),
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # health data: the owner's only
    refused = run_main("journal", "forget", "--all")  # not on a terminal: needs --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    first = shown[-1]["id"]
    assert run_main("journal", "forget", "--id", str(first), "--yes").stdout.startswith("Removed 1 entry")
    assert len(json.loads(run_main("journal", "show", "--json").stdout)) == 2
    assert run_main("journal", "forget", "--all", "--yes").returncode == 0
    assert run_main("journal", "show").stdout.strip() == "Listener's journal is empty."


@pytest.mark.parametrize(
    "answers, energy, script, minutes, reason",
    [
        (Answers(0), "low", "settling", 6, "Low energy: Settling, 6 minutes"),
        (Answers(3, False, "rest"), "low", "settling", 6, "Low energy, to rest: Settling, 6 minutes"),
        (Answers(4), "medium", "body-scan", 12, "Some energy: Body scan, 12 minutes"),
        (Answers(6, goal="sleep"), "medium", "sleep", 12, "Some energy, for sleep: Drifting towards sleep, 12 minutes"),
        (Answers(7), "high", "calm-place", 20, "Good energy: A calm place, 20 minutes"),
        (
            Answers(10, goal="after-massage", minutes=15),
            "high",
            "after-massage",
            15,
            "Good energy, after a massage: After a massage, 15 minutes",
        ),
        (Answers(2, True), "low", "breathlessness", 6, "Low energy and short of breath: Breathing easy, 6 minutes"),
        (
            Answers(9, True, "sleep"),
            "high",
            "breathlessness",
            20,
            "Good energy and short of breath: Breathing easy, 20 minutes",
        ),
        (Answers(), "medium", "body-scan", 12, "No energy level given: Body scan, 12 minutes"),
    ],
)
def test_every_branch_of_the_checkin(answers, energy, script, minutes, reason):
    choice = choose(answers)
    assert (choice.energy.value, choice.script, choice.minutes) == (energy, script, minutes)
    assert choice.reason.startswith(reason) and choice.breathless == bool(answers.breathless)
    args = ["today", "--dry-run", "--json"]
    if answers.energy_score is not None:
        args += ["--energy-score", str(answers.energy_score)]
    if answers.breathless is not None:
        args += ["--breathless" if answers.breathless else "--no-breathless"]
    if answers.goal:
        args += ["--goal", answers.goal]
    if answers.minutes:
        args += ["--minutes", str(answers.minutes)]
    printed = json.loads(run_main(*args).stdout)
    assert {k: printed[k] for k in ("energy", "script", "minutes", "reason")} == {
        "energy": energy,
        "script": script,
        "minutes": minutes,
        "reason": choice.reason,
    }


def test_a_session_in_the_journal_from_the_library(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6.0))
        j.add(Ratings(wellbeing=4), "before", sid)
        j.finish_session(sid, 5.5, "finished")
        (entry,) = j.entries()
        assert entry.session is not None and entry.session.minutes_heard == 5.5
        with pytest.raises(Exception, match="taken before, after, alone"):
            j.add(Ratings(pain=1), "during")


def test_an_entry_is_edited_in_place_keeping_its_time_moment_and_session(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6.0))
        first = j.add(Ratings(pain=4, note="sore"), "before", sid)
        other = j.add(Ratings(anxiety=2))
        was = j.entry(first)
        j.edit(first, Ratings(pain=3, wellbeing=5, note="a little better"))
        now = j.entry(first)
        assert now is not None and was is not None
        assert (now.at, now.moment, now.session_id) == (was.at, "before", sid)
        assert now.ratings == Ratings(pain=3, wellbeing=5, note="a little better")
        assert j.entry(other) is not None and j.entry(other).ratings == Ratings(anxiety=2)  # type: ignore[union-attr]
        for wrong, words in ((Ratings(), "at least one rating"), (Ratings(pain=11), "0 to 10")):
            with pytest.raises(Exception, match=words):
                j.edit(first, wrong)
        with pytest.raises(Exception, match="no entry has the id 999"):
            j.edit(999, Ratings(pain=1))
        assert j.entry(first) == now  # a refused edit changed nothing


HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3", "\tindented", "\r=1+1"]


def test_exported_cells_that_would_start_a_formula_are_plain_text(tmp_path):
    with Journal() as j:
        for note in HOSTILE:
            j.add(Ratings(pain=1, note=note))
    out = tmp_path / "care-team.csv"
    assert run_main("journal", "export", "--csv", str(out)).returncode == 0
    with out.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["note"] for r in rows] == ["'" + n for n in HOSTILE]  # OWASP: a leading apostrophe
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r.values())
    assert [r["pain"] for r in rows] == ["1"] * len(HOSTILE)  # numbers stay numbers


def test_show_escapes_a_notes_control_characters_and_gives_each_entrys_id():
    with Journal() as j:
        first = j.add(Ratings(pain=2, note="calm"))
        second = j.add(Ratings(anxiety=3, note="line one\n2026-01-01 00:00  alone  9 9 9 9 9  fake\x1b]0;title\x07"))
    table = run_main("journal", "show").stdout
    lines = table.splitlines()
    assert len(lines) == 4  # whose journal, a header and two rows: no row faked by a line break
    assert lines[0] == "Listener's journal"
    lines = lines[1:]
    assert "\x1b" not in table and "\x07" not in table
    assert "line one\\n2026-01-01" in table and "\\x1b]0;title\\x07" in table
    assert lines[1].split()[0] == str(second) and lines[2].split()[0] == str(first)


def test_read_commands_never_create_the_journal(tmp_path):
    for args in (["show"], ["show", "--json"], ["export", "--csv", str(tmp_path / "x.csv")], ["forget", "--all"]):
        result = run_main("journal", *args)
        assert result.returncode == 0, result.stderr
    assert not journal_path().exists() and not journal_path().parent.exists()
    assert not (data_home() / "companion").exists()  # not even the list of people


@pytest.mark.parametrize("wrong", ["99", "0", "-1", "99999999999999999999999"])
def test_forgetting_an_entry_that_is_not_there_is_refused(wrong):
    with Journal() as j:
        j.add(Ratings(pain=1))
    result = run_main("journal", "forget", "--id", wrong, "--yes")
    assert result.returncode == 2 and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert len(Journal(read_only=True).entries()) == 1


def test_every_folder_and_file_in_the_data_folder_is_the_owners_whatever_comes_first():
    from companion.paths import data_dir, private_folder

    private_folder(data_dir() / "voices" / "gran")  # as a voice import does, before any journal
    for path in (data_dir(), data_dir() / "voices", data_dir() / "voices" / "gran"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700, path
    with Journal() as j:
        j.add(Ratings(pain=1))
    for path in data_dir().iterdir():
        assert stat.S_IMODE(path.stat().st_mode) in (0o600, 0o700), path


@pytest.mark.parametrize("minutes", ["0", "-3", "1000", "1.9"])
def test_a_dry_run_refuses_what_the_real_run_refuses(minutes):
    """--dry-run checks the choice as the real run does: it said "Settling, -3 minutes"."""
    said = run_main("today", "--dry-run", "--energy-score", "2", f"--minutes={minutes}")
    assert said.returncode == 2 and not said.stdout, said.stdout
    assert said.stderr == f"Error: a session lasts 2 to 180 minutes, not {minutes} (--minutes)\n"


def test_a_dry_run_says_the_length_the_words_need_as_the_real_run_would():
    said = run_main("today", "--dry-run", "--energy-score", "5", "--minutes", "2")
    assert said.returncode == 0, said.stderr
    assert said.stdout.splitlines() == [
        "Some energy: Body scan, 2 minutes",
        "The words need 3 minutes; it would be 3 minutes long.",
    ]
    printed = json.loads(run_main("today", "--dry-run", "--json", "--energy-score", "5", "--minutes", "2").stdout)
    assert printed["minutes"] == 3.0 and printed["answers"]["minutes"] == 2.0


def test_a_journal_of_schema_two_gains_the_tapped_breath_in_place(monkeypatch, tmp_path):
    """Issue 36: schema 2 (the voice column) -> 3 (breaths a minute by tapping, beside the
    ratings), every row kept; a rate kept, read back, exported; an impossible one refused."""
    path = journal_path(made=True)
    with monkeypatch.context() as old:
        old.setattr(journal_module, "MIGRATIONS", journal_module.MIGRATIONS[:2])
        old.setattr(journal_module, "SCHEMA_VERSION", 2)
        Journal().close()
    with contextlib.closing(sqlite3.connect(path)) as db, db:  # as that release wrote it
        db.execute("INSERT INTO ratings (at, moment, pain) VALUES ('2026-12-01T10:00:00+00:00', 'alone', 3)")
    assert user_version(path) == 2
    with Journal() as j:
        (kept,) = j.entries()
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6.0), Ratings(breath_rate=22.04))
        j.add(Ratings(anxiety=2, breath_rate=18), "after", sid)
        j.add(Ratings(breath_rate=16.0))  # a rate alone is an entry
        with pytest.raises(Exception) as refused:
            j.add(Ratings(breath_rate=80.0))
        assert getattr(refused.value, "field", None) == "breath_rate"
        entries = j.entries()
    assert user_version(path) == SCHEMA_VERSION == 3
    assert (kept.ratings.pain, kept.ratings.breath_rate) == (3, None)
    assert [e.ratings.breath_rate for e in reversed(entries)] == [None, 22.0, 18.0, 16.0]
    assert entries[1].to_json()["breath_rate"] == 18.0
    out = tmp_path / "journal.csv"
    with Journal() as j:
        from companion.journal.export import export_csv

        export_csv(j, out)
    with out.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["breaths_a_minute_by_tapping"] for r in rows] == ["", "22.0", "18.0", "16.0"]
    from companion.pictures.markup import journal_chart

    with Journal() as j:
        chart = journal_chart(j.entries())
    assert "Breaths a minute, by tapping:</strong> 22 before a session" in chart
    assert '<th scope="col">Breaths a minute, by tapping</th>' in chart


def test_the_journal_table_lines_up_under_its_heading():
    assert run_main("journal", "add", "--pain", "3", "--taps", "0,4,8,12").returncode == 0
    lines = run_main("journal", "show").stdout.splitlines()
    heading, row = lines[1], lines[2]
    assert heading.index("when") == row.index(row.split()[1])  # the date under 'when', one-digit id or not
    for column, value in (("pain", "3"), ("tapped", "15")):
        end = heading.index(column) + len(column)
        assert row[end - len(value) : end] == value  # right-aligned under its heading
