"""The Piper voice in a process of its own, for a program that stays open (the app).

Making phrases takes ONNX Runtime, the voice model and the clip tools: about 250 MB, which
a process gives back only when it ends. So a long-running program has its voice made here:
one process, started when a session may soon need it (`warm`, which also loads the model
and the tools and makes the default bed, so the first phrase asked for waits for none of
it), ended once unused for `idle_s`. Phrases go into the shared cache as whole files, so
the caller reads them as if made at home, sample for sample (the same model and steps, no
noise drawn). `synthesise_apart(process)` has every Piper voice of the calling process
make its phrases here.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

from companion.cache import ClipCache
from companion.errors import BadInput, CompanionError, VoiceError
from companion.options import check_argument, check_callable
from companion.plan.profile import SAMPLE_RATE, SPEAKING_PACE
from companion.process import ApartProcess, ApartStarter, ProcessEnded
from companion.voice.models import VoiceSpec, resolve_voice
from companion.voice.piper_voice import PiperNarrator
from companion.voice.pronounce import FixUp

IDLE_S = 300.0  # an unused voice process ends after this: its memory goes with it
T = TypeVar("T")
Lengths = dict[str, tuple[str, int]]


def voice_ready(cache: ClipCache | None = None, stopping: Callable[[], bool] | None = None) -> bool:
    """Every built-in phrase of the bundled voice is made already: a session in it (said without
    a name) needs no voice process. A quarter of a second on a warm cache: `stopping()`, asked
    between phrases, ends it early (False: not known) when the program is closing."""
    from companion.session import builtin_phrases

    check_argument("cache", cache, cache is None or isinstance(cache, ClipCache), "a ClipCache or None")
    check_callable("stopping", stopping)
    narrator = PiperNarrator(resolve_voice(None), SAMPLE_RATE, cache or ClipCache())
    for phrase in builtin_phrases():
        if (stopping is not None and stopping()) or not narrator.ready([phrase], SPEAKING_PACE):
            return False
    return True


class VoiceProcess:
    """One process that makes phrases for this one, started on demand, ended when idle."""

    def __init__(self, idle_s: float = IDLE_S):
        self.idle_s = idle_s
        self._process: ApartProcess | None = None
        self._lock = threading.Lock()
        self._busy = 0
        self._used = time.monotonic()
        self._timer: threading.Timer | None = None
        self._closed = False
        self._apart = ApartStarter("companion-voice-starter")

    @property
    def running(self) -> bool:
        process = self._process
        return process is not None and not process.ended  # not one that died by itself

    def pid(self) -> int | None:
        """The process's number (None when it is not running)."""
        process = self._process
        return process.pid if process is not None else None

    def warm(self, cache: ClipCache | None = None) -> None:
        """Start the process now, unless it runs, and have it load the bundled voice, the clip
        tools and the default bed (into `cache`), while nobody waits for them."""
        root = (cache or ClipCache()).root
        with self._lock:
            if self._process is not None or self._closed:
                return
        self._submit(_warm, root)

    def lengths(
        self,
        spec: VoiceSpec,
        sample_rate: int,
        root: Path,
        fixups: tuple[FixUp, ...],
        texts: Sequence[str],
        length_scale: float,
    ) -> Future[tuple[Lengths, int] | _Failed]:
        """Each phrase's cache key and length, made there when missing; and how many were made."""
        return self._submit(_lengths, spec, sample_rate, root, fixups, list(texts), length_scale)

    def _running(self) -> ApartProcess:
        with self._lock:
            if self._closed:
                raise VoiceError("the voice is no longer made here: the program is stopping")
            if self._process is None or self._process.ended:
                self._process = self._apart.start()
            return self._process

    def _submit(self, work: Callable[..., T], *args: Any) -> Future[T | _Failed]:
        process = self._running()
        try:
            future = process.submit(_guarded, work, *args)
        except ProcessEnded:  # it ended just now (stopped, or killed): another one
            with self._lock:  # not one another thread has started meanwhile
                if self._process is process:
                    self._process = None
            future = self._running().submit(_guarded, work, *args)
        with self._lock:
            self._busy += 1
        future.add_done_callback(self._done)
        return future

    def _done(self, _: Future[Any]) -> None:
        with self._lock:
            self._busy -= 1
            self._used = time.monotonic()
            if self._timer is not None:
                self._timer.cancel()
            if self._closed:
                return
            self._timer = threading.Timer(self.idle_s, self._idle)
            self._timer.daemon = True
            self._timer.start()

    def _idle(self) -> None:
        with self._lock:
            if self._busy or time.monotonic() - self._used < self.idle_s * 0.99:
                return
        self._end()

    def stop(self) -> None:
        """End the process at once, whatever it is making (nothing half-made is kept: the cache
        takes whole files); the calls waiting on it fail, and the next call starts another."""
        self._end()

    def close(self) -> None:
        """The program is stopping: the process ends, and no other is started."""
        with self._lock:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()
        self._apart.close()
        self._end()

    def _end(self) -> None:
        # ended by number, even while it still starts: what it was asked is then never done,
        # and the calls waiting hear so at once (ProcessEnded)
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.end()


class _Failed:
    """A library error in the voice's process, by kind and words (an error's own data may not
    cross processes whole)."""

    def __init__(self, error: BaseException):
        self.bad_input = isinstance(error, BadInput)
        self.words = str(error) if isinstance(error, CompanionError) else f"the voice failed ({type(error).__name__})"

    def raise_it(self) -> None:
        raise (BadInput if self.bad_input else VoiceError)(self.words)


# -- In the voice's process ----------------------------------------------------------------
def _guarded(work: Callable[..., T], *args: Any) -> T | _Failed:
    try:
        return work(*args)
    except Exception as exc:
        return _Failed(exc)


def _warm(root: Path) -> None:
    """The bundled voice loaded and tried once; the default bed made on a thread beside, so a
    phrase asked for meanwhile does not wait for it."""
    from companion.options import SessionOptions
    from companion.sound.layers.accompaniment import prepare_bed

    defaults = SessionOptions()
    bed = (defaults.ambience, defaults.seed, SAMPLE_RATE, ClipCache(root))
    threading.Thread(target=_guarded, args=(prepare_bed, *bed), name="companion-bed", daemon=True).start()
    PiperNarrator(resolve_voice(None), SAMPLE_RATE, ClipCache(root)).warm_up()


def _lengths(
    spec: VoiceSpec, sample_rate: int, root: Path, fixups: tuple[FixUp, ...], texts: list[str], length_scale: float
) -> tuple[Lengths, int]:
    narrator = PiperNarrator(spec, sample_rate, ClipCache(root), fixups)
    return narrator.clip_lengths(texts, length_scale), narrator.synthesised
