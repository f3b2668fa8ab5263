"""The sound card, through sounddevice (PortAudio): the outputs there are, and one to play on."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterable

import numpy as np

from .errors import OutputError
from .player import BLOCK, Status
from .profile import SAMPLE_RATE

QUEUE_BLOCKS = 24  # about half a second rendered ahead of the playhead


def output_devices() -> list[dict]:
    """The sound outputs PortAudio can see (empty when there is none, or no PortAudio)."""
    try:
        import sounddevice as sd

        return [
            {"index": i, "name": d["name"], "channels": d["max_output_channels"], "default": i == sd.default.device[1]}
            for i, d in enumerate(sd.query_devices())
            if d["max_output_channels"] > 0
        ]
    except (OSError, ImportError):  # no PortAudio library on this machine
        return []


class NoDevice(OutputError):
    """No sound output: the caller suggests writing a file instead."""


class DeviceOutput:
    """The sound card, through sounddevice: a producer thread fills a bounded queue; the
    audio callback only copies a block out and notes where the playhead is."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, device: int | str | None = None):
        if not output_devices():
            raise NoDevice("there is no sound output on this machine")
        self.sample_rate, self.device = sample_rate, device
        self._abort = threading.Event()
        self.first_block_at: float | None = None

    def play(self, blocks: Iterable[tuple[np.ndarray, int | None]], status: Status) -> None:
        import sounddevice as sd

        q: queue.Queue = queue.Queue(maxsize=QUEUE_BLOCKS)
        done = threading.Event()
        end = object()

        def callback(outdata, frames, _time, _status) -> None:
            try:
                item = q.get_nowait()
            except queue.Empty:
                outdata.fill(0)
                status.underruns += 1
                return
            if item is end:
                outdata.fill(0)
                raise sd.CallbackStop
            block, at = item
            outdata[:] = block
            if at is not None:
                status.position = at

        try:
            stream = sd.OutputStream(
                samplerate=self.sample_rate,
                channels=1,
                dtype="float32",
                blocksize=BLOCK,
                device=self.device,
                callback=callback,
                finished_callback=done.set,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise NoDevice(f"the sound output could not be opened ({exc})") from None
        items = iter(blocks)
        for item in items:  # prefill, so the first callbacks find sound waiting
            q.put(item)
            if q.full():
                break
        with stream:
            self.first_block_at = time.monotonic()
            for item in items:
                while not self._abort.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._abort.is_set():
                    break
            if not self._abort.is_set():
                q.put(end)
            while not done.wait(0.1):
                if self._abort.is_set():
                    stream.abort()
                    break

    def abort(self) -> None:
        self._abort.set()
