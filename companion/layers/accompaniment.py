"""The breath tone and the ambience bed, pre-mixed into two seamless loops.

Both swell with the breath under one gain curve, so a block of accompaniment costs one
addition of two loop slices and one multiplication by the gain: the render stays cheap.
The first loop is 32 s (a whole number of tone cycles) and holds the tone and half the
noise; the second is 45 s of the other half of the noise. Their sum repeats only every
24 minutes, and the tone stays phase-continuous throughout.
"""

from __future__ import annotations

import numpy as np

from ..voice.cache import ClipCache
from .noise import cached_noise_loop
from .tone import tone_table

LOOP_S = (32, 45)


class Accompaniment:
    def __init__(
        self,
        sample_rate: int,
        ambience: str,
        seed: int,
        tone_gain: float,
        bed_gain: float,
        max_block: int,
        cache: ClipCache | None = None,
    ):
        sr = sample_rate
        first = np.tile(tone_table(sr), LOOP_S[0]) * np.float32(tone_gain)
        loops = [first]
        if ambience != "none":
            half = np.float32(bed_gain * np.sqrt(0.5))  # two unit-RMS halves make a unit-RMS bed
            first += cached_noise_loop(ambience, LOOP_S[0] * sr, sr, seed, 0, cache) * half
            loops.append(cached_noise_loop(ambience, LOOP_S[1] * sr, sr, seed, 1, cache) * half)
        self.peak = sum(float(np.max(np.abs(loop))) for loop in loops)  # a bound on |block|
        self._loops = [(len(loop), np.concatenate([loop, loop[:max_block]])) for loop in loops]

    def block(self, start: int, n: int, out: np.ndarray | None = None) -> np.ndarray:
        """Samples [start, start + n) at unit gain, into `out` if given (the loops stay untouched)."""
        (na, a), *rest = self._loops
        i = start % na
        out = np.empty(n, np.float32) if out is None else out[:n]
        if not rest:
            out[:] = a[i : i + n]
            return out
        ((nb, b),) = rest
        j = start % nb
        return np.add(a[i : i + n], b[j : j + n], out=out)
