"""How loud: integrated loudness (ITU-R BS.1770 via pyloudnorm) and decibels as a gain."""

from __future__ import annotations

from typing import Any

import numpy as np

_METERS: dict[int, Any] = {}  # pyloudnorm's meter for each sample rate


def lufs(x: np.ndarray, sr: int) -> float:
    """Integrated loudness in LUFS; -inf for silence. Short signals are tiled to 0.5 s."""
    import pyloudnorm  # slow to import: only where loudness is measured

    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    if len(x) < sr // 2:
        x = np.tile(x, (int(np.ceil(sr / 2 / max(len(x), 1))), 1))
    meter = _METERS.setdefault(sr, pyloudnorm.Meter(sr))
    return float(meter.integrated_loudness(x))


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))
