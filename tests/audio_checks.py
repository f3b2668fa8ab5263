"""Measurements on rendered audio, shared by the tests and the benchmarks (the program itself
needs none of them)."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np
import soundfile as sf

from companion.dsp import levels

if TYPE_CHECKING:
    from companion.options import SessionOptions
    from companion.plan.model import PlacedClip, SessionPlan
    from companion.plan.scripts import Script
    from companion.session import Session

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
    "words_heard",
    "words",
    "heard_share",
    "breath_swells",
    "returns_over_quiet",
    "bed_autocorrelation",
    "phrases_heard",
    "phrase_sounds",
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


def small_speaker_of(x: np.ndarray, sr: int) -> np.ndarray:
    """What a phone or tablet's small speaker plays of a sound: a 4th-order Butterworth
    high-pass at 400 Hz (filtered in time here, apart from the program's own model of it)."""
    from scipy.signal import butter, sosfilt

    return sosfilt(butter(4, 400, "highpass", fs=sr, output="sos"), np.asarray(x, np.float64), axis=0)


small_speaker = small_speaker_of  # the name the tests know


def loudness_range(x: np.ndarray, sr: int, small_speaker: bool = False) -> float:
    """Loudness range in LU (EBU Tech 3342): the spread, 10th to 95th percentile, of the 3 s
    short-term loudness every 0.1 s, gated at -70 LUFS and at 20 LU under their mean power.
    Worked out from running sums: pyloudnorm's own loops over every 3 s block took 20 s for a
    30-minute track (tests/fast/test_audio_checks.py checks the two agree). As heard through
    a small speaker when `small_speaker`."""
    short_term = momentary(x, sr, hop_s=0.1, window_s=3.0, small_speaker=small_speaker)
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


def _k_weighting_sos(sr: int, small_speaker: bool = False) -> np.ndarray:
    """BS.1770's K-weighting at `sr` as second-order sections: pyloudnorm's meter's high
    shelf, then its high pass; after a small speaker's high-pass (small_speaker's) when asked."""
    import pyloudnorm
    from scipy.signal import butter

    stages = (
        pyloudnorm.IIRfilter(4.0, 1 / np.sqrt(2), 1500.0, sr, "high_shelf"),
        pyloudnorm.IIRfilter(0.0, 0.5, 38.0, sr, "high_pass"),
    )
    sos = np.array([np.concatenate([s.b, s.a]) / s.a[0] for s in stages])
    return np.concatenate([butter(4, 400, "highpass", fs=sr, output="sos"), sos]) if small_speaker else sos


def _block_powers(
    x: np.ndarray, sr: int, block: int, chunk_blocks: int = 64, small_speaker: bool = False
) -> np.ndarray:
    """The K-weighted power, channels summed, of each whole `block` frames, filtered a chunk
    at a time (a float64 copy of a long track would take gigabytes)."""
    from scipy.signal import sosfilt

    if x.ndim == 1:
        x = x[:, None]
    sos = _k_weighting_sos(sr, small_speaker)
    state = np.zeros((len(sos), 2, x.shape[1]))
    step = block * chunk_blocks
    sums = []
    for a in range(0, len(x) // block * block, step):
        y, state = sosfilt(sos, np.asarray(x[a : a + step], dtype=np.float64), axis=0, zi=state)
        y = y[: len(y) // block * block]
        sums.append(np.einsum("ij,ij->i", y, y).reshape(-1, block).sum(axis=1))
    return np.concatenate(sums) if sums else np.zeros(0)


def momentary(
    x: np.ndarray, sr: int, hop_s: float = 0.1, window_s: float = 0.4, small_speaker: bool = False
) -> np.ndarray:
    """EBU momentary loudness (400 ms, K-weighted, channels' powers summed) every `hop_s`
    seconds; element i covers [i * hop_s, i * hop_s + window_s) s. `window_s` 3 gives the
    short-term loudness. Summed in blocks that divide both hop and window, so nothing holds a
    value per sample. Through a small speaker when `small_speaker`."""
    w, hop = int(window_s * sr), max(int(hop_s * sr), 1)
    block = math.gcd(w, hop)
    power = _block_powers(x, sr, block, small_speaker=small_speaker)
    k, step = w // block, hop // block
    c = np.concatenate([[0.0], np.cumsum(power)])
    starts = np.arange(0, max(len(power) - k, 0) + 1, step)
    return -0.691 + 10 * np.log10(np.maximum((c[starts + k] - c[starts]) / w, 1e-20))


def lufs(x: np.ndarray, sr: int, small_speaker: bool = False) -> float:
    """Integrated loudness (BS.1770: 400 ms blocks every 100 ms, gated at -70 LUFS and 10 LU
    under their mean) from the momentary loudness; pyloudnorm's loop over the blocks took 6 s
    for a 30-minute track. A sound shorter than a block goes to pyloudnorm, tiled. Through a
    small speaker when `small_speaker`."""
    if len(x) < int(0.4 * sr):
        return levels.lufs(small_speaker_of(x, sr) if small_speaker else x, sr)
    blocks = momentary(x, sr, small_speaker=small_speaker)
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


# The recogniser cuts its input into 10 ms frames (160 samples at 16 kHz), and where that grid
# falls on a phrase moves its words: calm-place's low-energy phrases, shifted by 1-4 ms, lost
# anywhere from -3.3 to 4.9 points in the mix, as did a -90 dBFS dither, things no listener
# hears. So each phrase is heard with the grid at four places a quarter of a frame apart (that
# much digital silence before it) and its words counted on each: the same for the voice alone
# and for the mix, so a bed that hides words still costs them at every place.
HEARING_OFFSETS = (0, 40, 80, 120)


def recognise(decoder: Any, x: np.ndarray, sr: int, offset: int = 0) -> list[str]:
    """The words a recogniser hears in a mono sound (after `offset` samples of silence at 16
    kHz), and in it alone: the decoder's feature state (its cepstral mean, its noise
    estimate) starts afresh, as in a new decoder, so what it heard before cannot move what it
    hears now (it did: a phrase heard after another was heard differently, by a word in some,
    and each script's figure moved with the order)."""
    import soxr

    y = soxr.resample(np.asarray(x, np.float32), sr, 16000)
    pcm = (np.clip(y, -1, 1) * 32767).astype(np.int16)
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(np.concatenate([np.zeros(offset, np.int16), pcm]).tobytes(), full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return [w for w in (hyp.hypstr.split() if hyp else []) if not w.startswith("<")]


def words_heard(decoder: Any, reference: list[str], x: np.ndarray, sr: int) -> float:
    """How many of the reference's words a recogniser hears in a sound, in order: the mean
    over the hearings at each of HEARING_OFFSETS."""
    shares = [heard_share(reference, recognise(decoder, x, sr, o)) for o in HEARING_OFFSETS]
    return len(reference) * sum(shares) / len(shares)


def words(text: str) -> list[str]:
    import re

    return re.findall(r"[a-z']+", text.lower().replace("\u2019", "'"))


def heard_share(reference: list[str], heard: list[str]) -> float:
    """The share of the script's words heard, in order (their longest common subsequence).
    Worked out in full: difflib's matcher takes the longest run first and can pair a repeated
    phrase with the wrong one, losing every match around it."""
    if not reference or not heard:
        return 0.0
    row = [0] * (len(heard) + 1)
    for word in reference:
        diagonal = 0
        for j, other in enumerate(heard):
            diagonal, row[j + 1] = row[j + 1], diagonal + 1 if word == other else max(row[j + 1], row[j])
    return row[-1] / len(reference)


def _momentary_at(x: np.ndarray, sr: int, times_s: Iterable[float], small_speaker: bool = False) -> np.ndarray:
    """The momentary loudness (400 ms, K-weighted) of windows centred on these times."""
    m = momentary(x, sr, hop_s=0.01, small_speaker=small_speaker)  # window i starts at i * 10 ms
    index = np.clip(np.rint((np.asarray(times_s) - 0.2) / 0.01).astype(int), 0, len(m) - 1)
    return m[index]


def breath_swells(
    x: np.ndarray, sr: int, plan: SessionPlan, small_speaker: bool = False, offset: int = 0
) -> np.ndarray:
    """For each breath wholly between words (and clear of the fades, the ducking and any
    cue), how much the mix's momentary loudness rises from the in-breath's start to its
    turn, in LU: what a listener told to breathe with the sound hears of the breath. `x` may
    be a stretch of the session from sample `offset` on (only the breaths within it count)."""
    busy = [(c.start / sr - 1.0, c.end / sr + 2.0) for c in plan.clips]
    busy += [(c.at / sr - 0.5, c.at / sr + 7.0) for c in plan.cues]
    p = plan.profile
    first = max(p.fade_in_s, offset / sr) + 0.5
    last = min(plan.duration_s - p.tail_silence_s - p.fade_out_s, (offset + len(x)) / sr) - 0.5
    starts, turns = [], []
    for b in plan.breaths:
        a, e = b.start_s - 0.3, b.turn_s + 0.3
        if a >= first and e <= last and not any(u < e and a < v for u, v in busy):
            starts.append(b.start_s - offset / sr)
            turns.append(b.turn_s - offset / sr)
    if not starts:
        return np.zeros(0)
    return _momentary_at(x, sr, turns, small_speaker) - _momentary_at(x, sr, starts, small_speaker)


def returns_over_quiet(
    x: np.ndarray, sr: int, plan: SessionPlan, after_s: float = 30.0, small_speaker: bool = False
) -> list[list[float]]:
    """For each line that comes back after `after_s` or more without words: each phrase's
    loudest 400 ms over the quiet before the line (its loudness from 10 s to 1 s before), in
    LU; through a small speaker when `small_speaker`."""
    m = momentary(x, sr, hop_s=0.1, small_speaker=small_speaker)
    found, quiet_since = [], 0.0
    for entry in plan.narration:
        start = entry.start / sr
        if start - quiet_since >= after_s:
            quiet = lufs(x[int((start - 10) * sr) : int((start - 1) * sr)], sr, small_speaker)
            over = []
            for c in entry.clips:
                first, last = int(np.ceil(c.start / sr * 10)), int(np.floor((c.end / sr - 0.4) * 10))
                over.append(float(m[first : max(last, first) + 1].max()) - quiet)
            found.append(over)
        quiet_since = entry.end / sr
    return found


def bed_autocorrelation(x: np.ndarray, sr: int, lags_s: tuple[float, float] = (1.0, 600.0)) -> float:
    """The largest |autocorrelation| of a sound (mono) at any lag within `lags_s`: a noise bed
    that comes round again is alike to itself one period later. Measured below 1 kHz, at
    4 kHz sampling (a repeat is alike in every band), by FFT."""
    import soxr

    rate = 4000
    y = soxr.resample(np.asarray(x, np.float32), sr, rate).astype(np.float64)
    spectrum = np.fft.rfft(y, n=2 * len(y))
    f = np.fft.rfftfreq(2 * len(y), 1 / rate)
    spectrum[f > 1000] = 0
    r = np.fft.irfft(np.abs(spectrum) ** 2)[: len(y)]
    overlap = len(y) - np.arange(len(y))  # an unbiased estimate: each lag over its own overlap
    r = r / overlap / (r[0] / len(y))
    a, b = int(lags_s[0] * rate), min(int(lags_s[1] * rate), len(y) // 2)
    return float(np.abs(r[a:b]).max())


def phrases_heard(decoder: Any, session: Session, clips: list[PlacedClip], sr: int = 44100) -> tuple[int, float, float]:
    """How many of the script's words these phrases (a session's placed clips) hold, and how
    many of them a recogniser hears in the voice alone and in the mix (its two channels folded
    to one speaker), phrase by phrase from its first sample to its last: what the sound under
    the words costs them. A mix that is its voice alone, sample for sample (nothing sounds
    under the words), is not heard again: a recogniser whose state starts afresh hears the
    same sound the same way (tests/real/test_small_speakers.py checks that)."""
    total, alone, in_mix = 0, 0.0, 0.0
    for clip, voice, mix in phrase_sounds(session, clips):
        reference = words(clip.text)
        total += len(reference)
        heard = _heard_alone(decoder, reference, voice, sr)
        alone += heard
        in_mix += heard if np.array_equal(voice, mix) else words_heard(decoder, reference, mix, sr)
    return total, alone, in_mix


def phrase_sounds(session: Session, clips: list[PlacedClip]) -> list[tuple[PlacedClip, np.ndarray, np.ndarray]]:
    """Each phrase, from its first sample to its last: the voice alone, and the mix folded to
    one speaker. Only the quanta that hold the phrases are rendered."""
    from companion.sound.renderer import QUANTUM

    renderer = session.renderer()  # with the session's cache: its noise loops are made once
    quanta: dict[int, np.ndarray] = {}
    out = []
    for clip in clips:
        first, last = clip.start // QUANTUM, -(-clip.end // QUANTUM)
        for k in range(first, last):
            if k not in quanta:
                quanta[k] = renderer.quantum(k).mean(axis=1)
        span = np.concatenate([quanta[k] for k in range(first, last)])
        voice = np.zeros(clip.length, np.float32)
        renderer.voice.add_into(voice, clip.start, renderer.centre_scale)
        out.append((clip, voice, span[clip.start - first * QUANTUM : clip.end - first * QUANTUM]))
    return out


_ALONE: dict[bytes, float] = {}


def _heard_alone(decoder: Any, reference: list[str], voice: np.ndarray, sr: int) -> float:
    """What the recogniser hears in a phrase of the voice alone: the same phrase at the same
    level, sample for sample, is heard again from the last time (many scripts share phrases
    across energies), so only the mixes cost a hearing each."""
    import hashlib

    key = hashlib.sha1(" ".join(reference).encode() + np.ascontiguousarray(voice).tobytes()).digest()
    if key not in _ALONE:
        _ALONE[key] = words_heard(decoder, reference, voice, sr)
    return _ALONE[key]


def script_options(script: Script, energy: str) -> SessionOptions:
    """Session options for a built-in script at an energy it offers, in its own mode (a
    therapist's track 30 minutes long: its words are in its first and last 3 minutes)."""
    from companion import SessionOptions

    mode = script.modes[0]
    return SessionOptions(
        energy=energy,
        script=script.name,
        mode=mode,
        minutes=30.0 if mode == "massage" else None,
        safety_confirmed=mode == "caregiver",
    )


def sample_phrases(plan: SessionPlan, sr: int = 44100, after_s: float = 30.0) -> list[PlacedClip]:
    """The phrase of a session to listen to: the first of the first line that returns after a
    long quiet (the softest the voice is made, just after the bed has risen before it), else
    the first of its second line. One a session: each costs a recogniser two hearings (about
    a second of a core), and a session's middle line (once heard too) has the same nothing
    under it, at the voice's usual level."""
    lines = plan.narration
    if not lines:
        return []
    quiet_since, returning = 0.0, lines[min(1, len(lines) - 1)]
    for entry in lines:
        if entry.start / sr - quiet_since >= after_s:
            returning = entry
            break
        quiet_since = entry.end / sr
    return [returning.clips[0]]
