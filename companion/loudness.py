"""Loudness (ITU-R BS.1770 via pyloudnorm), loudness range (EBU Tech 3342) and true peak (4x oversampled)."""

from __future__ import annotations

import numpy as np

_METERS: dict = {}


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


def loudness_range(x: np.ndarray, sr: int) -> float:
    """Loudness range in LU (EBU Tech 3342: spread of the gated 3 s short-term loudness)."""
    import pyloudnorm

    x = np.asarray(x, dtype=np.float64)
    meter = pyloudnorm.Meter(sr)  # a fresh meter: LRA changes the meter's block settings while it runs
    return float(meter.loudness_range(x))


def true_peak_db(x: np.ndarray, chunk: int = 1 << 20) -> float:
    """Peak of the 4x oversampled signal in dBTP (chunked, so long files are fine)."""
    from scipy.signal import resample_poly

    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    peak = 0.0
    pad = 64  # filter context either side of each chunk
    for a in range(0, len(x), chunk):
        lo, hi = max(a - pad, 0), min(a + chunk + pad, len(x))
        up = resample_poly(x[lo:hi], 4, 1, axis=0)
        start, stop = (a - lo) * 4, (min(a + chunk, len(x)) - lo) * 4
        peak = max(peak, float(np.max(np.abs(up[start:stop]))) if stop > start else 0.0)
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def db_to_gain(db: float) -> float:
    return float(10 ** (db / 20))
