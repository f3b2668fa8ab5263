"""The shapes of change: the raised cosine of every fade and edge, and the triangle that
smooths a gain curve without ever raising it above what a sample needs."""

from __future__ import annotations

import numpy as np


def raised_cosine(x: np.ndarray, falling: bool = False) -> np.ndarray:
    """0 -> 1 smoothly as x goes 0 -> 1 (clipped outside); 1 -> 0 when `falling`.
    The one shape of every fade, ramp and edge in companion: no corners, so no clicks."""
    c = 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))
    return np.asarray(0.5 + c if falling else 0.5 - c)


def _box(x: np.ndarray, width: int) -> np.ndarray:
    """Moving average over `width` samples, 'valid' part only (O(n) with a running sum)."""
    c = np.concatenate([[0.0], np.cumsum(x, dtype=np.float64)])
    return np.asarray((c[width:] - c[:-width]) / width)


def smooth_within(x: np.ndarray, h: int) -> np.ndarray:
    """Smooth with a triangle reaching h samples either side; 'valid' part (len(x) - 2h).

    The triangle (two boxes of h + 1) is a normalised, non-negative window of reach h,
    so a gain min-filtered over +-h and then smoothed here never exceeds what any
    sample needs, and it moves in gentle ramps.
    """
    return _box(_box(x, h + 1), h + 1)
