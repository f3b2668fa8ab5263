"""The breath tone and the ambience bed, as seamless loops.

The tone is one second (a whole number of cycles) read round and round; it is centred. The
bed is two noise loops per channel, 32 s and 45 s, whose sum repeats only every 24 minutes.
In stereo each ear's loops share part of their noise (EARS_SHARE of the power) and draw the
rest apart: on headphones the bed sounds wide and open instead of sitting inside the head,
and a phone that plays both channels on one speaker keeps the bed's level (two unrelated
noises would lose 3 dB there). Reading a block costs a slice of the tone and one addition
of two loop slices; while the voice speaks, one more for the speech band it takes away.
"""

from __future__ import annotations

import numpy as np

from companion.cache import ClipCache
from companion.sound.layers.noise import cached_noise_loop
from companion.sound.layers.tone import tone_table

LOOP_S = (32, 45)
# The correlation of the two ears' noise: their sum (a phone's one speaker, (L + R) / sqrt 2)
# keeps (1 + 0.7) / 2 of the bed's power, 0.7 dB under the mono bed, instead of 3 dB.
EARS_SHARE = 0.7
# Each ear hears its own noise and a little of the other's: (own + k other) / sqrt(1 + k^2)
# has correlation 2k / (1 + k^2) with the other ear, EARS_SHARE for this k.
OTHER_EAR = (1 - np.sqrt(1 - EARS_SHARE**2)) / EARS_SHARE


def own_noise(
    ambience: str, sample_rate: int, seed: int, channels: int, cache: ClipCache | None
) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Each channel's own noise, loop and speech band, for each loop length: channel c's is
    parts (2c, 2c + 1), so channel 0 alone is the mono bed."""
    return [
        [
            cached_noise_loop(ambience, seconds * sample_rate, sample_rate, seed, part + 2 * c, cache)
            for part, seconds in enumerate(LOOP_S)
        ]
        for c in range(channels)
    ]


def prepare_bed(ambience: str, seed: int, sample_rate: int, cache: ClipCache) -> None:
    """Make a stereo bed's noise loops now and keep them in the cache (a first session then
    starts without waiting for them)."""
    own_noise(ambience, sample_rate, seed, 2, cache)


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
        # per channel, its two loops and their speech bands (each padded by max_block, so a
        # block is one slice): kept apart, one contiguous array each, which numpy adds fastest
        self._loops: list[list[np.ndarray]] = []
        self._bands: list[list[np.ndarray]] = []
        self._lengths = [seconds * sr for seconds in LOOP_S]
        if not self.has_bed:
            return
        half = bed_gain * np.sqrt(0.5)  # two unit-RMS halves make a unit-RMS bed
        own = own_noise(ambience, sr, seed, channels, cache)
        mix = (
            (half, 0.0)
            if channels == 1
            else (half / np.sqrt(1 + OTHER_EAR**2), half * OTHER_EAR / np.sqrt(1 + OTHER_EAR**2))
        )
        for c in range(channels):
            loops: list[np.ndarray] = []
            bands: list[np.ndarray] = []
            for part, n in enumerate(self._lengths):
                for which, into in ((0, loops), (1, bands)):
                    # written straight into the padded array a block is sliced from: a long bed
                    # is large, and copies of it would double the render's memory
                    x = np.empty(n + max_block, np.float32)
                    np.multiply(own[c][part][which], np.float32(mix[0]), out=x[:n])
                    if mix[1]:
                        x[:n] += own[1 - c][part][which] * np.float32(mix[1])
                    x[n:] = x[:max_block]
                    into.append(x)
            # a bound on |block|, the speech band taken away or not
            self.bed_peak = max(self.bed_peak, sum((float(np.max(np.abs(x))) for x in loops + bands), 0.0))
            self._loops.append(loops)
            self._bands.append(bands)

    def tone(self, start: int, n: int) -> np.ndarray:
        """Tone samples [start, start + n) at its peak gain (a view: do not write into it)."""
        i = start % self._period
        return self._tone[i : i + n]

    def bed(self, channel: int, start: int, n: int, out: np.ndarray, speech: np.ndarray | None = None) -> np.ndarray:
        """One channel's bed samples [start, start + n), into `out` (the loops stay untouched).
        `speech`: per sample, the share of the speech band to take away (0 keeps it all)."""
        (na, nb), (a, b) = self._lengths, self._loops[channel]
        i, j = start % na, start % nb
        np.add(a[i : i + n], b[j : j + n], out=out[:n])
        if speech is not None:
            ba, bb = self._bands[channel]
            band = np.add(ba[i : i + n], bb[j : j + n])
            band *= speech[:n]
            out[:n] -= band
        return out[:n]
