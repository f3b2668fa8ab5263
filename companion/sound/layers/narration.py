"""Narration: the voice's clips, placed where the plan says."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from companion.dsp.shapes import smooth_within
from companion.errors import VoiceError
from companion.plan.model import PlacedClip
from companion.sound.loudness import momentary_series

# After a long quiet the voice comes back softly: every phrase of its first line has its
# loudest 400 ms at most this far over the quiet before it (the 10 s before the line), on
# headphones and on a phone's small speaker alike, so the words never jump far above the
# quiet a listener has settled into. The phrases after that line rise by a few LU each until
# they reach the voice's usual level: a rise, never a step.
RETURN_AFTER_S = 30.0
RETURN_OVER_QUIET_LU = 9.6
RETURN_RISE_LU = 2.5  # each later phrase may be this much louder than the one before
RETURN_RISE_PHRASES = 4  # by then every phrase is at its usual level
QUIET_BEFORE_S = (10.0, 1.0)  # the quiet before a line: from 10 s to 1 s before its words
LEVEL_HOP = 441  # a returning phrase's gain is set every 10 ms
LEVEL_RAMP_S = 0.05  # and moves over at least 50 ms: no pumping, no distortion
# quiet(start, stop, small_speaker): the loudness (LUFS) of what sounds in [start, stop)
# without the voice, on headphones or on a small speaker
Quiet = Callable[[int, int, bool], float]


class NarrationLayer:
    """Asks the voice for clips on demand (the Piper voice memory-maps them from its cache), so
    memory stays flat however long the session; safe to call from several rendering threads.
    `quiet` measures the tone and bed before a line, for gentle returns."""

    def __init__(
        self,
        lines: list[tuple[PlacedClip, ...]],
        voice: Callable[[str], np.ndarray] | None,
        sample_rate: int,
        quiet: Quiet,
    ):
        self.clips = sorted((c for line in lines for c in line), key=lambda c: c.start)
        self.ends = np.array([c.end for c in self.clips], dtype=np.int64)
        self.voice = voice
        self.sr, self.quiet = sample_rate, quiet
        self.returns = _returns(lines, sample_rate)  # clip start -> (its line's start, most LU over the quiet)
        self._peaks: dict[str, float] = {}
        self._levels: dict[int, np.ndarray | None] = {}
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
        return max((self._peak(c) * self._most(c) for c in self.sounding(start, stop)), default=0.0)

    def add_into(self, out: np.ndarray, start: int, scale: float = 1.0) -> None:
        """Add every clip that sounds within [start, start + len(out)) into `out`."""
        stop = start + len(out)
        for clip in self.sounding(start, stop):
            audio = self._audio(clip)
            a, b = max(clip.start, start), min(clip.end, stop)
            piece = audio[a - clip.start : b - clip.start]
            level = self.level(clip)
            if level is None:
                out[a - start : b - start] += piece * np.float32(scale) if scale != 1.0 else piece
            else:  # a returning phrase: its gain curve, linear between chunk centres
                at = np.arange(a - clip.start, b - clip.start, dtype=np.float64)
                centres = (np.arange(len(level)) + 0.5) * LEVEL_HOP
                gain = np.interp(at, centres, level).astype(np.float32)
                out[a - start : b - start] += piece * gain * np.float32(scale)

    def level(self, clip: PlacedClip) -> np.ndarray | None:
        """None (as made), or for a phrase of a line that returns after a long quiet its gain
        every LEVEL_HOP samples: each 400 ms of it brought down to its limit over the quiet
        before the line, on headphones and on a small speaker alike, and no further. Only the
        loud moments come down (a slow levelling, with ramps of LEVEL_RAMP_S), so the phrase
        keeps more of its level than one gain for the whole phrase would leave it."""
        found = self.returns.get(clip.start)
        if found is None:
            return None
        with self._lock:
            if clip.start in self._levels:
                return self._levels[clip.start]
        line_start, most = found
        before = (line_start - int(QUIET_BEFORE_S[0] * self.sr), line_start - int(QUIET_BEFORE_S[1] * self.sr))
        audio = self._audio(clip)
        over = np.max(
            [
                momentary_series(audio, self.sr, LEVEL_HOP, small) - (self.quiet(*before, small) + most)
                for small in (False, True)
            ],
            axis=0,
        )
        level: np.ndarray | None = None
        if over.max() > 0:
            need = 10 ** (-np.maximum(over, 0.0) / 20)  # window k's gain at most, over chunks k..k+w-1
            w = max(int(round(0.4 * self.sr / LEVEL_HOP)), 1)
            h = max(int(round(LEVEL_RAMP_S * self.sr / LEVEL_HOP)), 1)
            # each chunk: the least its windows allow; then held and smoothed over +-h chunks
            # (smoothed within the hold, so no window ends up louder than its limit)
            windows = np.lib.stride_tricks.sliding_window_view
            allowed = windows(np.pad(need, (w - 1, 0), constant_values=1.0), w).min(axis=1)
            held = windows(np.pad(allowed, h, mode="edge"), 2 * h + 1).min(axis=1)
            level = np.minimum(smooth_within(np.pad(held, h, mode="edge"), h), 1.0)
        with self._lock:
            self._levels[clip.start] = level
        return level

    def _most(self, clip: PlacedClip) -> float:
        level = self.level(clip)
        return 1.0 if level is None else float(level.max())

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


def _returns(lines: list[tuple[PlacedClip, ...]], sample_rate: int) -> dict[int, tuple[int, float]]:
    """The phrases that come back after a long quiet, by start: each with its line's start and
    the most LU its loudest moment may stand over the quiet before that line (every phrase of
    the first line, then a rise)."""
    found: dict[int, tuple[int, float]] = {}
    quiet_since = 0
    rising: list[float] = []  # the limits still to hand out, phrase by phrase
    returned = 0  # the start of the line that came back
    for line in sorted((line for line in lines if line), key=lambda line: line[0].start):
        if line[0].start - quiet_since >= RETURN_AFTER_S * sample_rate:
            returned = line[0].start
            rising = [RETURN_OVER_QUIET_LU] * (len(line) - 1)
            rising += [RETURN_OVER_QUIET_LU + RETURN_RISE_LU * k for k in range(RETURN_RISE_PHRASES + 1)]
        for clip in line:
            if rising:
                found[clip.start] = (returned, rising.pop(0))
        quiet_since = line[-1].end
    return found
