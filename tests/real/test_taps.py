"""Tapping along on a real terminal: the space bar once a breath, under a pseudo-terminal."""

from __future__ import annotations

import json
import os
import time

import pytest

from companion.journal.store import Journal
from tests.helpers import spawn_in_pty
from tests.real.test_journal import Screen

PACE_S = 2.0  # 30 breaths a minute: a breathless person's pace, and a short test


def tap(master: int, n: int, every_s: float = PACE_S) -> float:
    """n presses of the space bar, `every_s` apart; the time of the last."""
    last = time.monotonic()
    for i in range(n):
        if i:
            time.sleep(max(0.0, last + every_s - time.monotonic()))
        last = time.monotonic()
        os.write(master, b" ")
    return last


def test_a_plan_tapped_on_the_space_bar_starts_at_that_pace_and_in_step():
    child, master = spawn_in_pty("plan", "--energy", "medium", "--minutes", "3", "--no-narration", "--tap", "--json")
    screen = Screen(master)
    screen.wait(b"Enter when done")
    tap(master, 5)
    os.write(master, b"\r")
    said = screen.wait(b"in step.")
    assert b"Tapped: about 30 breaths a minute" in said
    screen.wait(b'"dropped_optional_lines"')
    assert child.wait(timeout=60) == 0
    text = screen.seen.decode()
    plan = json.loads(text[text.index("{") : text.rindex("}") + 1])
    assert abs(plan["breath_rate"]["start"] - 30) < 1.5
    breaths = plan["breaths"]
    first_rise = plan["first_breath_in_s"]
    assert 0 <= first_rise < 2.2  # the next breath in, within one breath of the start
    assert breaths[0]["start_s"] <= 0 and abs(breaths[1]["start_s"] - first_rise) < 1e-6
    assert all(abs(b["inhale_s"] + b["exhale_s"] - 60 / plan["breath_rate"]["start"]) < 1e-6 for b in breaths[1:10])


def test_taps_that_wander_are_asked_for_again_and_esc_skips():
    child, master = spawn_in_pty("plan", "--energy", "low", "--minutes", "3", "--no-narration", "--tap", "--json")
    screen = Screen(master)
    screen.wait(b"Enter when done")
    os.write(master, b" ")
    for gap in (1.4, 3.4, 1.4, 3.4):  # no one pace in these
        time.sleep(gap)
        os.write(master, b" ")
    os.write(master, b"\r")
    said = screen.wait(b"steadily")
    assert b"Please tap again" in said
    os.write(master, b"\x1b")
    screen.wait(b"usual pace")
    screen.wait(b'"dropped_optional_lines"')
    assert child.wait(timeout=60) == 0
    text = screen.seen.decode()
    plan = json.loads(text[text.index("{") : text.rindex("}") + 1])
    assert plan["breath_rate"]["start"] == 14 and plan["first_breath_in_s"] == 0  # the low-energy default


@pytest.mark.slow("twelve taps, two seconds apart, as a person taps along, and a session played between")
def test_play_tapped_on_the_space_bar_keeps_the_breath_before_and_after():
    """The null sound device takes the session faster than it plays, so it simply finishes.
    The rate tapped before goes in the journal beside the ratings without being asked again;
    after the session it may be tapped once more."""
    child, master = spawn_in_pty("play", "--energy", "low", "--minutes", "2", "--no-narration", "--tap", "--ask")
    screen = Screen(master)
    screen.wait(b"Enter when done")
    tap(master, 8)  # eight taps: taken at once, no Enter needed
    assert b"Tapped: about 30 breaths a minute" in screen.wait(b"in step.")
    screen.wait(b"Pain?")
    os.write(master, b"\x1b")  # no ratings before: the rate is kept all the same
    screen.wait(b"How do you feel now", timeout=90)
    screen.wait(b"Pain?")
    os.write(master, b"2\x1b")
    screen.wait(b"Your breath now")
    screen.wait(b"Enter when done")
    tap(master, 4, every_s=2.4)  # 25 a minute
    os.write(master, b"\r")
    screen.wait(b"Kept in Listener's journal")
    assert child.wait(timeout=30) == 0
    entries = Journal().entries()
    assert [(e.moment, e.ratings.pain) for e in entries] == [("after", 2), ("before", None)]
    after, before = (e.ratings.breath_rate for e in entries)
    assert before is not None and abs(before - 30) < 1.5
    assert after is not None and abs(after - 25) < 1.5
    assert entries[0].session_id == entries[1].session_id
