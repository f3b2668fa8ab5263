"""Band-limited pink or brown noise as seamless loops, shaped in the frequency domain.

A loop shaped by FFT is exactly periodic, so reading it round and round never clicks.
Loops are made once per (kind, seed, part) and kept in the cache folder.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from companion.cache import ClipCache, clip_key

NOISE_VERSION = 4  # bump when the shaping below changes: it is part of the cache key
LOWEST_HZ = 20.0  # nothing below: no speaker plays it, and it only uses headroom


def _shape(freqs: np.ndarray, kind: str) -> np.ndarray:
    f = np.maximum(freqs, np.float32(1.0))  # below 20 Hz is zero anyway
    if kind == "brown":
        # darker than pink (-4.2 dB an octave, most of it 180-1800 Hz), but not sub-bass: a
        # phone's speaker keeps the bed's character and loses about 2.2 dB of it. A bed that
        # loses more there than the voice (1.5 dB) widens a session's loudness range on a
        # phone by the difference: -4.8 dB an octave from 120 Hz lost 3.6 dB, and the deep
        # bed before that 10.7.
        tilt, hp, lp = f**-0.7, 180.0, 1800.0
    else:
        tilt, hp, lp = 1 / np.sqrt(f), 60.0, 3500.0
    shape = tilt / np.sqrt(1 + (hp / f) ** 8) / np.sqrt(1 + (f / lp) ** 4)
    return np.where(f < LOWEST_HZ, 0.0, shape)


@lru_cache(maxsize=4)
def _weights(kind: str, length: int, sample_rate: int) -> np.ndarray:
    """The loop's spectral shape (kept: every part of the same kind and length shares it)."""
    freqs = np.fft.rfftfreq(length, 1 / sample_rate).astype(np.float32)
    shape = _shape(freqs, kind).astype(np.float32)
    shape[0] = 0
    return shape


def noise_loop(kind: str, length: int, sample_rate: int, seed: int, part: int) -> np.ndarray:
    """A unit-RMS loop of `length` samples (random, but fixed by kind, seed and part). Made in
    single precision: a fresh machine's first session waits for its loops."""
    rng = np.random.default_rng([seed, part, 0xBED])
    n = length // 2 + 1
    spectrum = rng.standard_normal(n, dtype=np.float32) + 1j * rng.standard_normal(n, dtype=np.float32)
    loop = np.fft.irfft(spectrum * _weights(kind, length, sample_rate), n=length)
    scale = np.float32(1 / np.sqrt(np.mean(np.square(loop, dtype=np.float64))))
    return np.asarray(loop * scale, dtype=np.float32)


def cached_noise_loop(
    kind: str, length: int, sample_rate: int, seed: int, part: int, cache: ClipCache | None
) -> np.ndarray:
    if cache is None:
        return noise_loop(kind, length, sample_rate, seed, part)
    # band="all" is from when a loop's speech band was kept beside it: the loop is the same
    key = clip_key(noise=kind, length=length, sr=sample_rate, seed=seed, part=part, version=NOISE_VERSION, band="all")
    loop = cache.get(key, mmap=True)  # read as it is used
    if loop is None or len(loop) != length:
        loop = noise_loop(kind, length, sample_rate, seed, part)
        cache.put(key, loop)
    return loop
