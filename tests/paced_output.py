"""A stand-in for the sound card's clock in tests (the real PortAudio path is tested too,
through an ALSA null device): it paces blocks and keeps every one, so the sound that
would have been heard can be measured."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from companion.output.stream import Blocks, Status


class PacedOutput:
    """A stand-in for the sound card's clock in tests: takes blocks at `speed` x real time
    and keeps every one (session position included), so tests can measure what was heard."""

    def __init__(self, sample_rate: int, speed: float = 50.0, on_block: Callable | None = None):
        self.sample_rate, self.speed, self.on_block = sample_rate, speed, on_block
        self.blocks: list[np.ndarray] = []
        self.positions: list[int | None] = []
        self._abort = threading.Event()

    def play(self, blocks: Blocks, status: Status) -> None:
        start = time.monotonic()
        played = 0
        for block, at in blocks:
            if self._abort.is_set():
                return
            self.blocks.append(block[:, 0].copy())
            self.positions.append(at)
            if at is not None:
                status.position = at
            played += len(block)
            if self.on_block is not None:
                self.on_block(self, at)
            delay = start + played / self.sample_rate / self.speed - time.monotonic()
            if delay > 0:
                time.sleep(delay)

    def abort(self) -> None:
        self._abort.set()

    @property
    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, np.float32)
