"""Live play: the same session `render` would write, streamed to the sound card, with gentle
controls (pause, volume, extend, stop), each acting through a fade, never a cut.

Threads: a producer renders blocks ahead of the playhead into a bounded queue; the output
(the sound card's callback, or a paced stand-in in tests) only copies blocks out; key
presses arrive as commands; the main thread draws the view. With a cold voice cache the
tone starts at once while the voice is synthesised; the first words wait until it is ready
(the tone-only opening simply lasts longer).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from .envelopes import raised_cosine
from .errors import DoesNotFit
from .plan import SessionPlan, build_plan, extend_plan, might_fit
from .render import QUANTUM, SessionRenderer
from .session import SessionOptions, resolve
from .voice.cache import ClipCache

BLOCK = 1024  # frames per device block (23 ms): keys act quickly
QUEUE_BLOCKS = 24  # about half a second rendered ahead of the playhead
PAUSE_FADE_S = 1.0
STOP_FADE_S = 3.0
SWITCH_FADE_S = 3.0  # crossfade when the plan changes under the playhead (extend, voice ready)
EXTEND_S = 5 * 60
VOLUME_STEP_DB = 3.0
VOLUME_MIN_DB = -30.0


class LiveSession:
    """Session samples from a plan that may be replaced while playing, with a crossfade."""

    def __init__(self, plan: SessionPlan, cache: ClipCache):
        self.cache = cache
        self.plan = plan
        self.renderer = SessionRenderer(plan, cache)
        self.pos = 0
        self._quanta: dict[tuple[int, int], np.ndarray] = {}
        self._generation = 0  # tells the renderers' quanta apart in the little cache
        self._old: tuple[SessionRenderer, int] | None = None
        self._fade_start = 0
        self._fade_len = 1

    @property
    def total(self) -> int:
        return self.plan.total_samples

    def replace(self, plan: SessionPlan, fade_s: float = SWITCH_FADE_S) -> None:
        self._old, self._fade_start = (self.renderer, self._generation), self.pos
        self._fade_len = max(int(fade_s * plan.sample_rate), 1)
        self.plan, self.renderer = plan, SessionRenderer(plan, self.cache)
        self._generation += 1

    def read(self, n: int) -> np.ndarray:
        """The next n samples (zeros past the end); advances the position."""
        out = self._samples(self.renderer, self._generation, self.pos, n)
        if self._old is not None:
            done = self.pos - self._fade_start
            if done >= self._fade_len:
                self._old = None
            else:
                x = (done + np.arange(n)) / self._fade_len
                w = raised_cosine(x).astype(np.float32)
                old = self._samples(*self._old, self.pos, n)
                out = old + (out - old) * w
        self.pos += n
        return out

    def _samples(self, renderer: SessionRenderer, generation: int, start: int, n: int) -> np.ndarray:
        out = np.zeros(n, np.float32)
        stop = min(start + n, renderer.total)
        at = start
        while at < stop:
            k = at // QUANTUM
            key = (generation, k)
            if key not in self._quanta:
                if len(self._quanta) > 4:
                    self._quanta.pop(next(iter(self._quanta)))
                self._quanta[key] = renderer.quantum(k)
            q = self._quanta[key]
            a = at - k * QUANTUM
            take = min(len(q) - a, stop - at)
            out[at - start : at - start + take] = q[a : a + take]
            at += take
        return out


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
        steps = np.arange(1, n + 1)
        if self._gain < self._fade_to:
            g = np.minimum(self._gain + steps * self._fade_step, self._fade_to)
        elif self._gain > self._fade_to:
            g = np.maximum(self._gain - steps * self._fade_step, self._fade_to)
        else:
            g = np.full(n, self._gain)
        self._gain = float(g[-1])
        shaped = raised_cosine(g)  # linear progress -> raised-cosine level
        target = 10 ** (self.volume_db / 20)
        vol = self._volume + (target - self._volume) * (1 - np.exp(-steps / (0.1 * self.sample_rate)))
        self._volume = float(vol[-1])
        if self.stopping and self._gain == 0.0:
            self.finished = True
        return (shaped * vol).astype(np.float32)


@dataclass
class Status:
    """What the view shows; read from the main thread."""

    plan: SessionPlan
    position: int = 0  # session sample at the playhead
    paused: bool = False
    volume_db: float = 0.0
    waiting_for_voice: bool = False
    underruns: int = 0
    done: bool = False


class Player:
    """Plays one session on an output; commands come from keys (or tests)."""

    def __init__(self, opts: SessionOptions, output, cache: ClipCache | None = None):
        self.cache = cache or ClipCache()
        self.profile, self.script, self.narrator = resolve(opts, self.cache)
        self.output = output
        pacing = self.profile.pacing
        self._phrases = self.script.phrases_for(self.profile.energy.value)
        if self.narrator is not None and (
            self.narrator.all_cached(self._phrases, pacing.length_scale) or not might_fit(self.profile, self.script)
        ):
            # Warm cache: plan it all now. A script that surely does not fit is synthesised
            # first too, so the listener hears the exact error before any sound, never during.
            first = build_plan(self.profile, self.script, self.narrator)
            self.narrator = None
        else:
            first = build_plan(self.profile, self.script, None)  # the tone can start at once
        self.live = LiveSession(first, self.cache)
        self.transport = Transport(self.profile.sample_rate)
        self.status = Status(first, waiting_for_voice=self.narrator is not None)
        self.commands: queue.Queue[str] = queue.Queue()
        self._voice: Future | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.interrupts = 0
        self.exit_code = 0
        self.lengthened_to: int | None = None  # minutes, when the words needed more time than asked

    # -- commands -------------------------------------------------------------
    def send(self, command: str) -> None:
        """'pause', 'louder', 'softer', 'extend', 'stop' (thread-safe, and safe from a signal handler)."""
        self.commands.put(command)

    def interrupt(self) -> None:
        """Ctrl-C: the first ends gently (the closing fade plays out), the next ends at once."""
        self.interrupts += 1
        self.exit_code = 130
        if self.interrupts == 1:
            self.send("stop")
        else:
            self.abort()

    def abort(self) -> None:
        self.output.abort()

    def _apply(self, command: str) -> None:
        t = self.transport
        if command == "pause":
            t.pause_toggle()
        elif command == "louder":
            t.louder()
        elif command == "softer":
            t.softer()
        elif command == "stop":
            t.stop()
        elif command == "extend" and not t.stopping:
            sr = self.profile.sample_rate
            extra = EXTEND_S * sr
            self.live.replace(extend_plan(self.live.plan, self.live.pos + 2 * sr, extra))
        self.status.paused, self.status.volume_db = t.paused, t.volume_db
        self.status.plan = self.live.plan

    # -- the voice, synthesised while the tone plays ---------------------------
    def _start_voice(self) -> None:
        if self.narrator is None:  # tones only, or every phrase already in the cache
            return
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="companion-voice")
        self._voice = self._pool.submit(self.narrator.clip_lengths, self._phrases, self.profile.pacing.length_scale)

    def _voice_ready(self) -> None:
        """Once every phrase is ready, switch to the full plan (the opening waits if need be)."""
        if self._voice is None or not self._voice.done():
            return
        self._voice.result()  # raises a voice error here, in the producer
        self._voice = None
        sr = self.profile.sample_rate
        minutes = self.live.total / sr / 60
        lead_in = self.live.pos / sr + SWITCH_FADE_S + 1.0
        try:
            full = build_plan(self.profile.with_(minutes=minutes), self.script, self.narrator, lead_in_s=lead_in)
        except DoesNotFit as exc:
            # The text looked as if it would fit, the spoken phrases do not: lengthen the
            # session rather than stop mid-way (the CLI says so at the end).
            self.lengthened_to = exc.minutes
            profile = self.profile.with_(minutes=exc.minutes)
            full = build_plan(profile, self.script, self.narrator, lead_in_s=lead_in)
        self.live.replace(full)
        self.status.plan = full
        self.status.waiting_for_voice = False

    # -- the producer ----------------------------------------------------------
    def blocks(self):
        """Output blocks with the session position each starts at (None while held)."""
        while True:
            while not self.commands.empty():
                self._apply(self.commands.get_nowait())
            self._voice_ready()
            t = self.transport
            if t.finished or self.live.pos >= self.live.total:
                return
            if t.holding:
                yield np.zeros((BLOCK, 1), np.float32), None
                continue
            at = self.live.pos
            n = min(BLOCK, self.live.total - at)
            block = self.live.read(n) * t.gains(n)
            if n < BLOCK:
                block = np.concatenate([block, np.zeros(BLOCK - n, np.float32)])
            yield block[:, None], at

    def run(self, view: Callable[[Status], None] | None = None, view_every: float = 0.1) -> int:
        self._start_voice()
        failure: list[BaseException] = []
        finished = threading.Event()

        def play() -> None:
            try:
                self.output.play(self.blocks(), self.status)
            except BaseException as exc:  # shown by the main thread
                failure.append(exc)
            finally:
                finished.set()

        thread = threading.Thread(target=play, name="companion-player", daemon=True)
        thread.start()
        try:
            while not finished.wait(view_every):
                if view is None:
                    continue
                try:
                    view(self.status)
                except Exception:  # a view must never stop the sound
                    view = None
        except BaseException:  # an interrupt the caller did not handle: stop the sound now
            self.abort()
            raise
        thread.join(timeout=5)
        self.status.done = True
        if view is not None:
            view(self.status)
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if failure:
            raise failure[0]
        return self.exit_code


class PacedOutput:
    """A stand-in for the sound card's clock in tests: takes blocks at `speed` x real time
    and keeps every one (session position included), so tests can measure what was heard."""

    def __init__(self, sample_rate: int, speed: float = 50.0, on_block: Callable | None = None):
        self.sample_rate, self.speed, self.on_block = sample_rate, speed, on_block
        self.blocks: list[np.ndarray] = []
        self.positions: list[int | None] = []
        self._abort = threading.Event()

    def play(self, blocks, status: Status) -> None:
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


class DeviceOutput:
    """The sound card, through sounddevice: a producer thread fills a bounded queue; the
    audio callback only copies a block out and notes where the playhead is."""

    def __init__(self, sample_rate: int, device: int | str | None = None):
        from .sinks import NoDevice, output_devices

        if not output_devices():
            raise NoDevice("there is no sound output on this machine")
        self.sample_rate, self.device = sample_rate, device
        self._abort = threading.Event()
        self.first_block_at: float | None = None

    def play(self, blocks, status: Status) -> None:
        import sounddevice as sd

        from .sinks import NoDevice

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
