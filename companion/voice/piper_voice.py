"""The bundled Piper neural voice (or any Piper .onnx voice), with a content-addressed cache."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, CancelledError, Future, ThreadPoolExecutor, wait
from concurrent.futures import TimeoutError as NotYet
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from companion import interrupts
from companion.cache import ClipCache, clip_key
from companion.errors import BadInput, VoiceError
from companion.options import check_argument
from companion.process import ProcessEnded, environment
from companion.voice.clips import PROCESSING_VERSION, load_tools, prepare_clip
from companion.voice.models import VoiceSpec
from companion.voice.narrator import Progress
from companion.voice.pronounce import FixUp, as_said, load_fixups

# Nothing leaves the machine: ONNX Runtime (under Piper) has telemetry on by default in its
# Linux builds, writing a device id and an event database into the cache folder and sending
# them on. Its API turns that off, and its environment switch is held while it loads and
# makes its first session (then the caller's environment is given back as it was).
TELEMETRY_OFF = {"ORT_DISABLE_TELEMETRY": "1"}


@cache
def load_voice(spec: VoiceSpec) -> Any:  # a piper.PiperVoice: piper has no annotations
    """The loaded Piper voice, once per process: loading takes about a third of a second,
    and a program making many sessions (a pack, the tests) would pay it for each."""
    with environment(TELEMETRY_OFF):
        return _load_voice(spec)


def _load_voice(spec: VoiceSpec) -> Any:
    import onnxruntime
    from piper import PiperVoice
    from piper.config import PiperConfig

    onnxruntime.disable_telemetry_events()
    onnxruntime.set_default_logger_severity(3)
    options = onnxruntime.SessionOptions()
    # One thread per inference, one inference per core: phrases are short, so this
    # keeps both cores busy better than splitting each phrase across them.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    try:
        config = PiperConfig.from_dict(json.loads(spec.config.read_text(encoding="utf-8")))
        session = onnxruntime.InferenceSession(
            str(spec.model), sess_options=options, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
        raise BadInput(
            f"'{spec.model}' is not a usable Piper voice ({type(exc).__name__}); give a Piper .onnx voice file"
        ) from None
    return PiperVoice(session=session, config=config)


def _run_options() -> Any:  # an onnxruntime.RunOptions (untyped)
    """Options for one batch of the model's runs, through which stop() ends them. ONNX Runtime
    may be imported here first, and its first import decides on telemetry: hold it off."""
    with environment(TELEMETRY_OFF):
        import onnxruntime

        onnxruntime.disable_telemetry_events()
        return onnxruntime.RunOptions()


class Apart(Protocol):
    """Where phrases are made apart from this process (live.apart.VoiceProcess)."""

    def lengths(
        self,
        spec: VoiceSpec,
        sample_rate: int,
        root: Path,
        fixups: tuple[FixUp, ...],
        texts: Sequence[str],
        length_scale: float,
    ) -> Future[Any]: ...

    def stop(self) -> None: ...


APART_CHUNK = 4  # phrases asked for at a time: progress is heard, and a stop answered, between them
_apart: Apart | None = None  # set by synthesise_apart


def synthesise_apart(apart: Apart | None) -> None:
    """Have every Piper voice in this process make its phrases in `apart` (None: here again)."""
    global _apart
    ok = apart is None or all(callable(getattr(apart, m, None)) for m in ("lengths", "stop"))
    check_argument("apart", apart, ok, "a VoiceProcess or None")
    _apart = apart


class PiperNarrator:
    """Synthesises phrases with Piper, deterministically, and caches the ready clips."""

    # Piper draws noise inside the model and ONNX Runtime cannot reseed a loaded session,
    # so the noise is off: the same text always gives the same samples.
    NOISE_SCALE = 0.0
    NOISE_W = 0.0

    def __init__(
        self,
        spec: VoiceSpec,
        sample_rate: int,
        cache: ClipCache | None = None,
        fixups: tuple[FixUp, ...] | None = None,
    ):
        self.spec = spec
        self.fixups = load_fixups() if fixups is None else fixups
        self.sample_rate = sample_rate
        self.cache = cache or ClipCache()
        self.synthesised = 0  # phrases synthesised in this process (tests read it)
        self._known: dict[str, tuple[str, float]] = {}  # key -> (text, length_scale) handed out
        self._runs: set[Any] = set()  # the model's run options of each synthesis under way (stop() ends them)
        self._runs_lock = threading.Lock()
        self._asked_apart = 0  # calls waiting on the voice's own process (stop() ends it)
        self._stops = 0  # how many times stop() was called: a call under way sees it change

    def key(self, text: str, length_scale: float) -> str:
        return clip_key(
            voice=self.spec.identity,
            text=as_said(text, self.fixups),  # a fix-up changes the sound, so it makes a new clip
            length_scale=length_scale,
            noise=[self.NOISE_SCALE, self.NOISE_W],
            sr=self.sample_rate,
            processing=PROCESSING_VERSION,
        )

    @property
    def _voice(self) -> Any:
        return load_voice(self.spec)

    def _synthesise(self, phoneme_ids: list[list[int]], length_scale: float, run: Any) -> np.ndarray:
        voice = self._voice
        parts = [self._audio(voice, ids, length_scale, run) for ids in phoneme_ids]
        raw = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return prepare_clip(np.clip(raw, -1, 1), voice.config.sample_rate, self.sample_rate)

    def _audio(self, voice: Any, ids: list[int], length_scale: float, run: Any) -> np.ndarray:
        """The model's raw audio for one sentence's phoneme ids. The model is run here rather
        than through Piper's phoneme_ids_to_audio so that `run` can end it part-way: a phrase
        can take seconds on a busy machine, and Ctrl-C must not wait for it."""
        inputs = {
            "input": np.array([ids], dtype=np.int64),
            "input_lengths": np.array([len(ids)], dtype=np.int64),
            "scales": np.array([self.NOISE_SCALE, length_scale, self.NOISE_W], dtype=np.float32),
        }
        if voice.config.num_speakers > 1:
            inputs["sid"] = np.array([getattr(voice.config, "default_speaker_id", 0)], dtype=np.int64)
        return np.asarray(voice.session.run(None, inputs, run)[0], dtype=np.float32).ravel()

    def warm_up(self) -> None:
        """Load the model and the clip tools, and make one short phrase without keeping it: the
        first phonemising and the model's first run are slow, and a first line should not wait."""
        tools = threading.Thread(target=load_tools, name="companion-tools")
        tools.start()  # imported beside the model's loading
        voice = self._voice
        tools.join()
        ids = [voice.phonemes_to_ids(p) for p in voice.phonemize("Rest.") if p]
        self._synthesise(ids, 1.0, _run_options())

    def stop(self) -> None:
        """End every synthesis under way at the model's next step (another thread may call
        this: a session stopped while its voice is made must not wait for phrases nobody will
        hear). The calls under way raise VoiceError; later calls synthesise as usual."""
        with self._runs_lock:
            self._stops += 1
            for run in self._runs:
                run.terminate = True
            apart = _apart if self._asked_apart else None
        if apart is not None:
            apart.stop()

    def ready(self, texts: Sequence[str], length_scale: float) -> bool:
        return all(self.cache.has(self.key(t, length_scale)) for t in texts)

    def clip(self, key: str) -> np.ndarray:
        audio = self.cache.get(key, mmap=True)
        if audio is not None:
            return audio
        if key not in self._known:
            raise VoiceError("a phrase was asked for that this voice never made; make the session again")
        # gone from the cache since it was planned (cleared, damaged): the voice is repeatable, so make it again
        text, length_scale = self._known.pop(key)
        self.clip_lengths([text], length_scale)
        audio = self.cache.get(key, mmap=True)
        if audio is None:
            raise VoiceError(f"the voice clip for '{text}' cannot be kept in the cache; check the cache folder")
        return audio

    def clip_lengths(
        self, texts: Sequence[str], length_scale: float, progress: Progress | None = None
    ) -> dict[str, tuple[str, int]]:
        """Cache key and length in samples of each phrase, synthesising the missing ones
        on every core (phonemes first, in this thread: espeak-ng is not thread-safe).
        `progress(done, total)` hears of each phrase made, in this thread."""
        found: dict[str, tuple[str, int]] = {}
        missing: dict[str, str] = {}
        for text in dict.fromkeys(texts):
            key = self.key(text, length_scale)
            clip = self.cache.get(key, mmap=True)
            self._known[key] = (text, length_scale)
            if clip is None:
                missing[text] = key
            else:
                found[text] = (key, len(clip))
        if not missing:
            return found
        apart = _apart
        if apart is not None and self.cache.check_writable() is None:  # the other process reads the same files
            return self._made_apart(apart, list(missing), length_scale, found, progress)
        run = _run_options()
        with self._runs_lock:
            self._runs.add(run)
        pool = ThreadPoolExecutor(max_workers=cpu_count())
        try:
            with interrupts.deferred():  # Ctrl-C never lands inside the pool's locks
                pool.submit(load_tools)  # on the other core while the model loads
            self._synthesise_missing(pool, missing, length_scale, found, progress, run)
        except BaseException:
            run.terminate = True  # Ctrl-C: the phrases in hand end at the model's next step
            raise
        finally:
            pool.shutdown(cancel_futures=True)
            with self._runs_lock:
                self._runs.discard(run)
        return found

    def _made_apart(
        self,
        apart: Apart,
        texts: list[str],
        length_scale: float,
        found: dict[str, tuple[str, int]],
        progress: Progress | None,
    ) -> dict[str, tuple[str, int]]:
        """The missing phrases made in the voice's own process, a few at a time (in the order
        asked: the first line first). Ctrl-C is answered within a tenth of a second."""
        stops = self._stops
        with self._runs_lock:
            self._asked_apart += 1
        try:
            for k in range(0, len(texts), APART_CHUNK):
                chunk = texts[k : k + APART_CHUNK]
                made, synthesised = self._ask_apart(apart, chunk, length_scale, stops)
                found.update(made)
                self.synthesised += synthesised
                if progress is not None:
                    progress(k + len(chunk), len(texts))
        finally:
            with self._runs_lock:
                self._asked_apart -= 1
        return found

    def _ask_apart(
        self, apart: Apart, chunk: list[str], length_scale: float, stops: int
    ) -> tuple[dict[str, tuple[str, int]], int]:
        for attempt in range(2):  # another narrator's stop may end the process under this one: once more
            try:
                future = apart.lengths(self.spec, self.sample_rate, self.cache.root, self.fixups, chunk, length_scale)
                while True:
                    try:
                        answer = future.result(timeout=0.1)
                        break
                    except NotYet:
                        interrupts.check()
            except (ProcessEnded, CancelledError):
                if self._stops != stops or attempt:
                    raise VoiceError("the voice was stopped before every phrase was made") from None
                continue
            if hasattr(answer, "raise_it"):  # a library error there: raised here, in its words
                answer.raise_it()
            made, synthesised = answer
            return made, synthesised
        raise AssertionError("unreachable")

    def _synthesise_missing(
        self,
        pool: ThreadPoolExecutor,
        missing: dict[str, str],
        length_scale: float,
        found: dict[str, tuple[str, int]],
        progress: Progress | None,
        run: Any,
    ) -> None:
        voice = self._voice
        try:
            jobs = [
                (text, key, [voice.phonemes_to_ids(p) for p in voice.phonemize(as_said(text, self.fixups)) if p])
                for text, key in missing.items()
            ]
        except RuntimeError as exc:  # espeak-ng cannot speak the language the settings name
            raise BadInput(f"the voice '{self.spec.label}' cannot be used: {exc}; check its settings file") from None

        def work(job: tuple[str, str, list[list[int]]]) -> tuple[str, str, int]:
            text, key, ids = job
            try:
                clip = self._synthesise(ids, length_scale, run)
            except Exception:
                if run.terminate:  # stopped part-way: nothing of it is kept
                    raise VoiceError("the voice was stopped before every phrase was made") from None
                raise
            if len(clip) == 0:
                raise BadInput(f"the voice produced no sound for '{text}'")
            self.cache.put(key, clip)
            return text, key, len(clip)

        with interrupts.deferred():  # Ctrl-C lands between waits, never inside the pool's locks
            # longest first, so the two cores finish together
            pending = {pool.submit(work, job) for job in sorted(jobs, key=lambda j: -len(j[0]))}
            done = 0
            while pending:
                # a short wait, so a signal is answered within a tenth of a second, not a phrase
                finished, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                interrupts.check()
                for future in finished:
                    text, key, length = future.result()
                    found[text] = (key, length)
                    self.synthesised += 1
                    done += 1
                    if progress is not None:
                        progress(done, len(jobs))


_threads: int | None = None  # set by use_threads: a pack's renders share the cores between processes


def use_threads(count: int) -> None:
    """Synthesise on `count` threads in this process (default: every core it may use)."""
    global _threads
    _threads = max(1, count)


def cpu_count() -> int:
    if _threads is not None:
        return _threads
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
