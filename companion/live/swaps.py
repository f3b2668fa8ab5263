"""A session's samples from a plan that may be replaced while it plays, with a crossfade
(the voice arriving late, five more minutes): the listener never hears a seam."""

from __future__ import annotations

import numpy as np

from companion.dsp.shapes import raised_cosine
from companion.plan.model import SessionPlan
from companion.session import Session
from companion.sound.renderer import QUANTUM, SessionRenderer

SWITCH_FADE_S = 3.0  # crossfade when the plan changes under the playhead (extend, voice ready)


class LiveSession:
    """Session samples from a plan that may be replaced while playing, with a crossfade."""

    def __init__(self, session: Session):
        self.session = session
        self.plan = session.plan
        self.renderer = session.renderer()
        self.pos = 0
        self._quanta: dict[tuple[int, int], np.ndarray] = {}
        self._generation = 0  # tells the renderers' quanta apart in the little cache
        self._old: tuple[SessionRenderer, int] | None = None
        self._fade_start = 0
        self._fade_len = 1

    @property
    def total(self) -> int:
        return self.plan.total_samples

    def replace(self, plan: SessionPlan, fade_s: float = SWITCH_FADE_S) -> None:
        self._old, self._fade_start = (self.renderer, self._generation), self.pos
        self._fade_len = max(int(fade_s * plan.sample_rate), 1)
        self.plan, self.renderer = plan, self.session.renderer(plan)
        self._generation += 1

    def read(self, n: int) -> np.ndarray:
        """The next n frames, (n, channels) (zeros past the end); advances the position."""
        out = self._samples(self.renderer, self._generation, self.pos, n)
        if self._old is not None:
            done = self.pos - self._fade_start
            if done >= self._fade_len:
                self._old = None
            else:
                x = (done + np.arange(n)) / self._fade_len
                w = raised_cosine(x).astype(np.float32)[:, None]
                old = self._samples(*self._old, self.pos, n)
                out = old + (out - old) * w
        self.pos += n
        return out

    def _samples(self, renderer: SessionRenderer, generation: int, start: int, n: int) -> np.ndarray:
        out = np.zeros((n, self.plan.profile.channels), np.float32)
        stop = min(start + n, renderer.total)
        at = start
        while at < stop:
            k = at // QUANTUM
            key = (generation, k)
            if key not in self._quanta:
                if len(self._quanta) > 4:
                    self._quanta.pop(next(iter(self._quanta)))
                self._quanta[key] = renderer.quantum(k)
            q = self._quanta[key]
            a = at - k * QUANTUM
            take = min(len(q) - a, stop - at)
            out[at - start : at - start + take] = q[a : a + take]
            at += take
        return out
