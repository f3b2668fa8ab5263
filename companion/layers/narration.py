"""Narration: the voice's clips, placed where the plan says."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from ..errors import VoiceError
from ..plan import PlacedClip


class NarrationLayer:
    """Asks the voice for clips on demand (the Piper voice memory-maps them from its cache), so
    memory stays flat however long the session; safe to call from several rendering threads."""

    def __init__(self, clips: list[PlacedClip], voice: Callable[[str], np.ndarray] | None):
        self.clips = sorted(clips, key=lambda c: c.start)
        self.ends = np.array([c.end for c in self.clips], dtype=np.int64)
        self.voice = voice
        self._peaks: dict[str, float] = {}
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
        return max((self._peak(c) for c in self.sounding(start, stop)), default=0.0)

    def add_into(self, out: np.ndarray, start: int, scale: float = 1.0) -> None:
        """Add every clip that sounds within [start, start + len(out)) into `out`."""
        stop = start + len(out)
        for clip in self.sounding(start, stop):
            audio = self._audio(clip)
            a, b = max(clip.start, start), min(clip.end, stop)
            piece = audio[a - clip.start : b - clip.start]
            out[a - start : b - start] += piece * np.float32(scale) if scale != 1.0 else piece

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
