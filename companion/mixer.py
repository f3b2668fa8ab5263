"""The master stage: a look-ahead limiter that keeps every peak under the ceiling."""

from __future__ import annotations

import numpy as np

from .loudness import db_to_gain

MASTER_CEILING_DB = -1.5  # sample-peak ceiling; with band-limited beds the true peak stays <= -1 dBTP


def _box(x: np.ndarray, width: int) -> np.ndarray:
    """Moving average over `width` samples, 'valid' part only (O(n) with a running sum)."""
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    return (c[width:] - c[:-width]) / width


def smooth_within(x: np.ndarray, h: int) -> np.ndarray:
    """Smooth with a triangle reaching h samples either side; 'valid' part (len(x) - 2h).

    The triangle (two boxes of h + 1) is a normalised, non-negative window of reach h,
    so a gain min-filtered over +-h and then smoothed here never exceeds what any
    sample needs, and it moves in gentle ramps.
    """
    return _box(_box(x, h + 1), h + 1)


class StreamLimiter:
    """Look-ahead limiting over a stream, carrying its state across blocks.

    Needed gain is min-filtered over +-H samples and smoothed with a window of
    the same reach, so the gain is always below what each sample needs and
    changes smoothly (no clicks). Output sample n needs input up to n + 2H, so
    the limiter holds back 2H samples; it never shifts them in time.
    """

    def __init__(self, sample_rate: int, ceiling_db: float = MASTER_CEILING_DB, hold_s: float = 0.02):
        self.ceiling = db_to_gain(ceiling_db)
        self.h = max(int(hold_s * sample_rate), 1)
        self._ctx = np.ones(2 * self.h, dtype=np.float32)  # needed gain before the pending samples
        self._x = np.zeros(0, dtype=np.float32)
        self._need = np.zeros(0, dtype=np.float32)
        self.engaged = 0  # samples with gain below 1 (tests and benchmarks read it)

    def process(self, x: np.ndarray) -> np.ndarray:
        if np.max(np.abs(x), initial=0.0) <= self.ceiling:
            need = np.ones(len(x), np.float32)  # the usual case: nothing to do
        else:
            need = np.minimum(np.float32(1.0), self.ceiling / np.maximum(np.abs(x), np.float32(1e-12)))
        self._x = np.concatenate([self._x, x])
        self._need = np.concatenate([self._need, need.astype(np.float32)])
        ready = len(self._x) - 2 * self.h
        if ready <= 0:
            return self._x[:0]
        g_all = np.concatenate([self._ctx, self._need])
        if g_all.min() >= 1.0:
            out = self._x[:ready].copy()
        else:
            from scipy.ndimage import minimum_filter1d  # rarely needed: import only then

            held = minimum_filter1d(g_all, size=2 * self.h + 1, mode="nearest")
            gain = smooth_within(held[self.h : self.h + ready + 2 * self.h], self.h)
            gain = np.minimum(gain[:ready], 1.0).astype(np.float32)
            self.engaged += int(np.count_nonzero(gain < 1.0))
            out = self._x[:ready] * gain
        self._ctx = g_all[ready : ready + 2 * self.h]
        self._x = self._x[ready:]
        self._need = self._need[ready:]
        return out
