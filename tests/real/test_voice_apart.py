"""The Piper voice made in a process of its own (live/apart.py, the app's way): the same clips
as made at home, a stop answered at once, and the process gone once unused. Real processes,
the real voice, empty caches."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from companion.cache import ClipCache
from companion.errors import VoiceError
from companion.live.apart import VoiceProcess
from companion.plan.profile import SAMPLE_RATE, SPEAKING_PACE
from companion.voice.models import resolve_voice
from companion.voice.piper_voice import PiperNarrator, synthesise_apart

PHRASES = ["Let your shoulders soften.", "Rest here.", "Breathe out slowly, all the way."]


def _narrator(root) -> PiperNarrator:
    return PiperNarrator(resolve_voice(None), SAMPLE_RATE, ClipCache(root))


def _ends(pid: int | None) -> bool:
    """The process ends within a few seconds (gone, or ended and not yet reaped)."""
    assert pid is not None
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                return True
        except (FileNotFoundError, ProcessLookupError):  # reaped (even between open and read)
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def apart():
    process = VoiceProcess(idle_s=1.0)
    synthesise_apart(process)
    try:
        yield process
    finally:
        synthesise_apart(None)
        process.close()


@pytest.mark.slow("the voice loaded in two processes, from empty caches")
def test_phrases_made_apart_are_the_ones_made_at_home(apart, tmp_path):
    there = _narrator(tmp_path / "apart")
    apart.warm(there.cache)  # the model loaded and the default bed made, before anything is asked
    made = there.clip_lengths(PHRASES, SPEAKING_PACE)
    assert there.synthesised == len(PHRASES)
    assert apart.running and apart.pid() not in (None, os.getpid())
    synthesise_apart(None)
    here = _narrator(tmp_path / "home")
    assert here.clip_lengths(PHRASES, SPEAKING_PACE) == made
    for key, _ in made.values():
        assert np.array_equal(there.clip(key), here.clip(key))  # sample for sample
    assert list((tmp_path / "apart").glob("*/*.npy"))  # the bed and the clips, in the cache


@pytest.mark.slow("two voice processes started, from an empty cache")
def test_a_stop_fails_the_call_waiting_and_the_next_call_starts_another(apart, tmp_path):
    narrator = _narrator(tmp_path)
    failed: list[BaseException] = []

    def making() -> None:
        try:
            narrator.clip_lengths([f"{p} {n}" for n in range(3) for p in PHRASES], SPEAKING_PACE)
        except BaseException as exc:
            failed.append(exc)

    thread = threading.Thread(target=making)
    thread.start()
    deadline = time.monotonic() + 30
    while not (narrator._asked_apart and apart.running) and time.monotonic() < deadline:
        time.sleep(0.005)
    first = apart.pid()  # it has started: it is still loading, or making the first phrases
    narrator.stop()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert [type(e) for e in failed] == [VoiceError]
    assert not apart.running
    assert _ends(first)  # not left making phrases nobody hears
    assert narrator.clip_lengths(PHRASES[:1], SPEAKING_PACE)  # another process makes the next
    assert apart.pid() != first


@pytest.mark.slow("a voice process started from an empty cache, then left unused")
def test_an_unused_voice_process_ends(apart, tmp_path):
    narrator = _narrator(tmp_path)
    narrator.clip_lengths(PHRASES[1:2], SPEAKING_PACE)
    pid = apart.pid()
    deadline = time.monotonic() + 20
    while apart.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not apart.running
    assert _ends(pid)  # its memory goes with it
