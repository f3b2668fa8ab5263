"""Issue 36, the smaller parts, for real: the journal's PNG with the breaths a minute tapped
along (its pixels), `journal add --tap` on a pseudo-terminal's space bar, and the sound
card's delay as the stream through the ALSA null device reports it."""

from __future__ import annotations

import os
import re

import numpy as np

from companion.journal.entries import Ratings
from companion.journal.store import Journal
from companion.pictures.draw import TAPPED_COLOUR
from tests.helpers import run_cli, spawn_in_pty
from tests.real.test_journal import Screen, picture
from tests.real.test_taps import tap


def _tapped_pixels(path) -> int:
    """Pixels of exactly the tapped rates' colour (no other mark of the chart has it)."""
    rgb = tuple(int(TAPPED_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    return int(np.all(picture(path) == rgb, axis=-1).sum())


def test_the_journal_png_shows_the_rates_tapped_only_where_there_are_some(tmp_path):
    with Journal() as journal:  # the file `journal plot` reads (the command line keeps rates: fast tests)
        journal.add(Ratings(pain=6, wellbeing=4))
    without, with_rates = tmp_path / "without.png", tmp_path / "with.png"
    assert run_cli("journal", "plot", "-o", str(without)).returncode == 0
    assert _tapped_pixels(without) == 0
    assert picture(without).shape[:2] == (810, 1170)  # no rate: the chart as it was
    with Journal() as journal:
        journal.add(Ratings(breath_rate=20.0))  # a rate on its own
        journal.add(Ratings(pain=3, breath_rate=15.0))
    drawn = run_cli("journal", "plot", "-o", str(with_rates))
    assert drawn.returncode == 0, drawn.stderr
    image = picture(with_rates)
    assert image.shape[:2] == (1072, 1170)  # a row of its own, and the honest note under it
    assert _tapped_pixels(with_rates) > 100  # two marks and the colour of nothing else
    rows = np.nonzero(np.all(image == [int(TAPPED_COLOUR[i : i + 2], 16) for i in (1, 3, 5)], axis=-1))[0]
    assert rows.min() > 810 * 0.75  # in the bottom row, under the ratings


def test_journal_add_tap_on_the_space_bar_keeps_the_rate_alone():
    child, master = spawn_in_pty("journal", "add", "--tap")
    screen = Screen(master)
    assert b"for the journal" in screen.wait(b"Enter when done")
    tap(master, 4)  # 30 a minute
    os.write(master, b"\r")
    said = screen.wait(b"Noted in Listener's journal")
    assert re.search(rb"Tapped: about (29|30|31) breaths a minute\.", said) and b"tone" not in said
    assert b"Pain?" not in screen.seen  # tapping was asked for: nothing else is asked
    assert child.wait(timeout=30) == 0
    (entry,) = Journal(read_only=True).entries()
    assert entry.ratings.pain is None and entry.moment == "alone"
    assert entry.ratings.breath_rate is not None and abs(entry.ratings.breath_rate - 30) < 1.5


def test_journal_add_tap_skipped_with_esc_notes_nothing_and_is_no_error():
    child, master = spawn_in_pty("journal", "add", "--tap")
    screen = Screen(master)
    screen.wait(b"Enter when done")
    os.write(master, b"\x1b")
    said = screen.wait(b"Nothing was noted.")
    assert b"Error" not in said
    assert child.wait(timeout=30) == 0
    assert Journal(read_only=True).entries() == []


def test_the_delay_used_is_the_streams_own_report_through_the_null_device():
    """The sound card's delay that places a tapped breath (at the start and in a live re-time)
    is the delay the PortAudio stream reports (one 4096-frame block on the null device),
    not the guess, and not the device's default; both asked before playing and while playing."""
    import sounddevice as sd

    from companion.options import SessionOptions
    from companion.output.devices import DeviceOutput
    from companion.output.stream import BLOCK, GUESSED_LATENCY_S, Status
    from companion.session import make_plan

    plan = make_plan(SessionOptions(energy="low", minutes=2, narration=False))
    output = DeviceOutput(44100)
    before = output.latency_s(1)
    status = Status(plan)
    output.play(iter([(np.zeros((BLOCK, 1), np.float32), i * BLOCK) for i in range(8)]), status)
    stream = sd.OutputStream(samplerate=44100, channels=1, dtype="float32", blocksize=BLOCK)
    reported = stream.latency
    stream.close()
    assert status.latency_s == before == reported  # the stream's own report, before and while playing
    assert reported != GUESSED_LATENCY_S
    assert reported != sd.query_devices(output.device, "output")["default_high_output_latency"]
    assert status.position == 7 * BLOCK and status.position_at is not None


def test_a_dry_run_on_a_terminal_asks_for_no_taps():
    """`today --dry-run --tap` on a terminal: the check-in's answers given, it says in one line
    that a dry run asks for no taps and ends, without waiting for the space bar."""
    child, master = spawn_in_pty(
        "today", "--dry-run", "--tap", "--energy-score", "3", "--no-breathless", "--goal", "rest", "--minutes", "6"
    )
    screen = Screen(master)
    screen.wait(b"A dry run asks for no taps", timeout=30)
    screen.wait(b"Low energy")
    assert child.wait(timeout=30) == 0
    assert b"Enter when done" not in screen.seen
