"""Loudness measured while rendering (integrated loudness of a clip is companion.dsp.levels):
the loudest moments of clips, chimes and the bed, K-weighted in the frequency
domain. The meters only the tests use (loudness range, true peak, momentary loudness of a
whole mix) live in tests/audio_checks.py."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

# ITU-R BS.1770's K-weighting as the standard gives it: two biquads at 48 kHz (a high shelf
# of about +4 dB above 1.5 kHz, and a high pass at 38 Hz).
_K_WEIGHTING = (
    ((1.53512485958697, -2.69169618940638, 1.19839281085285), (1.0, -1.69065929318241, 0.73248077421585)),
    ((1.0, -2.0, 1.0), (1.0, -1.99004745483398, 0.99007225036621)),
)


def k_weighting_power(freqs_hz: np.ndarray) -> np.ndarray:
    """|H(f)|^2 of the K-weighting filters at these frequencies."""
    z = np.exp(-2j * np.pi * np.asarray(freqs_hz, dtype=np.float64) / 48000)
    h = np.ones_like(z)
    for b, a in _K_WEIGHTING:
        h *= (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return np.asarray(np.abs(h) ** 2)


SMALL_SPEAKER_HZ = 400.0


def small_speaker_power(freqs_hz: np.ndarray) -> np.ndarray:
    """|H(f)|^2 of a phone or tablet's small speaker, as we model it: a 4th-order Butterworth
    high-pass at 400 Hz (such speakers pass little below that)."""
    f = np.maximum(np.asarray(freqs_hz, dtype=np.float64), 1e-3)
    return 1 / (1 + (SMALL_SPEAKER_HZ / f) ** 8)


def _chunk_powers(x: np.ndarray, sr: int, hop: int, small_speaker: bool = False) -> np.ndarray:
    """The K-weighted mean power (channels summed) of each whole `hop`-sample chunk of a
    (frames, channels) array, weighted in the frequency domain (Parseval); as heard through
    the small speaker when `small_speaker`."""
    freqs = np.fft.rfftfreq(hop, 1 / sr)
    weight = k_weighting_power(freqs) * (small_speaker_power(freqs) if small_speaker else 1.0)
    weight[1 : (hop + 1) // 2] *= 2  # the negative frequencies' share
    frames = x[: len(x) // hop * hop].reshape(-1, hop, x.shape[1])
    spectrum = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    return np.asarray(np.einsum("kfc,f->k", spectrum, weight) / (hop * hop))


def _window_lufs(power: np.ndarray, w: int) -> np.ndarray:
    """Loudness of every run of `w` consecutive chunk powers."""
    c = np.concatenate([[0.0], np.cumsum(power)])
    return np.asarray(-0.691 + 10 * np.log10(np.maximum((c[w:] - c[:-w]) / w, 1e-20)))


def momentary_series(x: np.ndarray, sr: int, hop: int, small_speaker: bool = False) -> np.ndarray:
    """The momentary loudness (LUFS) of a short mono sound in windows of about 400 ms starting
    every `hop` samples: window k covers chunks k to k + w - 1 of `hop` samples, the sound
    followed by silence to cover the last (one window for each chunk of the sound). Weighted
    in the frequency domain over the whole sound (through the small speaker when
    `small_speaker`), so the weighting is as fine as the sound is long."""
    w = max(int(round(0.4 * sr / hop)), 1)
    x = np.asarray(x, dtype=np.float64)
    n = -(-len(x) // hop) * hop + (w - 1) * hop
    freqs = np.fft.rfftfreq(n, 1 / sr)
    weight = k_weighting_power(freqs) * (small_speaker_power(freqs) if small_speaker else 1.0)
    y = np.fft.irfft(np.fft.rfft(x, n) * np.sqrt(weight), n)
    return _window_lufs(np.square(y).reshape(-1, hop).sum(axis=1) / hop, w)


def momentary_peak(x: np.ndarray, sr: int, hop_s: float = 0.1, small_speaker: bool = False) -> float:
    """The loudest 400 ms (in steps of `hop_s`) of a short mono sound, in LUFS, K-weighted in
    the frequency domain (through the small speaker when `small_speaker`). For clips and
    chimes at render time, where importing a filter library would cost more than the whole
    render; it agrees with `momentary` to a fraction of a dB."""
    hop = max(int(hop_s * sr), 1)
    w = max(int(round(0.4 / hop_s)), 1)
    x = np.asarray(x, dtype=np.float64)
    x = np.pad(x, (0, max(-(-len(x) // hop), w) * hop - len(x)))  # whole chunks, at least 400 ms
    return float(_window_lufs(_chunk_powers(x[:, None], sr, hop, small_speaker), w).max())


def short_term_of_blocks(
    blocks: Iterable[np.ndarray], sr: int, hop_s: float = 0.1, window_s: float = 3.0
) -> np.ndarray:
    """Short-term loudness (3 s windows every 0.1 s) of a stream of (frames, channels) blocks,
    in constant memory: only each 0.1 s chunk's power is kept. For pictures of long sessions;
    within a fraction of a LU of `momentary(..., 3.0)`."""
    hop = int(hop_s * sr)
    powers: list[np.ndarray] = []
    carry: np.ndarray | None = None
    for block in blocks:
        x = np.asarray(block, dtype=np.float64)
        if carry is not None and len(carry):
            x = np.concatenate([carry, x])
        powers.append(_chunk_powers(x, sr, hop))
        carry = x[len(x) // hop * hop :]
    power = np.concatenate(powers) if powers else np.zeros(0)
    w = int(round(window_s / hop_s))
    return _window_lufs(power, w) if len(power) >= w else np.zeros(0)
