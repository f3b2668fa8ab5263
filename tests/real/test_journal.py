"""The check-in and the comfort journal: a real SQLite file, real processes, a real terminal."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from companion.journal.entries import Ratings
from companion.journal.store import Journal
from tests.helpers import mounted_tmpfs, run_cli, spawn_in_pty


def data_home() -> Path:
    return Path(os.environ["XDG_DATA_HOME"])


def journal_path() -> Path:
    """The default person's journal (where it would be, before anything is written)."""
    from companion.people.store import People

    return People(data_home() / "companion").default(made=False).journal_path


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


WRITER = """
import sys
from companion.journal.entries import Ratings
from companion.journal.store import Journal
n = int(sys.argv[1])
for i in range(n):
    with Journal() as j:
        j.add(Ratings(pain=i % 11, note=f"{sys.argv[2]}-{i}"))
print("done")
"""


def test_several_writers_at_once_lose_nothing():
    Journal().close()  # created first, so the writers race on writes, not on the schema
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, "40", f"w{k}"], stdout=subprocess.DEVNULL) for k in range(4)
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
from companion.journal.entries import Ratings
from companion.journal.store import Journal
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
    child.stdout.close()
    with Journal() as j:
        assert sorted(e.ratings.anxiety or 0 for e in j.entries()) == [0, 1, 2, 3, 4]
        j.add(Ratings(anxiety=5))  # and it takes new writes at once
        assert len(j.entries()) == 6
    with contextlib.closing(sqlite3.connect(journal_path())) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


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
    said = screen.wait(b"Breathing easy, 4 minutes")
    assert b"Low energy and short of breath: Breathing easy, 4 minutes" in said
    assert child.wait(timeout=30) == 0
    child, master = spawn_in_pty("today", "--dry-run", "--goal", "sleep")
    screen = Screen(master)
    screen.wait(b"How much energy")
    os.write(master, b"\x1b")  # Esc: skip the rest
    assert b"No energy level given, for sleep: Drifting towards sleep, 12 minutes" in screen.wait(b"12 minutes")
    assert child.wait(timeout=30) == 0
    assert not journal_path().exists()  # a dry run writes nothing


def test_today_rendered_keeps_the_answers_but_not_as_before_a_session(tmp_path):
    out = tmp_path / "today.wav"
    result = run_cli("today", "--energy-score", "2", "--goal", "rest", "--minutes", "4", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Low energy, to rest: Settling, 4 minutes") and out.exists()
    (entry,) = json.loads(run_cli("journal", "show", "--json").stdout)
    assert entry["moment"] == "alone" and entry["tiredness"] == 8  # energy 2 of 10: nobody heard it yet
    assert "not yet heard" in result.stdout
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
        "voice": None,  # the bundled voice
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


def picture(path, mode: str = "RGB"):
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert(mode))


@pytest.mark.slow("ten commands drawing with matplotlib, one of them rendering 12 minutes to draw")
def test_pictures_of_the_journal_and_of_a_session(tmp_path):
    """Real PNGs: the right size, the same bytes for the same input, other pixels for other data."""
    import numpy as np

    for args in (["--pain", "6", "--wellbeing", "4"], ["--pain", "4", "--anxiety", "2"]):
        assert run_cli("journal", "add", *args).returncode == 0
    first, again = tmp_path / "a.png", tmp_path / "b.png"
    for out in (first, again):
        result = run_cli("journal", "plot", "-o", str(out))
        assert result.returncode == 0, result.stderr
    assert picture(first).shape[:2] == (810, 1170)
    assert first.read_bytes() == again.read_bytes()
    assert run_cli("journal", "add", "--pain", "9").returncode == 0
    changed = tmp_path / "c.png"
    assert run_cli("journal", "plot", "-o", str(changed)).returncode == 0
    assert not np.array_equal(picture(first), picture(changed))

    plain, heard = tmp_path / "plan.png", tmp_path / "heard.png"
    args = ["plan", "--for", "massage", "--minutes", "12", "--regions", "back:6,legs:6"]
    assert run_cli(*args, "--plot", str(plain)).returncode == 0
    assert run_cli(*args, "--plot", str(heard), "--with-audio").returncode == 0
    (plain_h, plain_w), (heard_h, heard_w) = picture(plain).shape[:2], picture(heard).shape[:2]
    assert plain_w == heard_w == 1170 and heard_h - plain_h == 495  # the loudness below: one more row
    other = tmp_path / "other.png"
    assert (
        run_cli(
            "plan", "--for", "massage", "--minutes", "12", "--regions", "back:4,legs:8", "--plot", str(other)
        ).returncode
        == 0
    )
    a, b = (picture(p, "L").astype(float) for p in (plain, other))
    assert np.abs(a - b).mean() > 0.05  # the region chime moved
    bad = run_cli(*args, "--plot", str(tmp_path / "x.jpg"))
    assert bad.returncode == 2 and "Error: " in bad.stderr and ".png" in bad.stderr
    empty = run_cli("journal", "plot", "-o", str(tmp_path / "e.png"), "--since", "2999-01-01")
    assert empty.returncode == 0 and "no entries to draw" in empty.stdout and not (tmp_path / "e.png").exists()


def _words(fig) -> list[str]:
    from matplotlib.text import Text

    fig.canvas.draw()  # the tick labels are made as it is drawn
    return [t.get_text().replace("\xa0", " ") for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


def test_the_pngs_name_their_days_every_region_and_say_it_plainly(tmp_path):
    """Read back from the drawings' own words: the journal's days on its time axis and its
    moments in words; a massage plan's every region (the first too), its chimes as said
    ("two minutes left"), the energy as the check-in says it, and every spoken line whole."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from companion.journal.entries import Entry, Ratings
    from companion.options import SessionOptions
    from companion.pictures.draw import journal_figure, plan_figure
    from companion.session import make_plan

    entries = [
        Entry(1, "2026-11-30T09:00:00+00:00", "alone", Ratings(pain=6), None, None),
        Entry(2, "2026-12-07T19:05:00+00:00", "before", Ratings(pain=5), 1, None),
        Entry(3, "2026-12-07T19:20:00+00:00", "after", Ratings(pain=3), 1, None),
    ]
    said = _words(journal_figure(plt, entries))
    assert "30 Nov" in said and "7 Dec" in said, said
    assert {"on its own", "before a session", "after a session"} <= set(said)
    assert "How you have felt from 30 Nov to 7 Dec (0 none, 10 the worst)" in said
    plt.close("all")

    plan = make_plan(SessionOptions(mode="massage", minutes=12, regions=(("back", 6), ("legs", 6))))
    said = _words(plan_figure(plt, plan))
    assert " back (0:00)" in said and " legs (6:00)" in said, said
    assert " chime: two minutes left" in said and not any("two-minutes" in t for t in said)
    assert any(t.endswith("12 minutes, some energy") for t in said), said
    for line in plan.narration:
        assert any(" ".join(line.text.split()) in t for t in said), line.text
    plt.close("all")


def test_a_session_picture_is_the_same_for_the_same_plan(tmp_path):
    outs = [tmp_path / f"{k}.png" for k in "ab"]
    for out in outs:
        assert run_cli("plan", "--energy", "low", "--minutes", "5", "--plot", str(out)).returncode == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


def test_today_lengthens_a_session_too_short_for_its_words(tmp_path):
    out = tmp_path / "short.wav"
    result = run_cli("today", "--energy-score", "8", "--minutes", "2", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "The words need 3 minutes; making it 3 minutes long." in result.stdout
    assert result.stdout.count("While you listen") == 1 and "(3.00 min" in result.stdout


@pytest.mark.parametrize(
    "keys, said",
    [
        (b"2n\r2", b"Low energy: Settling, 6 minutes"),
        (b"5nr\r", b"Some energy, to rest: Body scan, 12 minutes"),
        (b"5ns3", b"Some energy, for sleep: Drifting towards sleep, 15 minutes"),
        (b"tnm1", b"Good energy, after a massage: After a massage, 15 minutes"),
        (b"8y\r\r", b"Good energy and short of breath: Breathing easy, 20 minutes"),
        (b"\r\r\r\r", b"No energy level given: Body scan, 12 minutes"),
        (b"0\x1b", b"Low energy: Settling, 6 minutes"),
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
    assert said in screen.wait(b"minutes\r\n")
    assert child.wait(timeout=30) == 0


HOSTILE_NOTES = ['=HYPERLINK("http://example.invalid","click")', "+1+1", "@SUM(2,2)", "-2+3", "=1+1"]


def test_a_spreadsheet_opening_the_export_runs_no_formula(tmp_path):
    """gnumeric, a real spreadsheet, reads the care team's CSV: every note as it was typed."""
    if not shutil.which("ssconvert"):
        pytest.fail("gnumeric is needed: setup/system-packages.sh test installs it")
    with Journal() as j:
        for note in HOSTILE_NOTES:
            j.add(Ratings(pain=1, note=note))
    out = tmp_path / "care-team.csv"
    assert run_cli("journal", "export", "--csv", str(out)).returncode == 0
    seen = tmp_path / "as-the-spreadsheet-sees-it.csv"
    converted = subprocess.run(["ssconvert", str(out), str(seen)], capture_output=True, text=True, timeout=120)
    assert converted.returncode == 0, converted.stderr
    with seen.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["note"] for r in rows] == HOSTILE_NOTES  # text, not a computed value or a link


def test_a_journal_on_a_read_only_disk_is_read_and_refuses_writes_in_one_line(tmp_path):
    with Journal() as j:
        j.add(Ratings(pain=4, note="before the disk went read-only"))
    source = journal_path().parent
    for mount in mounted_tmpfs(tmp_path / "ro", "size=8m,mode=0755"):
        (mount / "companion").mkdir()
        for path in source.iterdir():
            shutil.copy2(path, mount / "companion" / path.name)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        env = {"XDG_DATA_HOME": str(mount)}
        shown = run_cli("journal", "show", "--json", env=env)
        assert shown.returncode == 0, shown.stderr
        assert [e["note"] for e in json.loads(shown.stdout)] == ["before the disk went read-only"]
        added = run_cli("journal", "add", "--pain", "2", env=env)
        assert added.returncode == 1 and added.stderr.startswith("Error: ") and added.stderr.count("\n") == 1
        assert "Traceback" not in added.stderr


def test_sigterm_to_a_journal_command_ends_as_promised():
    """SIGTERM (a terminal window closed) while `journal add` waits for a key, one rating
    typed: it ends at once with status 130 and one line, keeps nothing of what was typed, and
    gives the terminal back as it found it. (On pipes it never asks: it once slept here and
    signalled a command that had already refused, with status 2, and passed.)"""
    child, master = spawn_in_pty("journal", "add")
    screen = Screen(master)
    screen.wait(b"Pain")
    os.write(master, b"3")
    screen.wait(b"Tiredness")  # asking again: one key at a time, without echo
    sent = time.monotonic()
    child.send_signal(signal.SIGTERM)
    assert child.wait(timeout=10) == 130
    took = time.monotonic() - sent
    said = screen.wait(b"nothing was written").decode()
    assert took < 2.0, f"took {took:.1f} s"
    assert said.splitlines()[-1] == "Error: interrupted; nothing was written", said
    assert screen.seen.count(b"Error") == 1 and b"Traceback" not in screen.seen
    assert not journal_path().exists()
    modes = termios.tcgetattr(master)[3]  # a pseudo-terminal's two ends share one set of modes
    assert modes & termios.ECHO and modes & termios.ICANON  # typing shows again, line by line


def _fill(folder: Path) -> Path:
    """Take every free byte of the disk holding `folder`; returns the file that holds them."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as f, contextlib.suppress(OSError):
        while True:
            f.write(b"\0" * 1024)
    return filler


def _one_full_line(result) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: the disk holding the journal") and "is full; free some space" in lines[0]
    assert "I/O" not in lines[0] and "Traceback" not in result.stderr


def test_a_full_disk_while_the_journal_grows_is_said_in_words(tmp_path):
    """The journal's log grows until the small disk is full (SQLite says SQLITE_FULL): the
    library refuses that write in words, for every front end, and keeps the entries before it."""
    from companion.journal.store import JournalError

    for mount in mounted_tmpfs(tmp_path / "small", "size=128k"):
        path = mount / "journal.sqlite3"
        kept = 0
        with Journal(path) as j, pytest.raises(JournalError) as refused:
            for _ in range(1000):
                j.add(Ratings(pain=3, note="n" * 500))
                kept += 1
        assert 1 <= kept < 1000
        assert refused.value.message == (
            f"the disk holding the journal '{path}' is full; free some space, then try again (nothing was changed)"
        )
        with Journal(path, read_only=True) as j:
            assert len(j.entries()) == kept


def test_a_journal_opened_on_a_full_disk_is_said_in_words_and_mends_with_room(tmp_path):
    """Opening needs room for the write-ahead log and its index (SQLite says only "disk I/O
    error" there): still the disk is named as full; nothing left behind trips the next run."""
    with Journal() as j:
        j.add(Ratings(pain=2, note="kept"))
    source = journal_path().parent
    for mount in mounted_tmpfs(tmp_path / "small", "size=256k"):
        from companion.people.store import People

        person = People(mount / "companion").default()  # the people's list made while there was room
        shutil.copy2(source / "journal.sqlite3", person.journal_path)  # closed: no log
        env = {"XDG_DATA_HOME": str(mount)}
        filler = _fill(mount)
        _one_full_line(run_cli("journal", "add", "--pain", "3", env=env))
        filler.unlink()
        assert run_cli("journal", "add", "--pain", "3", env=env).returncode == 0
        shown = run_cli("journal", "show", "--json", env=env)
        assert shown.returncode == 0, shown.stderr
        assert [(e["pain"], e["note"]) for e in json.loads(shown.stdout)] == [(3, None), (2, "kept")]
