"""A session's blocks in playing order while its voice is made (the app's page stream): the
very samples of the whole plan, the first line made first, each block begun only once the
phrases made so far settle it."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Sequence

import numpy as np

from companion.live.ahead import blocks_in_order, playing_order
from companion.options import SessionOptions
from companion.plan.layout import build_plan, settled_so_far
from companion.plan.profile import SPEAKING_PACE
from companion.session import make_session
from companion.voice.narrator import Progress
from tests.fast.fake_voice import FakeNarrator


class SlowNarrator(FakeNarrator):
    """A voice still to be made: each batch waits until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Semaphore(0)
        self.batches: list[list[str]] = []

    def ready(self, texts: Sequence[str], length_scale: float) -> bool:
        return False

    def clip_lengths(
        self, texts: Sequence[str], length_scale: float, progress: Progress | None = None
    ) -> dict[str, tuple[str, int]]:
        if not threading.current_thread().name.startswith("companion-voice"):
            return super().clip_lengths(texts, length_scale, progress)  # the whole plan, once all are made
        self.go.acquire(timeout=5)
        self.batches.append(list(texts))
        return super().clip_lengths(texts, length_scale, progress)


def test_the_blocks_made_in_playing_order_are_the_whole_plans_samples():
    options = SessionOptions(energy="medium", minutes=6, seed=3)
    voice = SlowNarrator()
    session = make_session(options, narrator=voice, wait_for_voice=False)
    assert session.voice_pending
    placed: list[int] = []
    made: list[tuple[int, int]] = []  # (blocks handed out, batches made) each time a block goes
    out: list[np.ndarray] = []

    def waiting() -> None:
        voice.go.release()  # one more batch each time a block waits for the voice

    for block in blocks_in_order(
        session, 8192, pcm16=True, placed=lambda p: placed.append(len(p.narration)), waiting=waiting
    ):
        made.append((len(out), len(voice.batches)))
        out.append(block)
    assert voice.batches == playing_order(session)  # the first line alone, first
    assert not session.voice_pending and placed[-1] == len(session.plan.narration) > placed[0] > 0
    assert made[0][1] >= 1 and made[-1][1] == len(voice.batches)  # the first block waited for the first line
    assert any(batches < len(voice.batches) for _, batches in made)  # blocks went before the voice was all made
    whole = np.concatenate(list(session.blocks(8192, pcm16=True)))
    assert np.array_equal(np.concatenate(out), whole)


def test_what_is_settled_never_moves_when_the_rest_of_the_voice_arrives():
    session = make_session(SessionOptions(energy="low", minutes=6), narrator=FakeNarrator())
    voice = FakeNarrator()
    everything = voice.clip_lengths(session.phrases, SPEAKING_PACE)
    whole = build_plan(session.profile, session.script, voice)
    known: dict[str, tuple[str, int]] = {}
    for batch in playing_order(session):
        known.update(voice.clip_lengths(batch, SPEAKING_PACE))
        sofar, until = settled_so_far(session.profile, session.script, known)
        assert sofar.narration == whole.narration[: len(sofar.narration)]
        assert all(e.start >= until for e in whole.narration[len(sofar.narration) :])
    assert len(known) == len(dict.fromkeys(everything))


def test_a_renderer_is_freed_once_dropped_and_a_later_plan_shares_its_bed():
    """The stream makes a renderer for each plan with more lines placed: they share one tone
    and bed (tens of MB, made once), and each is freed the moment it is dropped, with no
    reference cycle left for a later full garbage collection (the app's memory stays flat)."""
    session = make_session(SessionOptions(energy="low", minutes=4), narrator=FakeNarrator())
    renderer = session.renderer()
    later = renderer.for_plan(session.plan)
    assert later.accompaniment is renderer.accompaniment
    assert np.array_equal(later.quantum(1), renderer.quantum(1))
    gone: list[weakref.ref[object]] = [weakref.ref(renderer), weakref.ref(later), weakref.ref(renderer.accompaniment)]
    gc.collect()
    gc.disable()
    try:
        del renderer, later
        assert [ref() for ref in gone] == [None, None, None]
    finally:
        gc.enable()
