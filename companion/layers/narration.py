"""Narration: ready clips from the cache, placed where the plan says."""

from __future__ import annotations

import numpy as np

from ..plan import PlacedClip
from ..voice.cache import ClipCache


class NarrationLayer:
    def __init__(self, clips: list[PlacedClip], cache: ClipCache):
        self.clips = sorted(clips, key=lambda c: c.start)
        self.ends = np.array([c.end for c in self.clips], dtype=np.int64)
        self.cache = cache
        self._open: dict[str, np.ndarray] = {}

    def add_into(self, out: np.ndarray, start: int) -> None:
        """Add every clip that sounds within [start, start + len(out)) into `out`."""
        stop = start + len(out)
        first = int(np.searchsorted(self.ends, start, side="right"))
        for clip in self.clips[first:]:
            if clip.start >= stop:
                break
            audio = self._audio(clip)
            a, b = max(clip.start, start), min(clip.end, stop)
            out[a - start : b - start] += audio[a - clip.start : b - clip.start]
        # Forget clips that are over: memory stays flat however long the session.
        live = {c.key for c in self.clips[first : first + 4]}
        self._open = {k: v for k, v in self._open.items() if k in live}

    def _audio(self, clip: PlacedClip) -> np.ndarray:
        audio = self._open.get(clip.key)
        if audio is None:
            audio = self.cache.get(clip.key, mmap=True)
            if audio is None or len(audio) != clip.length:
                raise RuntimeError(f"clip for '{clip.text}' is missing from the cache")
            self._open[clip.key] = audio
        return audio
