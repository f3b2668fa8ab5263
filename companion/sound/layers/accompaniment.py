"""The breath tone and the ambience bed, as seamless loops.

The tone is one second (a whole number of cycles) read round and round; it is centred. The
bed is two noise loops per channel, 32 s and 45 s, whose sum repeats only every 24 minutes;
in stereo each ear has its own loops (the same kind of noise, drawn apart), so the bed sounds
wide and open on headphones instead of sitting inside the head. Reading a block costs a slice
of the tone and one addition of two loop slices: the render stays cheap.
"""

from __future__ import annotations

import numpy as np

from companion.cache import ClipCache
from companion.sound.layers.noise import cached_noise_loop
from companion.sound.layers.tone import tone_table

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
        # per channel, its two loops (each padded by max_block, so a block is one slice):
        # kept apart, one contiguous array each, which numpy adds and scales fastest
        self._loops: list[list[np.ndarray]] = []
        self._lengths = [seconds * sr for seconds in LOOP_S]
        if self.has_bed:
            half = np.float32(bed_gain * np.sqrt(0.5))  # two unit-RMS halves make a unit-RMS bed
            for c in range(channels):
                # channel c's loops are parts (2c, 2c + 1): channel 0 alone is the mono bed
                loops = [
                    cached_noise_loop(ambience, n, sr, seed, part + 2 * c, cache) * half
                    for part, n in enumerate(self._lengths)
                ]
                self.bed_peak = max(
                    self.bed_peak, sum(float(np.max(np.abs(loop))) for loop in loops)
                )  # a bound on |block|
                self._loops.append([np.concatenate([loop, loop[:max_block]]) for loop in loops])

    def tone(self, start: int, n: int) -> np.ndarray:
        """Tone samples [start, start + n) at its peak gain (a view: do not write into it)."""
        i = start % self._period
        return self._tone[i : i + n]

    def bed(self, channel: int, start: int, n: int, out: np.ndarray) -> np.ndarray:
        """One channel's bed samples [start, start + n), into `out` (the loops stay untouched)."""
        (na, nb), (a, b) = self._lengths, self._loops[channel]
        i, j = start % na, start % nb
        return np.add(a[i : i + n], b[j : j + n], out=out[:n])
