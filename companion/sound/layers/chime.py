"""Soft synthesised chimes: a few decaying partials of a warm bell, never harsh.

The strikes sit at 494 and 659 Hz, a register apart from the breath tone's 196 Hz and one a
phone's small speaker plays, with a bell's hum an octave under them, and no partial reaches
much above 1 kHz (hearing often fades first at 2-8 kHz, and bright partials sound urgent).
A decaying, slightly inharmonic bell is a timbre apart from the steady tone too. Every
chime starts with a raised-cosine ramp and dies away completely: no clicks.

A cue must be heard over what is under it, so each strike is levelled against the noise
bed's and the whole mix's loudest moments around it, on headphones and on a small speaker,
not set at a fixed peak. Its pitches keep clear of the breath tone (G3 and its three
harmonics): at least about one auditory filter width (ERB) from every partial of the tone,
so nothing beats or blends into it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from companion.dsp.levels import db_to_gain
from companion.dsp.shapes import raised_cosine
from companion.plan.model import Cue
from companion.sound.loudness import momentary_peak

# (frequency ratio, amplitude, seconds to fall 60 dB): a soft, slightly bell-like timbre, with
# a bell's hum an octave under the strike. The hum gives the chime body on headphones and,
# being under 400 Hz, fades on a small speaker about as the noise bed does, so a cue stands
# over the bed by much the same on both.
PARTIALS = ((0.5, 0.8, 6.0), (1.0, 1.0, 5.0), (2.0, 0.35, 3.5), (2.76, 0.18, 2.5), (4.07, 0.05, 1.2))
HIGHEST_PARTIAL_HZ = 1100.0
LENGTH_S = 6.0
ATTACK_S = 0.03
# Above the tone's fundamental, in the range a phone's speaker plays, and between its harmonics
# (392, 588, 784 Hz): B4 is a major third over the tone two octaves up, and its octave (988 Hz)
# lies above the tone's highest partial.
REGION_HZ = 493.88
TWO_MINUTES_HZ = (493.88, 659.26)  # B4 then E5: two strikes rising a fourth, unlike the one-strike chime
# Each strike's loudest 400 ms: 4.5-7 LU over the noise bed's loudest moment near it, and
# 2.8 dB over the whole mix's (bed and tone), so the mix rises 3 LU or more; on headphones
# and on a phone's small speaker alike (each layer loses its own share there). Measured
# against the noise itself rather than its mean, that is 4-8 LU over the bed (tested).
CUE_OVER_BED_LU = (4.5, 7.0)
CUE_OVER_MIX_LU = 2.8
CUE_MOST_LUFS = -14.0  # never louder than this (the voice speaks at -18 LUFS): no loud surprise
CUE_LOOK_BACK_S = 8.0  # what is under a cue "before" it: these seconds, and the strike's first seconds
CUE_LOOK_AHEAD_S = 2.0
# under(start, stop, small_speaker, tone): the loudest 400 ms of the bed (and the tone) there
Under = Callable[[int, int, bool, bool], float]


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
    return np.asarray(x / np.max(np.abs(x)))


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
    """The cues, each levelled against what is under it (`under`, in samples)."""

    def __init__(self, cues: list[Cue], sample_rate: int, under: Under):
        sr = sample_rate
        self.cues = sorted(cues, key=lambda c: c.at)
        self.sounds = {c.kind: chime_sound(c.kind, sr) for c in self.cues}
        loudness = {
            (kind, small): momentary_peak(s, sr, small_speaker=small)
            for kind, s in self.sounds.items()
            for small in (False, True)
        }
        self.gains = []
        for c in self.cues:
            window = (c.at - int(CUE_LOOK_BACK_S * sr), c.at + int(CUE_LOOK_AHEAD_S * sr))
            least, most = [], []  # the gain's bounds in dB, for each speaker
            for small in (False, True):
                own = loudness[(c.kind, small)]
                bed, mix = under(*window, small, False), under(*window, small, True)
                least.append(max(bed + CUE_OVER_BED_LU[0], mix + CUE_OVER_MIX_LU) - own)
                most.append(bed + CUE_OVER_BED_LU[1] - own)
            low, high = max(least), min(most)
            db = (low + high) / 2 if low <= high else low  # heard first, if it cannot be both
            self.gains.append(db_to_gain(min(db, CUE_MOST_LUFS - loudness[(c.kind, False)])))
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
