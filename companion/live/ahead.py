"""A session's sound in playing order while its voice is still being made: the same samples
`render` writes, from the first block on, with no wait for the whole voice.

The voice makes its phrases in the order they are heard (the first line first, then a few
at a time, as live play does). Each block is rendered as soon as the phrases made so far
settle every sound in it: the lines it holds are fixed in place whatever length the phrases
still to make turn out, and nothing later reaches back into it (the bed fades out before words,
a chime is levelled against the words near it, the limiter looks a little either side). So
a file written from these blocks, or a page that plays it as it grows, is `render`'s file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from companion.plan.layout import settled_so_far
from companion.plan.model import SessionPlan
from companion.plan.profile import SPEAKING_PACE
from companion.plan.scripts import Entry
from companion.session import Session
from companion.sound.layers.chime import CUE_LOOK_AHEAD_S
from companion.sound.layers.narration import QUIET_BEFORE_S, RETURN_AFTER_S
from companion.sound.renderer import BEFORE_WORDS_S, LEAD_IN_S, PCM16_SCALE, QUANTUM, SessionRenderer

IN_ORDER_BATCH = 4  # phrases made at a time after the first line (each batch on every core)
# how far before a new line its sound may begin: the tone and bed fade out ahead of its words,
# and 0.5 s more for the control grid and the limiter's look
REACH_BACK_S = BEFORE_WORDS_S + 0.5
WAIT_S = 0.05


def playing_order(session: Session) -> list[list[str]]:
    """The session's phrases in batches, in the order they are heard: the first line alone."""
    energy = session.profile.energy.value
    first = next((i.phrases for i in session.script.items_for(energy) if isinstance(i, Entry)), ())
    rest = [p for p in dict.fromkeys(session.phrases) if p not in first]
    return [list(first)] + [rest[k : k + IN_ORDER_BATCH] for k in range(0, len(rest), IN_ORDER_BATCH)]


def blocks_in_order(
    session: Session,
    blocksize: int = 4096,
    pcm16: bool = False,
    *,
    placed: Callable[[SessionPlan], None] | None = None,
    waiting: Callable[[], None] | None = None,
) -> Iterator[np.ndarray]:
    """The session's blocks as `Session.blocks` gives them once the voice is made, but begun
    at once: a session whose voice is pending (make_session with wait_for_voice False) has
    it made here, in playing order, and ends with its whole plan (`session.plan`).
    `placed(plan)` hears each plan with more lines in place (for captions as they become
    known; the last is the whole plan); `waiting()` is called every few hundredths of a
    second while a block waits for the voice (it may raise, to stop)."""
    if not session.voice_pending:
        if placed is not None:
            placed(session.plan)
        yield from session.blocks(blocksize, pcm16)
        return
    maker = _InOrderVoice(session)
    try:
        yield from _rebuffered(_quanta(session, maker, pcm16, placed, waiting), blocksize)
    finally:
        maker.stop()


class _InOrderVoice:
    """The voice's phrases made on a thread of their own, in playing order."""

    def __init__(self, session: Session):
        self.session = session
        self.made: dict[str, tuple[str, int]] = {}
        self.lock = threading.Lock()
        self.more = threading.Event()
        self.stopped = threading.Event()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="companion-voice")
        self.future: Future[None] = self.pool.submit(self._make)

    def _make(self) -> None:
        narrator = self.session.narrator
        assert narrator is not None  # a pending voice has a narrator
        try:
            for batch in playing_order(self.session):
                if self.stopped.is_set():
                    return
                if batch:
                    lengths = narrator.clip_lengths(batch, SPEAKING_PACE)
                    with self.lock:
                        self.made.update(lengths)
                self.more.set()
        finally:
            self.more.set()

    def so_far(self) -> dict[str, tuple[str, int]]:
        self.more.clear()
        with self.lock:
            return dict(self.made)

    def stop(self) -> None:
        """No batch begun after this; the phrase under way ends at the model's next step."""
        self.stopped.set()
        halt = getattr(self.session.narrator, "stop", None)  # optional in the Narrator protocol
        if halt is not None and not self.future.done():
            halt()
        self.pool.shutdown(wait=False, cancel_futures=True)


def _quanta(
    session: Session,
    maker: _InOrderVoice,
    pcm16: bool,
    placed: Callable[[SessionPlan], None] | None,
    waiting: Callable[[], None] | None,
) -> Iterator[np.ndarray]:
    """Each quantum from a plan that already settles it: the lines placed so far, then the whole plan."""
    sr, total = session.profile.sample_rate, session.plan.total_samples
    scale = PCM16_SCALE if pcm16 else 1.0
    plan, settled = session.plan, 0
    renderer = SessionRenderer(plan, session.voice_clip(), session.cache, scale)  # the bed, made while the voice starts
    for index in range(-(-total // QUANTUM)):
        end = min((index + 1) * QUANTUM, total)
        while settled < end:
            if maker.future.done():
                maker.future.result()  # a voice error is raised here
                session.finish_voice()  # every phrase is made: the whole plan, as render plans it
                plan, settled = session.plan, total
            else:
                sofar, until = settled_so_far(session.profile, session.script, maker.so_far())
                near = [c.at for c in sofar.cues if _levelled_near(c.at, until, sr)]
                settled = max(settled, min([_untouched_before(sofar, until, sr), *near]))
                if len(sofar.narration) > len(plan.narration) or plan is session.plan:
                    plan = sofar
            if renderer.plan is not plan:
                renderer = renderer.for_plan(plan)  # the bed made once
                if placed is not None and plan.narration:
                    placed(plan)
            if settled < end:
                if waiting is not None:
                    waiting()
                maker.more.wait(WAIT_S)
        yield renderer.quantum(index, pcm16)


def _untouched_before(sofar: SessionPlan, until: int, sr: int) -> int:
    """The sound before this sample stays as it is whatever lines come at `until` or later:
    the bed fades out within REACH_BACK_S before any line, and rises over the lead-in (and the quiet it
    is measured over) before one that returns after a long quiet, which comes no sooner than
    RETURN_AFTER_S after the last line placed."""
    last_end = sofar.narration[-1].end if sofar.narration else 0
    back = int(REACH_BACK_S * sr)
    returning = max(until, last_end + int(RETURN_AFTER_S * sr))
    return min(until - back, returning - int((QUIET_BEFORE_S[0] + LEAD_IN_S) * sr) - back)


def _levelled_near(at: int, until: int, sr: int) -> bool:
    """A cue whose level may still change: a line not yet placed may begin near it."""
    return at + int((CUE_LOOK_AHEAD_S + 1) * sr) >= until


def _rebuffered(quanta: Iterator[np.ndarray], blocksize: int) -> Iterator[np.ndarray]:
    """Quanta cut into blocks of `blocksize` (the last may be shorter), as Session.blocks cuts them."""
    pending = np.zeros((0, 0), np.float32)
    for chunk in quanta:
        pending = chunk if pending.size == 0 else np.concatenate([pending, chunk])
        cut = (len(pending) // blocksize) * blocksize
        for a in range(0, cut, blocksize):
            yield pending[a : a + blocksize]
        pending = pending[cut:]
    if len(pending):
        yield pending
