"""The breath tone: a soft, warm periodic tone."""

from __future__ import annotations

import numpy as np

# G3: inside the 150-500 Hz comfort band, and not one of the "healing" frequencies we do not use.
TONE_HZ = 196
# A fundamental with three softer harmonics, none above 800 Hz: warm, never buzzy. A phone or
# tablet speaker passes little below 400 Hz, where the fundamental is cut by about 25 dB; the
# harmonics carry the same swell into the speaker's range (the ear hears their 196 Hz pitch),
# so the tone loses about 5 dB there, not 13.
PARTIALS = ((1, 1.0), (2, 0.55), (3, 0.5), (4, 0.3))


def tone_table(sample_rate: int, hz: int = TONE_HZ) -> np.ndarray:
    """One second of the tone at unit RMS; a whole number of cycles, so it loops seamlessly."""
    n = np.arange(sample_rate, dtype=np.float64)
    table = sum(a * np.sin(2 * np.pi * hz * k * n / sample_rate) for k, a in PARTIALS)
    return np.asarray(table / np.sqrt(np.mean(table**2)), dtype=np.float32)
