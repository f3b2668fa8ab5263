"""The master stage: a look-ahead limiter that keeps every peak under the ceiling."""

from __future__ import annotations

import numpy as np

from companion.dsp.shapes import smooth_within

MASTER_CEILING_DB = -1.5  # sample-peak ceiling; with band-limited beds the true peak stays <= -1 dBTP


def limit(x: np.ndarray, h: int, ceiling: float) -> np.ndarray:
    """Look-ahead limiting of the middle of a window: returns x[2h:-2h] with its peaks held
    under `ceiling`.

    The needed gain is min-filtered over +-h samples and then smoothed with a window of the
    same reach, so the gain is always below what each sample needs and changes smoothly (no
    clicks). Sample n's gain depends on x[n-2h : n+2h] only, so a renderer that hands this
    function every stretch with 2h of context either side gets the same samples as one pass
    over the whole session would: no state, any order, any block size.
    """
    from scipy.ndimage import minimum_filter1d  # needed only when a peak is too high

    peaks = np.abs(x) if x.ndim == 1 else np.max(np.abs(x), axis=1)  # stereo: one gain for both ears
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12)).astype(np.float32)
    held = minimum_filter1d(need, size=2 * h + 1, mode="nearest")
    gain = np.minimum(smooth_within(held[h:-h], h), 1.0).astype(np.float32)
    return np.asarray(x[2 * h : -2 * h] * (gain if x.ndim == 1 else gain[:, None]))
