"""The ambience bed: band-limited pink or brown noise from two seamless loops.

Each loop is shaped in the frequency domain, so it is exactly periodic; the two
loops have different lengths (32 s and 41.8 s), so their sum repeats only every
34 minutes. Reading a loop is a slice: the bed costs almost nothing to render.
"""

from __future__ import annotations

import numpy as np

LOOP_S = (32.0, 41.7959183673)  # 1,411,200 and 1,843,200 samples at 44.1 kHz


def _shape(freqs: np.ndarray, kind: str) -> np.ndarray:
    f = np.maximum(freqs, 1e-3)
    if kind == "brown":
        tilt, hp, lp = 1 / f, 40.0, 800.0
    else:
        tilt, hp, lp = 1 / np.sqrt(f), 60.0, 3000.0
    return tilt / np.sqrt(1 + (hp / f) ** 4) / np.sqrt(1 + (f / lp) ** 4)


def noise_loop(kind: str, length: int, sample_rate: int, rng: np.random.Generator) -> np.ndarray:
    spectrum = rng.standard_normal(length // 2 + 1) + 1j * rng.standard_normal(length // 2 + 1)
    spectrum *= _shape(np.fft.rfftfreq(length, 1 / sample_rate), kind)
    spectrum[0] = 0
    loop = np.fft.irfft(spectrum, n=length)
    return (loop / np.sqrt(np.mean(loop**2))).astype(np.float32)


class NoiseLayer:
    def __init__(self, kind: str, sample_rate: int, seed: int, max_block: int):
        rng = np.random.default_rng([seed, 0xBED])
        self.loops = []
        for seconds in LOOP_S:
            n = int(round(seconds * sample_rate))
            loop = noise_loop(kind, n, sample_rate, rng) * np.float32(np.sqrt(0.5))
            reps = 1 + -(-max_block // n)
            self.loops.append((n, np.concatenate([loop] * (reps + 1))))

    def block(self, start: int, n: int) -> np.ndarray:
        (na, a), (nb, b) = self.loops
        ia, ib = start % na, start % nb
        return a[ia : ia + n] + b[ib : ib + n]
