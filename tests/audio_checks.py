"""Measurements on rendered audio, shared by the tests."""

from __future__ import annotations

import numpy as np
import soundfile as sf

from companion.sound.loudness import loudness_range, lufs, true_peak_db

__all__ = ["read", "lufs", "loudness_range", "true_peak_db", "spans", "rms_db", "max_step_near"]


def read(path) -> tuple[np.ndarray, int]:
    """Frames as (n, channels) for a stereo file, (n,) for a mono one."""
    x, sr = sf.read(str(path), dtype="float64", always_2d=True)
    return (x if x.shape[1] > 1 else x[:, 0]), sr


def spans(x: np.ndarray, sr: int, ranges) -> np.ndarray:
    return np.concatenate([x[int(a * sr) : int(b * sr)] for a, b in ranges])


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-12))


def max_step_near(x: np.ndarray, index: int, width: int) -> float:
    """Largest sample-to-sample jump within +-width samples of index: a click detector."""
    lo, hi = max(index - width, 0), min(index + width, len(x) - 1)
    return float(np.max(np.abs(np.diff(x[lo : hi + 1], axis=0))))
