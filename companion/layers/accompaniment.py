"""The breath tone and the ambience bed, as seamless loops.

The tone is one second (a whole number of cycles) read round and round; it is centred. The
bed is two noise loops per channel, 32 s and 45 s, whose sum repeats only every 24 minutes;
in stereo each ear has its own loops (the same kind of noise, drawn apart), so the bed sounds
wide and open on headphones instead of sitting inside the head. Reading a block costs a slice
of the tone and one addition of two loop slices: the render stays cheap.
"""

from __future__ import annotations

import numpy as np

from ..voice.cache import ClipCache
from .noise import cached_noise_loop
from .tone import tone_table

LOOP_S = (32, 45)


class Accompaniment:
    """`tone_gain` and `bed_gain` are the layers' peak gains (the swell's top) per channel."""

    def __init__(
        self,
        sample_rate: int,
        ambience: str,
        seed: int,
        tone_gain: float,
        bed_gain: float,
        channels: int,
        max_block: int,
        cache: ClipCache | None = None,
    ):
        sr = sample_rate
        tone = tone_table(sr) * np.float32(tone_gain)
        self.tone_peak = float(np.max(np.abs(tone)))
        self._period = len(tone)  # one second: a whole number of cycles
        self._tone = np.tile(tone, -(-(max_block + sr) // sr) + 1)
        self.channels = channels
        self.has_bed = ambience != "none"
        self.bed_peak = 0.0
        self._loops: list[tuple[int, np.ndarray]] = []
        if self.has_bed:
            half = np.float32(bed_gain * np.sqrt(0.5))  # two unit-RMS halves make a unit-RMS bed
            for part, seconds in enumerate(LOOP_S):
                n = seconds * sr
                # channel c's loops are parts (2c, 2c + 1): channel 0 is the mono bed
                loop = np.stack(
                    [cached_noise_loop(ambience, n, sr, seed, part + 2 * c, cache) * half for c in range(channels)],
                    axis=1,
                )
                self.bed_peak += float(np.max(np.abs(loop)))  # a bound on |block|
                self._loops.append((n, np.concatenate([loop, loop[:max_block]])))

    def tone(self, start: int, n: int) -> np.ndarray:
        """Tone samples [start, start + n) at its peak gain (a view: do not write into it)."""
        i = start % self._period
        return self._tone[i : i + n]

    def bed(self, start: int, n: int, out: np.ndarray) -> np.ndarray:
        """Bed samples [start, start + n) as (n, channels), into `out` (the loops stay untouched)."""
        (na, a), (nb, b) = self._loops
        i, j = start % na, start % nb
        return np.add(a[i : i + n], b[j : j + n], out=out[:n])
