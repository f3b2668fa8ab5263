"""The breath tone: a soft, warm periodic tone."""

from __future__ import annotations

import numpy as np

# G3: inside the 150-500 Hz comfort band, and not one of the "healing" frequencies we do not use.
TONE_HZ = 196
# A fundamental with three harmonics, none above 800 Hz: warm, never buzzy. A phone or tablet
# speaker passes little below 400 Hz, where the fundamental is cut by about 25 dB, so the
# harmonics carry most of the tone (the ear still hears their 196 Hz pitch): it loses about
# 1.8 dB there, about what the voice loses (1.5 dB), so words and tone keep their balance and
# the breath stays as plain on a phone as on headphones. (With the fundamental strongest,
# 1 / 0.55 / 0.5 / 0.3, it lost 5.2 dB, and a session's loudness range on a phone grew by as
# much as the tone and bed lost beyond the voice.)
PARTIALS = ((1, 0.5), (2, 0.7), (3, 0.8), (4, 0.4))


def tone_table(sample_rate: int, hz: int = TONE_HZ) -> np.ndarray:
    """One second of the tone at unit RMS; a whole number of cycles, so it loops seamlessly."""
    n = np.arange(sample_rate, dtype=np.float64)
    table = sum(a * np.sin(2 * np.pi * hz * k * n / sample_rate) for k, a in PARTIALS)
    return np.asarray(table / np.sqrt(np.mean(table**2)), dtype=np.float32)
