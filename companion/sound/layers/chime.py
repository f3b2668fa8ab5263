"""Soft synthesised chimes: a few decaying partials of a warm bell, never harsh.

The fundamentals sit in the 150-500 Hz comfort band and no partial reaches much above
1 kHz (hearing often fades first at 2-8 kHz, and bright partials sound urgent). Every
chime starts with a raised-cosine ramp and dies away completely: no clicks.

A cue must be heard over what is under it, so each strike is levelled against the bed's
loudest moments around it (a few LU over them), not set at a fixed peak. Its pitches keep
clear of the breath tone (G3 and its two harmonics): at least about one auditory filter
width (ERB) from every partial of the tone, so nothing beats or blends into it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from companion.plan.model import Cue
from companion.sound.envelopes import raised_cosine
from companion.sound.loudness import db_to_gain, momentary_peak

# (frequency ratio, amplitude, seconds to fall 60 dB): a soft, slightly bell-like timbre
PARTIALS = ((1.0, 1.0, 5.0), (2.0, 0.35, 3.5), (2.76, 0.18, 2.5), (4.07, 0.05, 1.2))
HIGHEST_PARTIAL_HZ = 1100.0
LENGTH_S = 6.0
ATTACK_S = 0.03
REGION_HZ = 246.94  # B3: a major third over the tone, >= 1 ERB from all its partials
TWO_MINUTES_HZ = (329.63, 493.88)  # E4 then B4: a rising fifth, distinct from the region chime
CUE_OVER_BED_LU = 6.0  # each strike's momentary loudness over the bed's loudest moment near it
CUE_MOST_LUFS = -14.0  # never louder than this (the voice speaks at -18 LUFS): no loud surprise
CUE_LOOK_BACK_S = 8.0  # the bed "before" a cue: these seconds, and the strike's first seconds
CUE_LOOK_AHEAD_S = 2.0


def bell(hz: float, sample_rate: int) -> np.ndarray:
    t = np.arange(int(LENGTH_S * sample_rate)) / sample_rate
    x = np.asarray(
        sum(
            a * np.exp(-6.91 * t / t60) * np.sin(2 * np.pi * hz * r * t)
            for r, a, t60 in PARTIALS
            if hz * r <= HIGHEST_PARTIAL_HZ
        )
    )
    attack = int(ATTACK_S * sample_rate)
    x[:attack] *= raised_cosine(np.arange(attack) / attack)
    release = int(0.5 * sample_rate)
    x[-release:] *= raised_cosine(np.arange(release) / release, falling=True)
    return x / np.max(np.abs(x))


def chime_sound(kind: str, sample_rate: int) -> np.ndarray:
    """One soft strike (a region change, an interval, a script's chime), or two rising
    strikes for 'two-minutes'; peak 1."""
    if kind == "two-minutes":
        gap = int(1.6 * sample_rate)
        first, second = (bell(hz, sample_rate) for hz in TWO_MINUTES_HZ)
        x = np.zeros(gap + len(second))
        x[: len(first)] += first
        x[gap:] += 0.9 * second
        x /= np.max(np.abs(x))
    else:
        x = bell(REGION_HZ, sample_rate)
    return x.astype(np.float32)


class ChimeLayer:
    """The cues, each levelled against the bed: `bed_peak_lufs(start, stop)` says how loud
    the bed's loudest moment is within [start, stop) (samples)."""

    def __init__(self, cues: list[Cue], sample_rate: int, bed_peak_lufs: Callable[[int, int], float]):
        sr = sample_rate
        self.cues = sorted(cues, key=lambda c: c.at)
        self.sounds = {c.kind: chime_sound(c.kind, sr) for c in self.cues}
        loudness = {kind: momentary_peak(s, sr) for kind, s in self.sounds.items()}
        self.gains = [
            db_to_gain(
                min(
                    bed_peak_lufs(c.at - int(CUE_LOOK_BACK_S * sr), c.at + int(CUE_LOOK_AHEAD_S * sr))
                    + CUE_OVER_BED_LU,
                    CUE_MOST_LUFS,
                )
                - loudness[c.kind]
            )
            for c in self.cues
        ]
        self.starts = np.array([c.at for c in self.cues], dtype=np.int64)
        self.longest = max((len(s) for s in self.sounds.values()), default=0)

    def sounding(self, start: int, stop: int) -> list[int]:
        """Indices of the cues heard within [start, stop)."""
        if not self.cues:
            return []
        lo = int(np.searchsorted(self.starts, start - self.longest, side="left"))
        hi = int(np.searchsorted(self.starts, stop, side="left"))
        return [i for i in range(lo, hi) if self.cues[i].at + len(self.sounds[self.cues[i].kind]) > start]

    def peak(self, start: int, stop: int) -> float:
        return sum(self.gains[i] for i in self.sounding(start, stop))  # each sound's peak is 1

    def add_into(self, out: np.ndarray, start: int, scale: float = 1.0) -> None:
        stop = start + len(out)
        for i in self.sounding(start, stop):
            cue = self.cues[i]
            sound = self.sounds[cue.kind]
            a, b = max(cue.at, start), min(cue.at + len(sound), stop)
            out[a - start : b - start] += sound[a - cue.at : b - cue.at] * np.float32(self.gains[i] * scale)
