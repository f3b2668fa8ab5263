"""Measurements on rendered audio, shared by the tests and the benchmarks (the program itself
needs none of them)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import Any

import numpy as np
import soundfile as sf

from companion.dsp import levels

__all__ = [
    "read",
    "lufs",
    "loudness_range",
    "true_peak_db",
    "momentary",
    "spans",
    "rms_db",
    "max_step_near",
    "small_speaker",
    "recogniser",
    "recognise",
    "words",
    "heard_share",
]


def read(path: str | os.PathLike[str]) -> tuple[np.ndarray, int]:
    """Frames as (n, channels) for a stereo file, (n,) for a mono one, as float32: exact for
    16-bit samples, and half the memory of float64 for a long track."""
    x, sr = sf.read(str(path), dtype="float32", always_2d=True)
    return (x if x.shape[1] > 1 else x[:, 0]), sr


def spans(x: np.ndarray, sr: int, ranges: Iterable[tuple[float, float]]) -> np.ndarray:
    return np.concatenate([x[int(a * sr) : int(b * sr)] for a, b in ranges])


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x))) + 1e-12))


def max_step_near(x: np.ndarray, index: int, width: int) -> float:
    """Largest sample-to-sample jump within +-width samples of index: a click detector."""
    lo, hi = max(index - width, 0), min(index + width, len(x) - 1)
    return float(np.max(np.abs(np.diff(x[lo : hi + 1], axis=0))))


def small_speaker(x: np.ndarray, sr: int) -> np.ndarray:
    """What a phone or tablet's small speaker plays of a sound: a 4th-order Butterworth
    high-pass at 400 Hz (filtered in time here, apart from the program's own model of it)."""
    from scipy.signal import butter, sosfilt

    return sosfilt(butter(4, 400, "highpass", fs=sr, output="sos"), np.asarray(x, np.float64), axis=0)


def loudness_range(x: np.ndarray, sr: int) -> float:
    """Loudness range in LU (EBU Tech 3342): the spread, 10th to 95th percentile, of the 3 s
    short-term loudness every 0.1 s, gated at -70 LUFS and at 20 LU under their mean power.
    Worked out from running sums: pyloudnorm's own loops over every 3 s block took 20 s for a
    30-minute track (tests/fast/test_audio_checks.py checks the two agree)."""
    short_term = momentary(x, sr, hop_s=0.1, window_s=3.0)
    loud = short_term[short_term >= -70.0]
    if len(loud) == 0:
        return float("nan")
    mean = 10 * np.log10(np.mean(10 ** (loud / 10)))
    kept = loud[loud >= mean - 20.0]
    return float(np.percentile(kept, 95) - np.percentile(kept, 10))


def true_peak_db(x: np.ndarray, sr: int = 44100, chunk: int = 1 << 20) -> float:
    """Peak of the 4x oversampled signal in dBTP, streamed through soxr (a fifth of the time
    scipy's resample_poly took on a long track; tests/fast/test_audio_checks.py compares them)."""
    import soxr

    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[:, None]
    # only the ratio counts: soxr's filter is relative to the rate, so `sr` need not be exact
    stream = soxr.ResampleStream(sr, 4 * sr, x.shape[1], dtype="float32", quality="HQ")
    peak = 0.0
    for a in range(0, len(x), chunk):
        last = a + chunk >= len(x)
        up = stream.resample_chunk(np.ascontiguousarray(x[a : a + chunk]), last=last)
        peak = max(peak, float(np.max(np.abs(up)))) if len(up) else peak
    return 20 * np.log10(peak) if peak > 0 else -np.inf


def _k_weighting_sos(sr: int) -> np.ndarray:
    """BS.1770's K-weighting at `sr` as second-order sections: pyloudnorm's meter's high
    shelf, then its high pass."""
    import pyloudnorm

    stages = (
        pyloudnorm.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sr, "high_shelf"),
        pyloudnorm.IIRfilter(0.0, 0.5, 38.0, sr, "high_pass"),
    )
    return np.array([np.concatenate([s.b, s.a]) / s.a[0] for s in stages])


def _block_powers(x: np.ndarray, sr: int, block: int, chunk_blocks: int = 64) -> np.ndarray:
    """The K-weighted power, channels summed, of each whole `block` frames, filtered a chunk
    at a time (a float64 copy of a long track would take gigabytes)."""
    from scipy.signal import sosfilt

    if x.ndim == 1:
        x = x[:, None]
    sos = _k_weighting_sos(sr)
    state = np.zeros((len(sos), 2, x.shape[1]))
    step = block * chunk_blocks
    sums = []
    for a in range(0, len(x) // block * block, step):
        y, state = sosfilt(sos, np.asarray(x[a : a + step], dtype=np.float64), axis=0, zi=state)
        y = y[: len(y) // block * block]
        sums.append(np.einsum("ij,ij->i", y, y).reshape(-1, block).sum(axis=1))
    return np.concatenate(sums) if sums else np.zeros(0)


def momentary(x: np.ndarray, sr: int, hop_s: float = 0.1, window_s: float = 0.4) -> np.ndarray:
    """EBU momentary loudness (400 ms, K-weighted, channels' powers summed) every `hop_s`
    seconds; element i covers [i * hop_s, i * hop_s + window_s) s. `window_s` 3 gives the
    short-term loudness. Summed in blocks that divide both hop and window, so nothing holds a
    value per sample."""
    w, hop = int(window_s * sr), max(int(hop_s * sr), 1)
    block = math.gcd(w, hop)
    power = _block_powers(x, sr, block)
    k, step = w // block, hop // block
    c = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, max(len(power) - k, 0) + 1, step)
    return -0.691 + 10 * np.log10(np.maximum((c[starts + k] - c[starts]) / w, 1e-20))


def lufs(x: np.ndarray, sr: int) -> float:
    """Integrated loudness (BS.1770: 400 ms blocks every 100 ms, gated at -70 LUFS and 10 LU
    under their mean) from the momentary loudness; pyloudnorm's loop over the blocks took 6 s
    for a 30-minute track. A sound shorter than a block goes to pyloudnorm, tiled."""
    if len(x) < int(0.4 * sr):
        return levels.lufs(x, sr)
    blocks = momentary(x, sr)
    power = 10 ** ((blocks[blocks >= -70.0] + 0.691) / 10)
    if len(power) == 0:
        return float("-inf")
    relative = -0.691 + 10 * np.log10(power.mean()) - 10.0
    kept = power[-0.691 + 10 * np.log10(power) >= relative]
    return float(-0.691 + 10 * np.log10(kept.mean()))


def recogniser() -> Any:  # a pocketsphinx Decoder (pocketsphinx has no annotations)
    """A speech recogniser independent of the voice: PocketSphinx with its own US English model."""
    from pocketsphinx import Decoder  # type: ignore[import-untyped]

    return Decoder(loglevel="FATAL")


def recognise(decoder: Any, x: np.ndarray, sr: int) -> list[str]:
    """The words a recogniser hears in a mono sound."""
    import soxr

    y = soxr.resample(np.asarray(x, np.float32), sr, 16000)
    decoder.start_utt()
    decoder.process_raw((np.clip(y, -1, 1) * 32767).astype(np.int16).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return [w for w in (hyp.hypstr.split() if hyp else []) if not w.startswith("<")]


def words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))


def heard_share(reference: list[str], heard: list[str]) -> float:
    """The share of the script's words heard, in order (their longest common subsequence)."""
    from difflib import SequenceMatcher

    blocks = SequenceMatcher(None, reference, heard, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / max(len(reference), 1)
