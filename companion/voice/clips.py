"""Turn raw synthesised speech into a clip ready to mix: trimmed, resampled, at the voice
loudness, true-peak safe, with raised-cosine edges."""

from __future__ import annotations

import numpy as np
import soxr

from companion.dsp.levels import db_to_gain, lufs
from companion.dsp.shapes import raised_cosine, smooth_within

VOICE_LUFS = -18.0
CLIP_CEILING_DBTP = -2.0  # leaves room for a chime or the tone's return near the words; master ceiling is -1
EDGE_S = 0.04  # 30-50 ms ramps on every start and stop
PROCESSING_VERSION = 3  # bump when the steps below change: it is part of the cache key


def trim_silence(x: np.ndarray, sr: int, floor_db: float = -40.0) -> np.ndarray:
    """Cut leading and trailing near-silence, keeping a little air at each edge."""
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    if peak == 0.0:
        return x[:0]
    loud = np.nonzero(np.abs(x) > peak * db_to_gain(floor_db))[0]
    start = max(loud[0] - int(0.03 * sr), 0)
    stop = min(loud[-1] + int(0.08 * sr), len(x))
    return x[start:stop]


def raised_cosine_edges(x: np.ndarray, sr: int, edge_s: float = EDGE_S) -> np.ndarray:
    n = min(int(round(edge_s * sr)), len(x) // 2)
    if n > 0:
        ramp = raised_cosine((np.arange(n) + 0.5) / n)
        x[:n] *= ramp
        x[-n:] *= ramp[::-1]
    return x


def oversampled_peaks(x: np.ndarray, sr: int) -> np.ndarray:
    """Each sample's peak on the 4x oversampled signal: what a true-peak meter sees there."""
    up = np.abs(soxr.resample(x, sr, sr * 4, quality="HQ"))
    up = np.pad(up, (0, max(len(x) * 4 - len(up), 0)))[: len(x) * 4]
    # four strided views, not a reshape and a reduce over four: this runs for every phrase
    return np.asarray(np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4])))


def limit_clip(x: np.ndarray, ceiling_db: float, hold_s: float = 0.02, sr: int = 44100) -> tuple[np.ndarray, bool]:
    """Look-ahead peak limiting of a whole clip, on its 4x oversampled peaks; also says
    whether the result is measured to be under the ceiling.

    The needed gain is min-filtered over +-H and then smoothed by a window no wider
    than that, so the smoothed gain never exceeds what any sample within reach needs.
    """
    from scipy.ndimage import minimum_filter1d

    ceiling = db_to_gain(ceiling_db)
    h = max(int(hold_s * sr), 1)
    for _ in range(4):
        need = np.minimum(1.0, ceiling / np.maximum(oversampled_peaks(x, sr), 1e-12))
        if need.min() >= 1.0:
            return x, True
        held = minimum_filter1d(need, size=2 * h + 1, mode="nearest")
        gain = smooth_within(np.pad(held, h, mode="edge"), h)
        x = (x * gain * 0.995).astype(np.float32)
    return x, False


def load_tools() -> None:
    """Import the loudness meter and the limiter's filter (about a second of work): done
    while the voice model loads, so the first phrase does not wait for it."""
    import pyloudnorm  # noqa: F401
    import scipy.ndimage  # noqa: F401


def prepare_clip(raw: np.ndarray, src_sr: int, sr: int) -> np.ndarray:
    x = trim_silence(np.asarray(raw, dtype=np.float32), src_sr)
    if len(x) == 0:
        return x
    if src_sr != sr:
        x = soxr.resample(x, src_sr, sr, quality="HQ").astype(np.float32)
    loudness = lufs(x, sr)
    for _ in range(3):  # limiting lowers loudness a little: measure, level, limit again
        x = (x * db_to_gain(VOICE_LUFS - loudness)).astype(np.float32)
        x, under_ceiling = limit_clip(x, CLIP_CEILING_DBTP, sr=sr)
        loudness = lufs(x, sr)
        if under_ceiling and abs(loudness - VOICE_LUFS) < 0.2:
            break
    return raised_cosine_edges(x, sr)
