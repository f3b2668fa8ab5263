"""The narrator protocol: what the planner and the renderer need of any voice.

The Piper voice implements it; a recorded voice can too, without touching the planner
or the renderer. A narrator that synthesises may also offer `stop()`, callable from any
thread, to end its work under way (a stopped session then does not wait for it).
Phrases are identified by text when asked for and by the key the narrator returned from
then on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np

Progress = Callable[[int, int], None]  # (phrases made, phrases to make)


class Narrator(Protocol):
    sample_rate: int

    def clip_lengths(
        self, texts: Sequence[str], length_scale: float, progress: Progress | None = None
    ) -> dict[str, tuple[str, int]]:
        """Each phrase's key and length in samples, making (or fetching) the clips as needed,
        telling `progress` of each phrase made."""
        ...

    def ready(self, texts: Sequence[str], length_scale: float) -> bool:
        """True when every phrase can be had at once, with nothing to synthesise."""
        ...

    def clip(self, key: str) -> np.ndarray:
        """The samples of a phrase whose key clip_lengths returned: float32, mono, at sample_rate."""
        ...
