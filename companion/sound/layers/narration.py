"""Narration: the voice's clips, placed where the plan says."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from companion.dsp.levels import db_to_gain
from companion.errors import VoiceError
from companion.plan.model import PlacedClip
from companion.sound.loudness import momentary_peak

# After a long quiet the voice comes back softly: every phrase of its first line has its
# loudest 400 ms at most this far over the quiet bed before it, so the words never jump far
# above the quiet a listener has settled into. The phrases after that line rise by a few LU
# each until they reach the voice's usual level: a rise, never a step.
RETURN_AFTER_S = 30.0
RETURN_OVER_QUIET_LU = 9.0
RETURN_RISE_LU = 2.5  # each later phrase may be this much louder than the one before
RETURN_RISE_PHRASES = 4  # by then every phrase is at its usual level


class NarrationLayer:
    """Asks the voice for clips on demand (the Piper voice memory-maps them from its cache), so
    memory stays flat however long the session; safe to call from several rendering threads.
    `quiet_lufs` is the loudness of the bed between words."""

    def __init__(
        self,
        lines: list[tuple[PlacedClip, ...]],
        voice: Callable[[str], np.ndarray] | None,
        sample_rate: int,
        quiet_lufs: float,
    ):
        self.clips = sorted((c for line in lines for c in line), key=lambda c: c.start)
        self.ends = np.array([c.end for c in self.clips], dtype=np.int64)
        self.voice = voice
        self.sr, self.quiet_lufs = sample_rate, quiet_lufs
        self.returns = _returns(lines, sample_rate)  # clip start -> its most LU over the quiet
        self._peaks: dict[str, float] = {}
        self._gains: dict[int, float] = {}
        self._lock = threading.Lock()

    def sounding(self, start: int, stop: int) -> list[PlacedClip]:
        first = int(np.searchsorted(self.ends, start, side="right"))
        found = []
        for clip in self.clips[first:]:
            if clip.start >= stop:
                break
            found.append(clip)
        return found

    def peak(self, start: int, stop: int) -> float:
        """The highest sample any clip reaches within [start, stop)."""
        return max((self._peak(c) * self.gain(c) for c in self.sounding(start, stop)), default=0.0)

    def add_into(self, out: np.ndarray, start: int, scale: float = 1.0) -> None:
        """Add every clip that sounds within [start, start + len(out)) into `out`."""
        stop = start + len(out)
        for clip in self.sounding(start, stop):
            audio = self._audio(clip)
            a, b = max(clip.start, start), min(clip.end, stop)
            piece = audio[a - clip.start : b - clip.start]
            gain = scale * self.gain(clip)
            out[a - start : b - start] += piece * np.float32(gain) if gain != 1.0 else piece

    def gain(self, clip: PlacedClip) -> float:
        """1, or less for a loud phrase of a line that returns after a long quiet."""
        most = self.returns.get(clip.start)
        if most is None:
            return 1.0
        with self._lock:
            gain = self._gains.get(clip.start)
        if gain is None:
            over = momentary_peak(self._audio(clip), self.sr) - (self.quiet_lufs + most)
            gain = db_to_gain(-max(over, 0.0))
            with self._lock:
                self._gains[clip.start] = gain
        return gain

    def _peak(self, clip: PlacedClip) -> float:
        with self._lock:
            known = self._peaks.get(clip.key)
        if known is None:
            known = float(np.max(np.abs(self._audio(clip))))
            with self._lock:
                self._peaks[clip.key] = known
        return known

    def _audio(self, clip: PlacedClip) -> np.ndarray:
        audio = self.voice(clip.key) if self.voice is not None else None
        if audio is None or len(audio) != clip.length:
            raise VoiceError(f"the voice gave no clip of the planned length for '{clip.text}'; make the session again")
        return audio


def _returns(lines: list[tuple[PlacedClip, ...]], sample_rate: int) -> dict[int, float]:
    """The phrases that come back after a long quiet, by start: each with the most LU its
    loudest moment may stand over the quiet (every phrase of the first line, then a rise)."""
    found: dict[int, float] = {}
    quiet_since = 0
    rising: list[float] = []  # the limits still to hand out, phrase by phrase
    for line in sorted((line for line in lines if line), key=lambda line: line[0].start):
        if line[0].start - quiet_since >= RETURN_AFTER_S * sample_rate:
            rising = [RETURN_OVER_QUIET_LU] * (len(line) - 1)
            rising += [RETURN_OVER_QUIET_LU + RETURN_RISE_LU * k for k in range(RETURN_RISE_PHRASES + 1)]
        for clip in line:
            if rising:
                found[clip.start] = rising.pop(0)
        quiet_since = line[-1].end
    return found
