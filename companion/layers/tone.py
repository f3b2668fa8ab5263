"""The breath tone: a soft, warm periodic tone read from a one-second wavetable."""

from __future__ import annotations

import numpy as np

# G3: inside the 150-500 Hz comfort band, and not one of the "healing" frequencies we do not use.
TONE_HZ = 196
# A fundamental with two quiet harmonics: warm, never buzzy.
PARTIALS = ((1, 1.0), (2, 0.28), (3, 0.1))


class ToneLayer:
    def __init__(self, sample_rate: int, max_block: int, hz: int = TONE_HZ):
        # A whole number of cycles per second makes the table loop seamlessly (phase-continuous).
        n = np.arange(sample_rate, dtype=np.float64)
        table = sum(a * np.sin(2 * np.pi * hz * k * n / sample_rate) for k, a in PARTIALS)
        table /= np.sqrt(np.mean(table**2))  # unit RMS: gains map straight to level
        self.period = sample_rate
        self.table = table.astype(np.float32)
        self._ext = np.concatenate([self.table] * (1 + -(-max_block // sample_rate)))

    def block(self, start: int, n: int) -> np.ndarray:
        i = start % self.period
        return self._ext[i : i + n]
