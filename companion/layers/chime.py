"""Soft synthesised chimes: a few decaying partials of a warm bell, never harsh.

The fundamental sits in the 150-500 Hz comfort band and no partial reaches much above
1 kHz (hearing often fades first at 2-8 kHz, and bright partials sound urgent). Every
chime starts with a 20 ms raised-cosine ramp and dies away completely: no clicks.
"""

from __future__ import annotations

import numpy as np

from ..envelopes import raised_cosine
from ..plan import Cue

# (frequency ratio, amplitude, seconds to fall 60 dB): a soft, slightly bell-like timbre
PARTIALS = ((1.0, 1.0, 5.0), (2.0, 0.35, 3.5), (2.76, 0.18, 2.5), (4.07, 0.05, 1.2))
LENGTH_S = 6.0
CHIME_PEAK = 0.1  # about -20 dBFS: clearly there, never a loud surprise (see tests for its loudness)


def bell(hz: float, sample_rate: int) -> np.ndarray:
    t = np.arange(int(LENGTH_S * sample_rate)) / sample_rate
    x = np.asarray(sum(a * np.exp(-6.91 * t / t60) * np.sin(2 * np.pi * hz * r * t) for r, a, t60 in PARTIALS))
    attack = int(0.02 * sample_rate)
    x[:attack] *= raised_cosine(np.arange(attack) / attack)
    release = int(0.5 * sample_rate)
    x[-release:] *= raised_cosine(np.arange(release) / release, falling=True)
    return x / np.max(np.abs(x))


def chime_sound(kind: str, sample_rate: int) -> np.ndarray:
    """One soft strike (a region change), or two rising strikes for 'two-minutes'."""
    if kind == "two-minutes":  # distinct but gentle: G3 then D4, a rising fifth
        gap = int(1.6 * sample_rate)
        first, second = bell(196.0, sample_rate), bell(293.66, sample_rate)
        x = np.zeros(gap + len(second))
        x[: len(first)] += first
        x[gap:] += 0.9 * second
        x /= np.max(np.abs(x))
    else:
        x = bell(220.0, sample_rate)
    return (x * CHIME_PEAK).astype(np.float32)


class ChimeLayer:
    def __init__(self, cues: list[Cue], sample_rate: int):
        self.cues = sorted(cues, key=lambda c: c.at)
        self.sounds = {c.kind: chime_sound(c.kind, sample_rate) for c in self.cues}
        self.starts = np.array([c.at for c in self.cues], dtype=np.int64)
        self.longest = max((len(s) for s in self.sounds.values()), default=0)

    def sounding(self, start: int, stop: int) -> list[Cue]:
        if not self.cues:
            return []
        lo = int(np.searchsorted(self.starts, start - self.longest, side="left"))
        hi = int(np.searchsorted(self.starts, stop, side="left"))
        return [c for c in self.cues[lo:hi] if c.at + len(self.sounds[c.kind]) > start]

    def peak(self, start: int, stop: int) -> float:
        return CHIME_PEAK * len(self.sounding(start, stop))

    def add_into(self, out: np.ndarray, start: int, scale: float = 1.0) -> None:
        stop = start + len(out)
        for cue in self.sounding(start, stop):
            sound = self.sounds[cue.kind]
            a, b = max(cue.at, start), min(cue.at + len(sound), stop)
            out[a - start : b - start] += sound[a - cue.at : b - cue.at] * np.float32(scale)
