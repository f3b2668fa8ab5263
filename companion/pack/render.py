"""A pack's renders, several at once: one process per core (the voice model and the mixing
are CPU-bound and hold the GIL), each rendering whole tracks through the library API.

The voice cache is shared safely: every clip is written under a temporary name and renamed
whole, so two processes making the same phrase both write the same bytes and neither reads
half a clip. Ctrl-C or SIGTERM stops every worker within a phrase or a block; a track being
made is then removed (it was only ever a temporary file), and every finished one is kept.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import multiprocessing.queues
import multiprocessing.synchronize
import os
import queue
import shutil
import signal
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeAlias, cast

from companion import interrupts
from companion.atomic import written_atomically
from companion.errors import CompanionError, OutputError
from companion.options import SessionOptions
from companion.output.captions import captions
from companion.output.sinks import explain_write_error
from companion.output.tags import ARTIST, Chapter, TrackTags, write_tags
from companion.pack.model import Manifest, Track, file_hash, write_file
from companion.process import end_with_parent
from companion.voice.piper_voice import cpu_count, use_threads

STOP_GRACE_S = 0.5  # a stopped pack's workers end by then, whatever they were doing

Report = Callable[[str, float], None]  # (track file, fraction made)
Events: TypeAlias = "multiprocessing.queues.Queue[tuple[str, Any]]"  # from the workers: their pids, their progress
Stop = multiprocessing.synchronize.Event


@dataclass(frozen=True)
class Job:
    file: str
    path: Path
    options: SessionOptions
    title: str
    purpose: str
    album: str
    number: int
    total: int
    cover: bytes
    sound: str
    tags: list[Any]  # the track's tags as the manifest records them (JSON)


def make_track(job: Job, report: Report) -> dict[str, Any]:
    """Render one track (tagged, with a caregiver track's notes beside it) and return its
    manifest entry: the hash of its inputs, and what the page shows of it."""
    from companion.session import make_session, render, track_tags

    session = make_session(job.options, progress=lambda done, total: report(job.file, 0.5 * done / total))
    tags = track_tags(session, job.album, job.number, job.total)
    tags = replace(tags, title=job.title, comment=job.purpose, cover_png=job.cover)
    step = max(1, session.plan.total_samples // 100)
    last = [0]

    def rendered(done: int, total: int) -> None:
        if done - last[0] >= step or done == total:
            last[0] = done
            report(job.file, 0.5 + 0.5 * done / total)

    written = render(session, job.path, tags, progress=rendered)
    plan = session.plan
    return {
        "sound": job.sound,
        "tags": job.tags,
        "sha256": file_hash(job.path),
        "bytes": job.path.stat().st_size,
        "notes": written.notes.name if written.notes is not None else None,
        # issue 30: its words, as WebVTT beside it and for the page to show as they are spoken
        "captions": written.captions.name if written.captions is not None else None,
        "lines": [[round(c.start_s, 3), round(c.end_s, 3), c.text] for c in captions(plan)],
        "title": job.title,
        "duration_s": round(plan.duration_s, 3),
        # the page's breathing guide follows these: [start, in, out] seconds
        "breaths": [[round(b.start_s, 3), round(b.inhale_s, 3), round(b.exhale_s, 3)] for b in plan.breaths],
        "chapters": [[round(c.start_s, 3), c.title] for c in tags.chapters],
    }


def render_tracks(
    folder: Path,
    todo: list[Track],
    album: str,
    total: int,
    cover: bytes,
    manifest: Manifest,
    sounds: dict[str, str],
    tags: dict[str, list[Any]],
    jobs: int | None,
    progress: Callable[[float, int], None] | None,
) -> None:
    """Render `todo` (longest first, so the cores finish together), recording each finished
    track in the manifest at once."""
    fractions = {t.file: 0.0 for t in todo}

    def report(file: str, fraction: float) -> None:
        fractions[file] = max(fractions[file], min(fraction, 1.0))
        if progress is not None:
            progress(sum(fractions.values()), len(todo))

    def finished(file: str, entry: dict[str, Any]) -> None:
        manifest.tracks[file] = entry
        manifest.save()
        report(file, 1.0)

    def pulse() -> None:
        # heard while the workers start and load the voice, with no news yet: an app's job
        # stops at its next progress report, so one is due every tenth of a second
        if progress is not None:
            progress(sum(fractions.values()), len(todo))

    order = [
        Job(
            t.file,
            folder / t.file,
            t.options,
            t.title,
            t.purpose,
            album,
            t.number,
            total,
            cover,
            sounds[t.file],
            tags[t.file],
        )
        for t in sorted(todo, key=lambda t: -t.minutes)
    ]
    jobs = min(jobs or cpu_count(), len(order))
    if jobs <= 1:
        for job in order:
            finished(job.file, make_track(job, report))
    else:
        _in_parallel(order, jobs, report, finished, pulse)


def retag_track(
    folder: Path, source: str, track: Track, entry: dict[str, Any], tags: list[Any], cover: bytes
) -> dict[str, Any]:
    """A finished track whose sound is right but whose tags (or name) are not: a copy with the
    new tags put in place whole, under its new name; the source stays until the pack is
    complete. Seconds, where rendering it again would take a minute."""
    album, title, number, total, purpose = tags
    target = folder / track.file
    starts = [c[0] for c in entry["chapters"]]
    ends = starts[1:] + [entry["duration_s"]]
    chapters = tuple(Chapter(s, e, c[1]) for s, e, c in zip(starts, ends, entry["chapters"]))
    new_tags = TrackTags(title, album, ARTIST, number, total, purpose, cover, chapters)
    notes, words = entry["notes"], entry.get("captions")
    try:
        if notes is not None and source != track.file:
            notes = target.with_suffix(".txt").name
            write_file(folder / notes, (folder / entry["notes"]).read_bytes())
        if words is not None and source != track.file:
            words = target.with_suffix(".vtt").name
            write_file(folder / words, (folder / entry["captions"]).read_bytes())
        with written_atomically(target) as tmp:
            shutil.copyfile(folder / source, tmp)
            write_tags(tmp, new_tags, target.suffix)
    except OSError as exc:
        raise explain_write_error(exc, target) from None
    return {
        **entry,
        "tags": tags,
        "title": title,
        "notes": notes,
        "captions": words,
        "sha256": file_hash(target),
        "bytes": target.stat().st_size,
    }


def stop_heard(progress: Callable[[float, int], None] | None, total: int) -> None:
    """A stop asked for meanwhile, raised: Ctrl-C's flag, or an app's job at its next report."""
    interrupts.check()
    if progress is not None and total:  # a bar appears only when there is something to make
        progress(0, total)


def _in_parallel(
    order: list[Job],
    jobs: int,
    report: Report,
    finished: Callable[[str, dict[str, Any]], None],
    pulse: Callable[[], None],
) -> None:
    context = _Spawning()
    events, stop = context.Queue(), context.Event()
    initargs = (events, stop, cpu_count() // jobs, os.getpid())
    pool = ProcessPoolExecutor(jobs, mp_context=cast(Any, context), initializer=_start, initargs=initargs)
    pids: set[int] = set()
    futures: dict[Future[dict[str, Any]], Job] = {}
    recorded: set[str] = set()
    try:
        # Ctrl-C and SIGTERM are noted, then raised between waits, never inside the pool's locks
        with interrupts.deferred():
            futures = {pool.submit(_work, job): job for job in order}
            pending = set(futures)
            while pending:
                done, pending = wait(pending, timeout=0.1, return_when=FIRST_COMPLETED)
                _drain(events, report, pids)
                pulse()
                for future in done:
                    finished(futures[future].file, _result(future))
                    recorded.add(futures[future].file)
                interrupts.check()
    except BaseException:
        _stopped(pool, context, list(futures), events, stop, pids)
        _keep_what_finished(futures, recorded, finished)
        raise
    pool.shutdown(wait=True)


def _stopped(
    pool: ProcessPoolExecutor,
    context: _Spawning,
    futures: list[Future[Any]],
    events: Events,
    stop: Stop,
    pids: set[int],
) -> None:
    """The pool's workers stopped within STOP_GRACE_S and a little: none is waited for."""
    # The pool hands each worker its next track before the last one ends, so cancelling is
    # not enough: the stop flag keeps a worker from starting one, and ends the one it has at
    # its next progress report; the signal ends one making the voice sooner.
    stop.set()
    _drain(events, lambda file, fraction: None, pids)
    _signal(pids, signal.SIGTERM)
    for future in futures:
        future.cancel()  # those not started
    # A worker still starting, or loading the voice, hears the signal only when that call
    # returns, seconds later: it is given a moment, then ended (what it half-wrote is a hidden
    # temporary file, removed here or by the next run). One still starting has not said its
    # number yet, and the pool's shutdown would wait for it to start: its number is the
    # context's. (Ended any sooner, it would break the pool, whose workers then hear SIGTERM
    # while idle, which they ignore, and the shutdown would wait for ever.)
    if wait([f for f in futures if not f.done()], timeout=STOP_GRACE_S).not_done:
        _signal(context.started, signal.SIGKILL)
    pool.shutdown(wait=True, cancel_futures=True)


class _Spawning:
    """The spawn start method (nothing of this process's threads or locks is copied), keeping
    each process the pool starts: a stop ends even one still starting. A context's own
    methods, but for Process, are the spawn context's."""

    def __init__(self) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._processes: list[multiprocessing.process.BaseProcess] = []

    def Process(self, *args: Any, **kwargs: Any) -> multiprocessing.process.BaseProcess:  # noqa: N802 (the context's name)
        process = self._context.Process(*args, **kwargs)
        self._processes.append(process)
        return process

    @property
    def started(self) -> set[int]:
        return {p.pid for p in self._processes if p.pid is not None}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._context, name)


def _signal(pids: set[int], signum: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


def _keep_what_finished(
    futures: dict[Future[dict[str, Any]], Job], recorded: set[str], finished: Callable[[str, dict[str, Any]], None]
) -> None:
    """A track that was completed as we stopped is on disk: list it, so the next run keeps it."""
    for future, job in futures.items():
        if job.file in recorded or not future.done() or future.cancelled() or future.exception() is not None:
            continue
        try:
            finished(job.file, future.result())
        except CompanionError:
            pass  # the manifest could not be written: the next run makes the track again


def _result(future: Future[dict[str, Any]]) -> dict[str, Any]:
    try:
        return future.result()
    except BrokenProcessPool:
        raise OutputError("a render stopped unexpectedly (out of memory?); run the same command again") from None


def _drain(events: Events, report: Report, pids: set[int]) -> None:
    while True:
        try:
            what, value = events.get_nowait()
        except queue.Empty:
            return
        if what == "pid":
            pids.add(value)
        else:
            report(what, value)


# In each worker process:
_events: Events | None = None
_stop: Stop | None = None
_busy = False


def _start(events: Events, stop: Stop, threads: int, parent: int) -> None:
    global _events, _stop
    _end_with(parent)
    _events, _stop = events, stop
    use_threads(threads)  # the cores are shared between the workers
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _on_signal)
    events.put(("pid", os.getpid()))


def _end_with(parent: int) -> None:
    """However the pack's own process ends (SIGKILL included), its workers end at once with
    it, not finishing tracks it would never list. A half-written track stays a hidden
    temporary file, which the next run removes."""
    end_with_parent(parent, signal.SIGKILL)


def _on_signal(signum: int, frame: object) -> None:
    """Working: end the track through KeyboardInterrupt (its temporary file is removed). Idle:
    nothing to do; the pool's own message ends the process. (Ending it here instead could
    leave one of the pool's locks held for ever: another worker then hangs.)"""
    if _busy:
        interrupts.handler(signum, frame)


class TrackFailed(CompanionError):
    """A track's render failed in a worker process: its one-line message and exit code, carried back."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.args = (message, exit_code)  # what a pickle rebuilds it from, in the parent process
        self.exit_code = exit_code

    def __str__(self) -> str:
        return str(self.args[0])


def _work(job: Job) -> dict[str, Any]:
    global _busy
    assert _events is not None and _stop is not None
    events, stop = _events, _stop
    if stop.is_set():
        raise KeyboardInterrupt  # the pack was stopped while this track waited its turn
    _busy = True
    try:

        def report(file: str, fraction: float) -> None:
            with interrupts.deferred():  # a signal never lands inside the queue's locks
                events.put((file, fraction))
            if stop.is_set():
                raise KeyboardInterrupt

        return make_track(job, report)
    except CompanionError as exc:  # carried back as its one line and exit code
        raise TrackFailed(str(exc), exc.exit_code) from None
    finally:
        _busy = False
