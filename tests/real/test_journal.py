"""The check-in and the comfort journal: a real SQLite file, real processes, a real terminal."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import select
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from companion.journal import store as journal_module
from companion.journal.store import SCHEMA_VERSION, Journal, Ratings, SessionRecord
from companion.plan.checkin import Answers, choose
from tests.helpers import run_cli, spawn_in_pty


def data_home() -> Path:
    return Path(os.environ["XDG_DATA_HOME"])


def journal_path() -> Path:
    return data_home() / "companion" / "journal.sqlite3"


class Screen:
    """What a terminal shows, read as it comes; `wait` finds each marker after the last one,
    however the output was split into reads."""

    def __init__(self, master: int):
        self.master, self.seen, self.cursor = master, b"", 0

    def wait(self, marker: bytes, timeout: float = 60) -> bytes:
        """The output from the last marker up to this one; fails (never hangs) if it does not come."""
        end = time.monotonic() + timeout
        while marker not in self.seen[self.cursor :]:
            left = end - time.monotonic()
            if left <= 0 or not select.select([self.master], [], [], left)[0]:
                raise AssertionError(f"no {marker!r} in: {self.seen[self.cursor :].decode(errors='replace')}")
            try:
                self.seen += os.read(self.master, 4096)
            except OSError:
                raise AssertionError(self.seen.decode(errors="replace")) from None
        found = self.seen.index(marker, self.cursor) + len(marker)
        shown, self.cursor = self.seen[self.cursor : found], found
        return shown


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
    path = journal_path()
    path.parent.mkdir(parents=True)
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
    result = run_cli("journal", "show")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and "newer companion" in result.stderr
    assert path.read_bytes() == before  # refused, not changed


def test_a_damaged_file_gets_one_line_and_is_left_alone():
    journal_path().parent.mkdir(parents=True)
    journal_path().write_bytes(b"this is not a database" * 100)
    result = run_cli("journal", "add", "--pain", "2")
    assert result.returncode == 1 and result.stderr.count("\n") == 1
    assert "damaged" in result.stderr and "move it aside" in result.stderr


WRITER = """
import sys
from companion.journal.store import Journal, Ratings
n = int(sys.argv[1])
for i in range(n):
    with Journal() as j:
        j.add(Ratings(pain=i % 11, note=f"{sys.argv[2]}-{i}"))
print("done")
"""


def test_several_writers_at_once_lose_nothing():
    Journal().close()  # created first, so the writers race on writes, not on the schema
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, "40", f"w{k}"], stdout=subprocess.PIPE, text=True)
        for k in range(4)
    ]
    reads = 0
    while any(w.poll() is None for w in writers):  # a reader (a plot being drawn) meanwhile
        with Journal() as j:
            j.entries(limit=50)
        reads += 1
    assert all(w.wait() == 0 for w in writers) and reads > 0
    with Journal() as j:
        notes = {e.ratings.note for e in j.entries()}
    assert notes == {f"w{k}-{i}" for k in range(4) for i in range(40)}
    with contextlib.closing(sqlite3.connect(journal_path())) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


KILLED = """
import sys, time
from companion.journal.store import Journal, Ratings
j = Journal()
for i in range(5):
    j.add(Ratings(anxiety=i))
j._db.execute("BEGIN IMMEDIATE")
j._db.execute("INSERT INTO ratings (at, moment, anxiety) VALUES ('2026-01-01', 'alone', 9)")
print("in the middle", flush=True)
time.sleep(60)
"""


def test_a_writer_killed_mid_transaction_loses_only_what_it_had_not_committed():
    child = subprocess.Popen([sys.executable, "-c", KILLED], stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None and child.stdout.readline().strip() == "in the middle"
    child.send_signal(signal.SIGKILL)
    child.wait()
    with Journal() as j:
        assert sorted(e.ratings.anxiety for e in j.entries()) == [0, 1, 2, 3, 4]
        j.add(Ratings(anxiety=5))  # and it takes new writes at once
        assert len(j.entries()) == 6
    with contextlib.closing(sqlite3.connect(journal_path())) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


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
    result = run_cli("journal", "add", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: ") and words in result.stderr and result.stderr.count("\n") == 1
    assert not journal_path().exists() or Journal().entries() == []


def test_show_export_and_forget_from_the_command_line(tmp_path):
    for args in (["--pain", "3", "--note", "morning, stiff"], ["--tiredness", "7"], ["--wellbeing", "2"]):
        assert run_cli("journal", "add", *args).returncode == 0
    shown = json.loads(run_cli("journal", "show", "--json").stdout)
    assert [e["wellbeing"] for e in shown][:1] == [2] and len(shown) == 3  # latest first
    assert len(json.loads(run_cli("journal", "show", "--json", "--limit", "2").stdout)) == 2
    assert json.loads(run_cli("journal", "show", "--json", "--since", "2999-01-01").stdout) == []
    table = run_cli("journal", "show").stdout
    assert "pain" in table and "morning, stiff" in table
    out = tmp_path / "comfort.csv"
    assert run_cli("journal", "export", "--csv", str(out)).returncode == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["pain"], r["tiredness"], r["wellbeing"], r["note"]) for r in rows] == [
        ("3", "", "", "morning, stiff"),
        ("", "7", "", ""),
        ("", "", "2", ""),
    ]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # health data: the owner's only
    refused = run_cli("journal", "forget", "--all")  # not on a terminal: needs --yes
    assert refused.returncode == 2 and "--yes" in refused.stderr
    first = shown[-1]["id"]
    assert run_cli("journal", "forget", "--id", str(first), "--yes").stdout.startswith("Removed 1 entry")
    assert len(json.loads(run_cli("journal", "show", "--json").stdout)) == 2
    assert run_cli("journal", "forget", "--all", "--yes").returncode == 0
    assert run_cli("journal", "show").stdout.strip() == "The journal is empty."


def test_forget_asks_once_on_a_terminal():
    with Journal() as j:
        j.add(Ratings(pain=1))
    child, master = spawn_in_pty("journal", "forget", "--all")
    screen = Screen(master)
    screen.wait(b"cannot be undone")
    os.write(master, b"n\n")
    assert b"Nothing was removed" in screen.wait(b"removed")
    assert child.wait(timeout=30) == 0
    assert len(Journal().entries()) == 1


@pytest.mark.parametrize(
    "answers, energy, script, minutes, reason",
    [
        (Answers(0), "low", "settling", 6, "Low energy: a 6-minute settling session"),
        (Answers(3, False, "rest"), "low", "settling", 6, "Low energy, to rest: a 6-minute settling session"),
        (Answers(4), "medium", "body-scan", 12, "Some energy: a 12-minute gentle body scan session"),
        (Answers(6, goal="sleep"), "medium", "sleep", 12, "Some energy, for sleep: a 12-minute drifting-to-sleep"),
        (Answers(7), "high", "calm-place", 20, "Good energy: a 20-minute calm place session"),
        (
            Answers(10, goal="after-massage", minutes=15),
            "high",
            "after-massage",
            15,
            "Good energy, after a massage: a 15",
        ),
        (Answers(2, True), "low", "breathlessness", 6, "Low energy and short of breath: a 6-minute breathing-easy"),
        (Answers(9, True, "sleep"), "high", "breathlessness", 20, "Good energy and short of breath: a 20-minute"),
        (Answers(), "medium", "body-scan", 12, "No energy level given: a 12-minute gentle body scan session"),
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
    printed = json.loads(run_cli(*args).stdout)
    assert {k: printed[k] for k in ("energy", "script", "minutes", "reason")} == {
        "energy": energy,
        "script": script,
        "minutes": minutes,
        "reason": choice.reason,
    }


def test_checkin_on_a_terminal_one_key_each_enter_skips():
    child, master = spawn_in_pty("today", "--dry-run")
    screen = Screen(master)
    screen.wait(b"How much energy")
    os.write(master, b"2")
    screen.wait(b"short of breath")
    os.write(master, b"y")
    screen.wait(b"What is this session for")
    os.write(master, b"\r")  # skipped
    screen.wait(b"How long")
    os.write(master, b"1")
    said = screen.wait(b"session")
    assert b"Low energy and short of breath: a 4-minute breathing-easy session" in said
    assert child.wait(timeout=30) == 0
    child, master = spawn_in_pty("today", "--dry-run", "--goal", "sleep")
    screen = Screen(master)
    screen.wait(b"How much energy")
    os.write(master, b"\x1b")  # Esc: skip the rest
    assert b"No energy level given, for sleep: a 12-minute drifting-to-sleep session" in screen.wait(b"session")
    assert child.wait(timeout=30) == 0
    assert not journal_path().exists()  # a dry run writes nothing


def test_today_renders_and_keeps_the_answers_as_the_before_rating(tmp_path):
    out = tmp_path / "today.wav"
    result = run_cli("today", "--energy-score", "2", "--goal", "rest", "--minutes", "4", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Low energy, to rest: a 4-minute settling session") and out.exists()
    (entry,) = json.loads(run_cli("journal", "show", "--json").stdout)
    assert entry["moment"] == "before" and entry["tiredness"] == 8  # energy 2 of 10
    assert entry["session"] == {
        "script": "settling",
        "energy": "low",
        "mode": "relax",
        "minutes_planned": 4.0,
        "minutes_heard": None,
        "ended": "rendered",
        "energy_score": 2,
        "breathless": None,
        "goal": "rest",
    }


def test_play_ask_records_before_and_after_on_a_terminal():
    """The null sound device takes the session faster than it plays, so it simply finishes."""
    child, master = spawn_in_pty("play", "--energy", "low", "--minutes", "2", "--no-narration", "--ask")
    screen = Screen(master)
    screen.wait(b"Pain?")
    os.write(master, b"3")
    screen.wait(b"Tiredness?")
    os.write(master, b"\x1b")  # the rest skipped
    screen.wait(b"How do you feel now")
    screen.wait(b"Pain?")
    os.write(master, b"1\rt\x1b")  # typed quickly: pain 1, tiredness skipped, breathlessness 10, done
    assert child.wait(timeout=60) == 0
    entries = Journal().entries()
    assert [(e.moment, e.ratings.pain, e.ratings.tiredness, e.ratings.breathlessness) for e in entries] == [
        ("after", 1, None, 10),
        ("before", 3, None, None),
    ]
    session = entries[0].session
    assert session is not None and session.ended == "finished" and entries[0].session_id == entries[1].session_id
    assert session.minutes_heard == 2.0 and session.script == "settling"


def test_a_session_in_the_journal_from_the_library(tmp_path):
    with Journal(tmp_path / "j.sqlite3") as j:
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6.0))
        j.add(Ratings(wellbeing=4), "before", sid)
        j.finish_session(sid, 5.5, "finished")
        (entry,) = j.entries()
        assert entry.session is not None and entry.session.minutes_heard == 5.5
        with pytest.raises(Exception, match="taken before, after, alone"):
            j.add(Ratings(pain=1), "during")


def test_pictures_of_the_journal_and_of_a_session(tmp_path):
    """Real PNGs: the right size, the same bytes for the same input, other pixels for other data."""
    import numpy as np
    from PIL import Image

    for args in (["--pain", "6", "--wellbeing", "4"], ["--pain", "4", "--anxiety", "2"]):
        assert run_cli("journal", "add", *args).returncode == 0
    first, again = tmp_path / "a.png", tmp_path / "b.png"
    for out in (first, again):
        result = run_cli("journal", "plot", "-o", str(out))
        assert result.returncode == 0, result.stderr
    assert Image.open(first).size == (1170, 810)
    assert first.read_bytes() == again.read_bytes()
    assert run_cli("journal", "add", "--pain", "9").returncode == 0
    changed = tmp_path / "c.png"
    assert run_cli("journal", "plot", "-o", str(changed)).returncode == 0
    assert not np.array_equal(np.asarray(Image.open(first)), np.asarray(Image.open(changed)))

    plain, heard = tmp_path / "plan.png", tmp_path / "heard.png"
    args = ("plan", "--for", "massage", "--minutes", "12", "--regions", "back:6,legs:6")
    assert run_cli(*args, "--plot", str(plain)).returncode == 0
    assert run_cli(*args, "--plot", str(heard), "--with-audio").returncode == 0
    assert Image.open(plain).size == (1170, 495) and Image.open(heard).size == (1170, 990)
    other = tmp_path / "other.png"
    assert (
        run_cli(
            "plan", "--for", "massage", "--minutes", "12", "--regions", "back:4,legs:8", "--plot", str(other)
        ).returncode
        == 0
    )
    a, b = (np.asarray(Image.open(p).convert("L"), dtype=float) for p in (plain, other))
    assert np.abs(a - b).mean() > 0.05  # the region chime moved
    bad = run_cli(*args, "--plot", str(tmp_path / "x.jpg"))
    assert bad.returncode == 2 and "Error: " in bad.stderr and ".png" in bad.stderr
    empty = run_cli("journal", "plot", "-o", str(tmp_path / "e.png"), "--since", "2999-01-01")
    assert empty.returncode == 0 and "no entries to draw" in empty.stdout and not (tmp_path / "e.png").exists()


def test_a_session_picture_is_the_same_for_the_same_plan(tmp_path):
    outs = [tmp_path / f"{k}.png" for k in "ab"]
    for out in outs:
        assert run_cli("plan", "--energy", "low", "--minutes", "5", "--plot", str(out)).returncode == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_today_lengthens_a_session_too_short_for_its_words(tmp_path):
    out = tmp_path / "short.wav"
    result = run_cli("today", "--energy-score", "1", "--breathless", "--minutes", "2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "The words need 3 minutes; making it 3 minutes long." in result.stdout
    assert result.stdout.count("While you listen") == 1 and "(3.00 min" in result.stdout


@pytest.mark.parametrize(
    "keys, said",
    [
        (b"2n\r2", b"Low energy: a 6-minute settling session"),
        (b"5nr\r", b"Some energy, to rest: a 12-minute gentle body scan session"),
        (b"5ns3", b"Some energy, for sleep: a 15-minute drifting-to-sleep session"),
        (b"tnm1", b"Good energy, after a massage: a 15-minute after-massage session"),
        (b"8y\r\r", b"Good energy and short of breath: a 20-minute breathing-easy session"),
        (b"\r\r\r\r", b"No energy level given: a 12-minute gentle body scan session"),
        (b"0\x1b", b"Low energy: a 6-minute settling session"),
    ],
    ids=["low", "rest", "sleep", "after-massage", "breathless", "all-skipped", "esc"],
)
def test_each_branch_of_the_checkin_on_a_terminal(keys, said):
    """One key per question, as a person types them (x1b: Esc skips the rest)."""
    child, master = spawn_in_pty("today", "--dry-run")
    screen = Screen(master)
    screen.wait(b"How much energy")
    for key in keys:
        os.write(master, bytes([key]))
        time.sleep(0.05)
    assert said in screen.wait(b"session\r\n")
    assert child.wait(timeout=30) == 0
