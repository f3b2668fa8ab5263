"""A narrator for the fast layer: every phrase is a soft tone whose length is fixed by its
words (about 2.4 words a second at the usual articulation), so plans and renders need no
neural voice and come out the same on every machine. It implements companion.Narrator."""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from companion.voice.narrator import Progress

SAMPLE_RATE = 44100


def seconds_for(text: str, length_scale: float) -> float:
    return 0.42 * len(text.split()) * length_scale / 1.75 + 0.2


class FakeNarrator:
    sample_rate = SAMPLE_RATE

    def __init__(self) -> None:
        self.asked: list[str] = []

    def clip_lengths(
        self, texts: Sequence[str], length_scale: float, progress: Progress | None = None
    ) -> dict[str, tuple[str, int]]:
        self.asked.extend(texts)
        lengths = {}
        for i, text in enumerate(texts):
            samples = round(seconds_for(text, length_scale) * SAMPLE_RATE)
            lengths[text] = (f"{samples}:{text}", samples)
            if progress is not None:
                progress(i + 1, len(texts))
        return lengths

    def ready(self, texts: Sequence[str], length_scale: float) -> bool:
        return True

    def clip(self, key: str) -> np.ndarray:
        return _tone(int(key.split(":", 1)[0]))


@functools.lru_cache(maxsize=64)
def _tone(samples: int) -> np.ndarray:
    """A phrase's tone, made once a length (the fuzzers render thousands of sessions). Read-only,
    as the Piper voice's memory-mapped clips are: a render that wrote into a clip fails."""
    t = np.arange(samples) / SAMPLE_RATE
    edge = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.04)  # 40 ms soft edges
    tone = (0.1 * np.sin(2 * np.pi * 220 * t) * (0.5 - 0.5 * np.cos(np.pi * edge))).astype(np.float32)
    tone.flags.writeable = False
    return tone
