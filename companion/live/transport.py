"""What the listener asked for while playing (pause, volume, stop), turned into smooth gain:
every change goes through a raised-cosine fade, never a cut."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from companion.dsp.shapes import raised_cosine

PAUSE_FADE_S = 1.0
STOP_FADE_S = 3.0
VOLUME_STEP_DB = 3.0
VOLUME_MIN_DB = -30.0


@dataclass
class Transport:
    """What the listener asked for, turned into smooth gain per block."""

    sample_rate: int
    volume_db: float = 0.0
    paused: bool = False
    stopping: bool = False
    finished: bool = False
    _gain: float = 1.0  # the pause/stop fade, 0..1
    _fade_to: float = 1.0
    _fade_step: float = 0.0
    _volume: float = 1.0  # linear, follows volume_db smoothly

    def pause_toggle(self) -> None:
        if self.stopping:
            return
        self.paused = not self.paused
        self._fade(0.0 if self.paused else 1.0, PAUSE_FADE_S)

    def louder(self) -> None:
        self.volume_db = min(self.volume_db + VOLUME_STEP_DB, 0.0)

    def softer(self) -> None:
        self.volume_db = max(self.volume_db - VOLUME_STEP_DB, VOLUME_MIN_DB)

    def stop(self) -> None:
        if not self.stopping:
            self.stopping = True
            self._fade(0.0, STOP_FADE_S if not self.paused else 0.05)

    def _fade(self, to: float, seconds: float) -> None:
        self._fade_to = to
        self._fade_step = 1.0 / max(seconds * self.sample_rate, 1)

    @property
    def holding(self) -> bool:
        """Paused and silent: the session's clock stands still."""
        return self.paused and self._gain == 0.0 and not self.stopping

    def gains(self, n: int) -> np.ndarray:
        """Per-sample gain for the next n samples: raised-cosine fades, smooth volume."""
        target = 10 ** (self.volume_db / 20)
        if self._gain == self._fade_to and self._volume == target:
            # nothing is changing (most of a session): one value, not a fade worked out per sample
            self.finished = self.stopping and self._gain == 0.0
            return np.full(n, float(raised_cosine(np.array(self._gain))) * target, np.float32)
        steps = np.arange(1, n + 1)
        if self._gain < self._fade_to:
            g = np.minimum(self._gain + steps * self._fade_step, self._fade_to)
        elif self._gain > self._fade_to:
            g = np.maximum(self._gain - steps * self._fade_step, self._fade_to)
        else:
            g = np.full(n, self._gain)
        self._gain = float(g[-1])
        shaped = raised_cosine(g)  # linear progress -> raised-cosine level
        vol = self._volume + (target - self._volume) * (1 - np.exp(-steps / (0.1 * self.sample_rate)))
        # arrived to far below a float32 sample's precision: there, so the steady path can take over
        self._volume = target if abs(target - vol[-1]) < 1e-9 else float(vol[-1])
        if self.stopping and self._gain == 0.0:
            self.finished = True
        return (shaped * vol).astype(np.float32)
