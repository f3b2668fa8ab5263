"""Smooth gain curves, evaluated at any times: breath swell, session fades, ducking."""

from __future__ import annotations

import numpy as np

from companion.dsp.shapes import raised_cosine
from companion.plan.breathing import BreathCycle


class BreathEnvelope:
    """0 at the start of each in-breath, rising as a raised cosine to 1 at the turn,
    falling back to 0 across the out-breath."""

    def __init__(self, cycles: list[BreathCycle]):
        # Breath phase u is piecewise linear in time: 2k at the start of breath k, 2k + 1 at
        # its turn. Then 0.5 - 0.5 cos(pi u) rises to 1 at every turn and falls back to 0.
        knots = [x for c in cycles for x in (c.start_s, c.turn_s)] + [cycles[-1].end_s]
        self.knots_t = np.array(knots)
        self.knots_u = np.arange(len(knots), dtype=np.float64)

    def phase(self, t: np.ndarray) -> np.ndarray:
        """Breath phase: an even whole number at each in-breath's start, odd at each turn."""
        return np.asarray(np.interp(t, self.knots_t, self.knots_u))

    def __call__(self, t: np.ndarray) -> np.ndarray:
        return 0.5 - 0.5 * np.cos(np.pi * self.phase(t))


class SessionFade:
    """A quiet start and a long, soft end that finishes in digital silence."""

    def __init__(self, duration_s: float, fade_in_s: float, fade_out_s: float, tail_silence_s: float):
        self.fade_in = fade_in_s
        self.out_end = duration_s - tail_silence_s
        self.out_start = self.out_end - fade_out_s

    def is_open(self, t0: float, t1: float) -> bool:
        """True when [t0, t1] lies between the fades (gain exactly 1)."""
        return t0 >= self.fade_in and t1 <= self.out_start

    def __call__(self, t: np.ndarray) -> np.ndarray:
        up = raised_cosine(t / self.fade_in)
        down = 1.0 - raised_cosine((t - self.out_start) / (self.out_end - self.out_start))
        return up * down


class Ducker:
    """Takes the tone and bed away while the voice speaks: they fade out over `attack_s`,
    are silent from `clear_s` before each span's words to `clear_s` after them, and come back
    over `release_s`, in raised-cosine ramps of gain."""

    def __init__(self, spans_s: list[tuple[float, float]], attack_s: float, release_s: float, clear_s: float):
        self.spans = np.array(spans_s, dtype=np.float64).reshape(-1, 2) + [-clear_s, clear_s]
        self.attack, self.release = attack_s, release_s

    def __call__(self, t: np.ndarray) -> np.ndarray:
        """The gain at times t (seconds, ascending): 1 away from the words, 0 around them."""
        gain = np.ones_like(t)
        if not len(self.spans) or not len(t):
            return gain
        lo = int(np.searchsorted(self.spans[:, 1], t[0] - self.release, side="left"))
        hi = int(np.searchsorted(self.spans[:, 0], t[-1] + self.attack, side="right"))
        for start, end in self.spans[lo:hi]:
            into = raised_cosine((t - (start - self.attack)) / self.attack)
            out_of = 1 - raised_cosine((t - end) / self.release)
            gain = np.minimum(gain, 1 - np.minimum(into, out_of))
        return gain


class LeadIn:
    """Raises the noise bed gently before a line that returns after a long quiet, and keeps it
    up until that line has been spoken: a slow lead-in, so the words come over a quiet that
    has already grown a little rather than out of the stillest moment. `spans_s` are the
    returning lines (start, end) in seconds; the rise ends `ready_s` before the words."""

    def __init__(
        self, spans_s: list[tuple[float, float]], rise_db: float, rise_s: float, release_s: float, ready_s: float
    ):
        self.spans = np.array(spans_s, dtype=np.float64).reshape(-1, 2)
        self.top = 10 ** (rise_db / 20)
        self.rise, self.release, self.ready = rise_s, release_s, ready_s

    def __call__(self, t: np.ndarray) -> np.ndarray:
        lead = np.zeros_like(t)
        if len(self.spans) and len(t):
            lo = int(np.searchsorted(self.spans[:, 1], t[0] - self.release, side="left"))
            hi = int(np.searchsorted(self.spans[:, 0], t[-1] + self.ready + self.rise, side="right"))
            for start, end in self.spans[lo:hi]:
                up = raised_cosine((t - (start - self.ready - self.rise)) / self.rise)
                down = 1 - raised_cosine((t - end) / self.release)
                lead = np.maximum(lead, np.minimum(up, down))
        return 1 + (self.top - 1) * lead
