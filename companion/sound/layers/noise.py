"""Band-limited pink or brown noise as seamless loops, shaped in the frequency domain.

A loop shaped by FFT is exactly periodic, so reading it round and round never clicks.
Loops are made once per (kind, seed, part) and kept in the cache folder, each with its
speech band (0.7-4 kHz) beside it: the same noise, only that band, which the renderer takes
away while the voice speaks.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from companion.cache import ClipCache, clip_key

NOISE_VERSION = 4  # bump when the shaping below changes: it is part of the cache key
LOWEST_HZ = 20.0  # nothing below: no speaker plays it, and it only uses headroom
# Where speech lives: a recogniser (and a listener) loses words to noise here first.
SPEECH_BAND_HZ = (700.0, 4000.0)


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


def speech_band(freqs: np.ndarray) -> np.ndarray:
    """0 to 1: the share of each frequency that belongs to the speech band, with soft
    half-octave edges (so taking the band away leaves no ringing edge)."""
    lo, hi = SPEECH_BAND_HZ
    octaves = np.log2(np.maximum(freqs, np.float32(1e-3)))
    rise = np.clip((octaves - np.log2(lo)) / 0.5 + 1, 0, 1)
    fall = np.clip((np.log2(hi) - octaves) / 0.5 + 1, 0, 1)
    return np.asarray((0.5 - 0.5 * np.cos(np.pi * rise)) * (0.5 - 0.5 * np.cos(np.pi * fall)))


@lru_cache(maxsize=4)
def _weights(kind: str, length: int, sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """The loop's spectral shape, and the shape of its speech band (kept: every part of the
    same kind and length shares them)."""
    freqs = np.fft.rfftfreq(length, 1 / sample_rate).astype(np.float32)
    shape = _shape(freqs, kind).astype(np.float32)
    shape[0] = 0
    return shape, (shape * speech_band(freqs)).astype(np.float32)


def noise_loop(kind: str, length: int, sample_rate: int, seed: int, part: int) -> tuple[np.ndarray, np.ndarray]:
    """A unit-RMS loop of `length` samples (random, but fixed by kind, seed and part), and
    its speech band at the same scale. Made in single precision: a fresh machine's first
    session waits for its loops."""
    rng = np.random.default_rng([seed, part, 0xBED])
    n = length // 2 + 1
    spectrum = rng.standard_normal(n, dtype=np.float32) + 1j * rng.standard_normal(n, dtype=np.float32)
    shape, band_shape = _weights(kind, length, sample_rate)
    loop = np.fft.irfft(spectrum * shape, n=length)
    band = np.fft.irfft(spectrum * band_shape, n=length)
    scale = np.float32(1 / np.sqrt(np.mean(np.square(loop, dtype=np.float64))))
    return (loop * scale).astype(np.float32), (band * scale).astype(np.float32)


def cached_noise_loop(
    kind: str, length: int, sample_rate: int, seed: int, part: int, cache: ClipCache | None
) -> tuple[np.ndarray, np.ndarray]:
    if cache is None:
        return noise_loop(kind, length, sample_rate, seed, part)
    key, band_key = (
        clip_key(noise=kind, length=length, sr=sample_rate, seed=seed, part=part, version=NOISE_VERSION, band=band)
        for band in ("all", "speech")
    )
    loop, band = cache.get(key, mmap=True), cache.get(band_key, mmap=True)  # read as they are used
    if loop is None or band is None or len(loop) != length or len(band) != length:
        loop, band = noise_loop(kind, length, sample_rate, seed, part)
        cache.put(key, loop)
        cache.put(band_key, band)
    return loop, band
