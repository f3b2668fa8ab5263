"""The sound card, through sounddevice (PortAudio): the outputs there are, and one to play on."""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from companion.errors import BadInput, OutputError
from companion.options import check_argument
from companion.output.stream import BLOCK, GUESSED_LATENCY_S, Status
from companion.plan.profile import SAMPLE_RATE

Block = tuple[np.ndarray, int | None]  # samples and the session position (None: held)

RATES = "a whole number of samples a second, 8000 to 192000"  # what sound cards offer
QUEUE_BLOCKS = 6  # about half a second rendered ahead of the playhead (6 x 4096 frames)
MOST_LATENCY_S = 5.0  # a reported delay beyond this is no delay a listener has: the guess instead


PORTAUDIO_MISSING = (
    "the PortAudio library that plays sound is not installed; install it "
    "(Debian, Ubuntu: sudo apt-get install libportaudio2)"
)


def output_devices() -> list[dict[str, Any]]:
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


def no_output_reason() -> str:
    """Why there is no sound output: PortAudio is missing, or the machine has no sound card."""
    try:
        import sounddevice  # noqa: F401  (it loads PortAudio, or fails to)
    except (OSError, ImportError):
        return PORTAUDIO_MISSING
    return "there is no sound output on this machine"


class NoDevice(OutputError):
    """No sound output: the caller suggests writing a file instead."""


def check_device(device: int | str | None) -> None:
    """A device the user named (by number or by part of its name) must be a sound output."""
    if device is None:
        return
    import sounddevice as sd

    refused = BadInput(
        f"there is no sound output '{device}'; choose one of this computer's sound outputs",
        field="device",
        value=device,
    )
    if isinstance(device, bool) or not isinstance(device, (int, str)) or not 0 <= _index(device) < 2**31:
        raise refused
    try:
        sd.query_devices(device, "output")
    except (ValueError, sd.PortAudioError):
        raise refused from None


def _index(device: int | str) -> int:
    return device if isinstance(device, int) else 0


def _output_channels(device: int | str | None) -> int:
    import sounddevice as sd

    try:
        return int(sd.query_devices(device, "output")["max_output_channels"])
    except (ValueError, sd.PortAudioError):
        return 1


class DeviceOutput:
    """The sound card, through sounddevice: a producer thread fills a bounded queue; the
    audio callback only copies a block out and notes where the playhead is."""

    def __init__(self, sample_rate: int = SAMPLE_RATE, device: int | str | None = None):
        rate_ok = isinstance(sample_rate, int) and not isinstance(sample_rate, bool)
        check_argument("sample_rate", sample_rate, rate_ok and 8000 <= sample_rate <= 192000, RATES)
        if not output_devices():
            raise NoDevice(no_output_reason())
        check_device(device)
        self.sample_rate, self.device = sample_rate, device
        self._abort = threading.Event()
        self.first_block_at: float | None = None

    def play(self, blocks: Iterable[Block], status: Status) -> None:
        import sounddevice as sd

        q: queue.Queue[Block | None] = queue.Queue(maxsize=QUEUE_BLOCKS)  # None: the end
        done = threading.Event()

        dry = [False]  # counting dry spells, not callbacks: a device that pulls fast calls very often
        blocks, channels = self._fitted(blocks, status.plan.profile.channels)

        def callback(outdata: np.ndarray, frames: int, _time: object, _status: object) -> None:
            status.taken += frames
            try:
                item = q.get_nowait()
            except queue.Empty:
                outdata.fill(0)
                if not dry[0]:
                    status.underruns += 1
                dry[0] = True
                return
            dry[0] = False
            if item is None:
                outdata.fill(0)
                raise sd.CallbackStop
            block, at = item
            outdata[:] = block
            if at is not None:
                status.position, status.position_at = at, time.monotonic()

        stream = self._stream(channels, callback, done.set)
        status.latency_s = reported_latency(stream)  # before any sound: where a tap falls in the session
        items = iter(blocks)
        for item in items:  # prefill, so the first callbacks find sound waiting
            q.put(item)
            if q.full():
                break

        def hand_over(item: Block | None) -> bool:
            """Queue one item; False when playing must end (aborted). A stream that ends
            by itself before the session does has died (unplugged, a broken pipe)."""
            while not self._abort.is_set():
                if done.is_set():
                    raise OutputError("the sound output stopped while playing (was it unplugged?)")
                try:
                    q.put(item, timeout=0.1)
                    return True
                except queue.Full:
                    continue
            return False

        with stream:
            self.first_block_at = time.monotonic()
            status.started_at = self.first_block_at
            if all(hand_over(item) for item in items):
                hand_over(None)
            while not done.wait(0.1):
                if self._abort.is_set():
                    stream.abort()
                    break

    def _fitted(self, blocks: Iterable[Block], channels: int) -> tuple[Iterable[Block], int]:
        """The blocks and their channel count as this output takes them: a one-channel output
        gets the sum, scaled so that centred sounds (voice, tone) keep their level."""
        if self._channels(channels) < channels:
            gain = np.float32(np.sqrt(channels))
            return ((b.mean(axis=1, keepdims=True) * gain, at) for b, at in blocks), 1
        return blocks, channels

    def _channels(self, channels: int) -> int:
        return 1 if channels > 1 and _output_channels(self.device) < channels else channels

    def latency_s(self, channels: int = 1) -> float:
        """The delay this output's stream reports, asked before playing (a stream opened as play
        opens it, and closed unstarted): where a tapped breath's next breath in falls from the
        first sound. GUESSED_LATENCY_S where the sound card reports none."""
        try:
            stream = self._stream(self._channels(channels), None, None)
        except NoDevice:  # play() says why, in its own time
            return GUESSED_LATENCY_S
        try:
            return reported_latency(stream)
        finally:
            stream.close()

    def _stream(
        self,
        channels: int,
        callback: Callable[[np.ndarray, int, object, object], None] | None,
        finished: Callable[[], None] | None,
    ) -> Any:
        import sounddevice as sd

        try:
            return sd.OutputStream(
                samplerate=self.sample_rate,
                channels=channels,
                dtype="float32",
                blocksize=BLOCK,
                device=self.device,
                callback=callback,
                finished_callback=finished,
            )
        except (sd.PortAudioError, ValueError) as exc:
            raise NoDevice(f"the sound output could not be opened ({exc})") from None

    def abort(self) -> None:
        self._abort.set()


def reported_latency(stream: Any) -> float:
    """A sounddevice output stream's own report of its delay (PortAudio's: from the samples
    handed over to their sound at the output), or the guess where it gives none."""
    try:
        latency = float(stream.latency)
    except (AttributeError, TypeError, ValueError):
        return GUESSED_LATENCY_S
    return latency if math.isfinite(latency) and 0 < latency < MOST_LATENCY_S else GUESSED_LATENCY_S
