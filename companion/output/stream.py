"""What a live output is handed and what it reports: blocks of sound with their place in
the session, and the playing status the view reads. Here, not in the player, so the sound
card's module needs nothing of the player's."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from companion.plan.model import SessionPlan

# frames per device block (93 ms). A control is heard once the sound queued ahead of it has
# played (devices.QUEUE_BLOCKS), whatever the block; larger blocks cost the player and the
# sound callback a quarter of the calls of 1024-frame ones through an hour-long session.
BLOCK = 4096
# issue 36: the delay from a block handed to the sound card to its sound heard, where the
# card reports none (a stream's own report is used wherever it gives one: devices.py)
GUESSED_LATENCY_S = 0.1

Blocks = Iterator[tuple[np.ndarray, int | None]]  # (frames, 1) float32 and the session position (None: held)


@dataclass
class Status:
    """What the view shows; read from the main thread."""

    plan: SessionPlan
    position: int = 0  # session sample at the playhead: the block handed to the output last begins here
    position_at: float | None = None  # when that block was handed over (time.monotonic), if the output says
    latency_s: float = 0.0  # from a block handed over to its sound heard: the sound card's own report (or
    # GUESSED_LATENCY_S where it gives none); 0 for an output that is itself the listener (a test's)
    paused: bool = False
    stopping: bool = False
    volume_db: float = 0.0
    acks: list[str] = field(default_factory=list)  # what each key did ("five more minutes"), in order
    heard_at: float = 0.0  # when the last one was
    waiting_for_voice: bool = False
    underruns: int = 0  # dry spells: the output asked for sound and none was ready
    taken: int = 0  # frames the output has taken
    started_at: float | None = None  # when the output started taking them (time.monotonic)
    ended: str | None = None  # as PlayResult.ended, once it has; "failed" when the output failed

    def acknowledge(self, words: str) -> None:
        self.acks.append(words)
        self.heard_at = time.monotonic()

    def heard_recently(self, seconds: float = 4.0) -> bool:
        return bool(self.acks) and time.monotonic() - self.heard_at < seconds

    def heard_s(self, now: float) -> float:
        """The session second heard at `now` (time.monotonic): the block handed over last, as far
        into it as time has gone since (a block at most), less the output's delay."""
        sr = self.plan.sample_rate
        into = 0.0 if self.position_at is None else min(max(now - self.position_at, 0.0), BLOCK / sr)
        return max(self.position / sr + into - self.latency_s, 0.0)

    @property
    def done(self) -> bool:
        return self.ended is not None

    @property
    def faster_than_real_time(self) -> bool:
        """An output that takes sound much faster than it could play it (a null or virtual device)."""
        if self.started_at is None:
            return False
        return self.taken > (time.monotonic() - self.started_at + 2.0) * 1.5 * self.plan.sample_rate


class Output(Protocol):
    """Where played blocks go: DeviceOutput (the sound card) or a test's stand-in."""

    def play(self, blocks: Blocks, status: Status) -> None: ...

    def abort(self) -> None: ...
