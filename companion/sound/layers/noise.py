"""Band-limited pink or brown noise as seamless loops, shaped in the frequency domain.

A loop shaped by FFT is exactly periodic, so reading it round and round never clicks.
Loops are made once per (kind, seed) and kept in the cache folder.
"""

from __future__ import annotations

import numpy as np

from companion.cache import ClipCache, clip_key

NOISE_VERSION = 1  # bump when the shaping below changes: it is part of the cache key


def _shape(freqs: np.ndarray, kind: str) -> np.ndarray:
    f = np.maximum(freqs, 1e-3)
    if kind == "brown":
        tilt, hp, lp = 1 / f, 40.0, 800.0
    else:
        tilt, hp, lp = 1 / np.sqrt(f), 60.0, 3000.0
    return tilt / np.sqrt(1 + (hp / f) ** 4) / np.sqrt(1 + (f / lp) ** 4)


def noise_loop(kind: str, length: int, sample_rate: int, seed: int, part: int) -> np.ndarray:
    """A unit-RMS loop of `length` samples (random, but fixed by kind, seed and part)."""
    rng = np.random.default_rng([seed, part, 0xBED])
    spectrum = rng.standard_normal(length // 2 + 1) + 1j * rng.standard_normal(length // 2 + 1)
    spectrum *= _shape(np.fft.rfftfreq(length, 1 / sample_rate), kind)
    spectrum[0] = 0
    loop = np.fft.irfft(spectrum, n=length)
    return (loop / np.sqrt(np.mean(loop**2))).astype(np.float32)


def cached_noise_loop(
    kind: str, length: int, sample_rate: int, seed: int, part: int, cache: ClipCache | None
) -> np.ndarray:
    if cache is None:
        return noise_loop(kind, length, sample_rate, seed, part)
    key = clip_key(noise=kind, length=length, sr=sample_rate, seed=seed, part=part, version=NOISE_VERSION)
    loop = cache.get(key)
    if loop is None or len(loop) != length:
        loop = noise_loop(kind, length, sample_rate, seed, part)
        cache.put(key, loop)
    return loop
