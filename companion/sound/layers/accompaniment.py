"""The breath tone and the ambience bed.

The tone is one second (a whole number of cycles) read round and round; it is centred.

The bed never repeats: each ear has one noise loop (LOOP_S long), read in stretches of
SEGMENT_S seconds, each from its own place in the loop (fixed by the seed and the stretch's
number, so any sample can be made on its own), and each stretch fades into the next over
CROSSFADE_S with equal power. Stretches from unrelated places of a noise are unrelated, so
the bed has no period at all and nothing a listener could hear come round again (its
autocorrelation stays near 0 at every lag past a few milliseconds), where two summed loops
of 32 and 45 s repeated every 24 minutes and were 0.5 alike 32 and 45 s apart. One loop
read once a sample costs what two loops added did.

In stereo each ear's loop shares part of its noise (EARS_SHARE of the power) and draws the
rest apart: on headphones the bed sounds wide and open instead of sitting inside the head,
and a phone that plays both channels on one speaker keeps the bed's level (two unrelated
noises would lose 3 dB there). Both ears read the same places, so that share holds.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from companion import interrupts
from companion.cache import ClipCache
from companion.dsp.shapes import raised_cosine
from companion.sound.layers.noise import cached_noise_loop
from companion.sound.layers.tone import tone_table

LOOP_S = 60
SEGMENT_S = 8
CROSSFADE_S = 1.0
# The correlation of the two ears' noise: their sum (a phone's one speaker, (L + R) / sqrt 2)
# keeps (1 + 0.7) / 2 of the bed's power, 0.7 dB under the mono bed, instead of 3 dB.
EARS_SHARE = 0.7
# Each ear hears its own noise and a little of the other's: (own + k other) / sqrt(1 + k^2)
# has correlation 2k / (1 + k^2) with the other ear, EARS_SHARE for this k.
OTHER_EAR = (1 - np.sqrt(1 - EARS_SHARE**2)) / EARS_SHARE


def own_noise(ambience: str, sample_rate: int, seed: int, channels: int, cache: ClipCache | None) -> list[np.ndarray]:
    """Each channel's own noise loop: channel 0's alone is the mono bed."""
    return [cached_noise_loop(ambience, LOOP_S * sample_rate, sample_rate, seed, c, cache) for c in range(channels)]


def prepare_bed(ambience: str, seed: int, sample_rate: int, cache: ClipCache) -> None:
    """Make a stereo bed's noise loops now and keep them in the cache (a first session then
    starts without waiting for them)."""
    own_noise(ambience, sample_rate, seed, 2, cache)


def _mixed(x: int) -> int:
    """splitmix64's finaliser: a well-stirred 64-bit number from any whole number."""
    x &= 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return x ^ (x >> 31)


class Segments:
    """Where in the loop each stretch of the bed is read, and how stretches fade into one
    another: a pure function of the sample index."""

    def __init__(self, sample_rate: int, seed: int, loop: int):
        self.length, self.fade, self.loop, self.seed = (
            SEGMENT_S * sample_rate,
            int(CROSSFADE_S * sample_rate),
            loop,
            seed,
        )
        # Stretch k starts reading at k * length + jitter(k), the jitter drawn from alternate
        # halves of the loop for even and odd k: two neighbours are then always at least
        # `apart` samples from reading on where the other left off, so no crossfade ever
        # joins a noise to itself (which would swell by up to 3 dB).
        self.apart = sample_rate // 4
        # equal power (the stretches are unrelated noise): the sine of a raised cosine
        steps = np.arange(self.fade, dtype=np.float64) / self.fade
        self._rising = np.sin(0.5 * np.pi * raised_cosine(steps)).astype(np.float32)
        self._falling = np.sin(0.5 * np.pi * raised_cosine(steps, falling=True)).astype(np.float32)

    def offset(self, k: int) -> int:
        """Where stretch k reads its first sample, in the loop."""
        half = self.loop // 2
        jitter = _mixed(self.seed * 0x9E3779B97F4A7C15 + k) % (half - self.apart) + (half if k % 2 else 0)
        return (k * self.length + jitter) % self.loop

    def pieces(self, start: int, stop: int) -> Iterator[tuple[int, int, int, int]]:
        """(k, first, last, where in the loop) for each stretch k heard within [start, stop),
        in order: each piece is one slice of the loop."""
        k = (start - self.fade) // self.length
        while k * self.length < stop:
            a, b = max(start, k * self.length), min(stop, (k + 1) * self.length + self.fade)
            i = (self.offset(k) + a - k * self.length) % self.loop
            while a < b:  # split where the loop comes round
                cut = min(b, a + self.loop - i)
                yield k, a, cut, i
                a, i = cut, 0
            k += 1

    def weight(self, k: int, a: int, b: int) -> np.ndarray | None:
        """Stretch k's gain over samples [a, b): rising over its first `fade` samples and
        falling over the `fade` after its end, with equal power (the stretches are
        unrelated noise); None where it is 1 throughout."""
        begin, end = k * self.length, (k + 1) * self.length
        if a >= begin + self.fade and b <= end:
            return None
        # the two fades, read from tables made once (the same samples as worked out in place:
        # a stretch is 8 fades long, so its fades never meet)
        weight = np.ones(b - a, np.float32)
        lo, hi = max(a, begin), min(b, begin + self.fade)
        if lo < hi:
            weight[lo - a : hi - a] = self._rising[lo - begin : hi - begin]
        lo, hi = max(a, end), min(b, end + self.fade)
        if lo < hi:
            weight[lo - a : hi - a] = self._falling[lo - end : hi - end]
        return weight


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
        # per channel, its loop: one contiguous array each, which numpy reads fastest
        self._loops: list[np.ndarray] = []
        self._length = LOOP_S * sr
        self.segments = Segments(sr, seed, self._length)
        if not self.has_bed:
            return
        # a tenth of a second of work before the first quantum: a signal is answered between
        # its steps, not after them all
        interrupts.check()
        own = own_noise(ambience, sr, seed, channels, cache)
        mix = (
            (bed_gain, 0.0)
            if channels == 1
            else (bed_gain / np.sqrt(1 + OTHER_EAR**2), bed_gain * OTHER_EAR / np.sqrt(1 + OTHER_EAR**2))
        )
        for c in range(channels):
            interrupts.check()
            x = np.multiply(own[c], np.float32(mix[0]))
            if mix[1]:
                x += own[1 - c] * np.float32(mix[1])
            self._loops.append(x)
            # a bound on |sample|: two stretches at most, whose equal-power gains sum to at most sqrt 2
            self.bed_peak = max(self.bed_peak, np.sqrt(2) * float(np.max(np.abs(x))))

    def tone(self, start: int, n: int) -> np.ndarray:
        """Tone samples [start, start + n) at its peak gain (a view: do not write into it)."""
        i = start % self._period
        return self._tone[i : i + n]

    def bed(
        self,
        channel: int,
        start: int,
        n: int,
        out: np.ndarray,
        gain: np.ndarray | None = None,
    ) -> np.ndarray:
        """One channel's bed samples [start, start + n), into `out` (the loops stay untouched).
        `gain`: per sample, the bed's gain (its swell, the ducking, the fades), else 1."""
        loop = self._loops[channel]
        filled = 0  # out[:filled] holds the stretches so far
        for k, a, b, i in self.segments.pieces(start, start + n):
            lo, hi = a - start, b - start
            w = self.segments.weight(k, a, b)
            if gain is not None:
                w = gain[lo:hi] if w is None else w * gain[lo:hi]
            # most blocks lie inside one stretch: written straight into `out`
            into = out[lo:hi] if filled <= lo else np.empty(hi - lo, np.float32)
            if w is None:
                np.copyto(into, loop[i : i + hi - lo])
            else:
                np.multiply(loop[i : i + hi - lo], w, out=into)
            if filled > lo:  # the stretch before still fades out here
                joined = min(filled, hi)
                out[lo:joined] += into[: joined - lo]
                out[joined:hi] = into[joined - lo :]
            filled = max(filled, hi)
        return out[:n]
