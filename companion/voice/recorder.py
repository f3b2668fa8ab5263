"""Recording one phrase from the microphone, with a level to watch while speaking."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

import numpy as np

from companion import interrupts
from companion.errors import BadInput, OutputError

RATE = 44100
BLOCK = 2048
LONGEST_S = 60.0  # a phrase is a sentence: a take that runs on is stopped here


def level_bar(rms: float, width: int = 30) -> str:
    """A calm level meter: -60 dBFS empty, -6 full; an input that gives odd values (NaN,
    infinity) shows as empty rather than failing."""
    rms = float(rms) if np.isfinite(rms) else 0.0
    db = 20 * np.log10(max(rms, 1e-9))
    filled = int(round(np.clip((db + 60) / 54, 0, 1) * width))
    return "#" * filled + "." * (width - filled)


def record(stop: threading.Event, on_level: Callable[[float], None] | None = None) -> np.ndarray:
    """Mono float32 at 44.1 kHz from the default input, until `stop` is set (or a minute)."""
    import sounddevice as sd

    # a microphone fills this as it is spoken; a virtual input that runs ahead of the clock
    # (ALSA's null and file devices) fills it and then waits: it is taken in real time below
    blocks: queue.Queue[np.ndarray] = queue.Queue(maxsize=64)

    def callback(indata: np.ndarray, frames: int, _time: object, _status: object) -> None:
        try:
            blocks.put_nowait(indata[:, 0].copy())
        except queue.Full:
            pass

    try:
        stream = sd.InputStream(samplerate=RATE, channels=1, dtype="float32", blocksize=BLOCK, callback=callback)
    except (sd.PortAudioError, ValueError) as exc:
        raise BadInput(
            f"no microphone could be opened ({exc}); import recordings made elsewhere instead",
            field="microphone",
        ) from None
    taken: list[np.ndarray] = []
    held = 0
    with stream:
        started = time.monotonic()
        while not stop.is_set() and held < LONGEST_S * RATE:
            interrupts.check()
            try:
                block = blocks.get(timeout=0.1)
            except queue.Empty:
                if not stream.active:
                    raise OutputError("the microphone stopped while recording (was it unplugged?)") from None
                continue
            ahead = held / RATE - (time.monotonic() - started)
            if ahead > 0 and stop.wait(ahead):  # never more sound than time has passed
                break
            taken.append(block)
            held += len(block)
            if on_level is not None:
                on_level(float(np.sqrt(np.mean(block.astype(np.float64) ** 2))))
    return np.concatenate(taken) if taken else np.zeros(0, np.float32)


def play_back(take: np.ndarray, sample_rate: int) -> None:
    import sounddevice as sd

    try:
        sd.play(take, sample_rate)
        sd.wait()
    except sd.PortAudioError as exc:
        raise OutputError(f"the take could not be played back ({exc})") from None
