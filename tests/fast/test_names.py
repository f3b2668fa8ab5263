"""Names a person reads (issue 30): one name per session, clean file names on every file
system, and counts in words ("1 day", never "all 1 days")."""

from __future__ import annotations

import re

from hypothesis import example, given
from hypothesis import strategies as st

from companion.pack.make import choose_tracks
from companion.pack.model import MAX_FILE_NAME, WINDOWS_DEVICES, PackOptions, file_safe
from companion.plan.catalogue import builtin_scripts
from companion.plan.checkin import KINDS
from companion.timefmt import counted, days_with_entries

STRAY = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f]|\w-\s|\s-\w|^[ .-]|[ .-]$|\s\s")  # "Massage- welcome", "a -b"


def _clean(name: str) -> bool:
    return bool(name) and not STRAY.search(name) and name.split(".")[0].upper() not in WINDOWS_DEVICES


def test_every_session_has_one_name():
    for script in builtin_scripts():
        assert script.short == script.title, script.name  # the card, the file and the player say the same
    titles = {s.name: s.title for s in builtin_scripts()}
    assert KINDS["breathing"] == titles["breathlessness"] == "Breathing easy"
    assert KINDS["sleep"] != titles["sleep"]  # a kind of session, not a session's name: "Sleep"


def test_every_file_name_made_is_clean():
    for script in builtin_scripts():
        assert _clean(file_safe(script.title, "session")), script.title
    assert file_safe("Massage: welcome and closing") == "Massage - welcome and closing"
    every = choose_tracks(PackOptions(massage=True, caregiver=True))
    for track in every:
        assert _clean(track.file.removesuffix(".mp3")), track.file
    assert "08 Massage - welcome and closing - 60 min.mp3" in [t.file for t in every]  # its group said once


@given(st.text(max_size=300))
@example("Mum's rest: evenings / nights")
@example("CON")
@example("welcome- and -closing")
@example("a -- b - -c")
@example("nul.txt")
@example("...")
@example('"What?" <b>now</b>')
@example("é" * 200)
def test_any_pack_name_becomes_a_clean_file_name(text):
    name = file_safe(text)
    assert _clean(name), (text, name)
    assert len(name.encode("utf-8")) <= MAX_FILE_NAME
    assert file_safe(name) == name  # made once: the same again


def test_counts_in_words():
    assert counted(1, "day") == "1 day" and counted(0, "day") == "0 days" and counted(2, "take") == "2 takes"
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"
    assert days_with_entries(1, 1) == "1 day"
    assert days_with_entries(3, 3) == "all 3 days"
    assert days_with_entries(14, 40) == "the last 14 of 40 days"
