"""The care-team report and the PNG files to keep (the journal's chart, a massage plan) are
drawn apart from the server (the pages' own pictures are HTML and SVG, made in about half a
millisecond: pictures/markup.py), so it answers every other request meanwhile (a small file
in milliseconds, not after the drawing). Matplotlib and the PDF writer hold Python's lock for
tens of milliseconds at a time, so a thread beside the server is not enough: the app draws in
one process of its own, started with the app (small until its first picture) and ended with
it. Without it (the fast tests, a program that embeds the app) the drawing runs in a worker
thread."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from companion import ApartStarter, OutputError

T = TypeVar("T")


class Drawing:
    """Where the app's pictures and documents are drawn: a process of its own (`apart`), or a
    worker thread. One at a time in the process; each caller waits for its own."""

    def __init__(self, apart: bool = True):
        self.apart = apart
        self._pool: ProcessPoolExecutor | None = None
        self._worker: Future[int] | None = None  # the drawing process's own number, asked once it starts
        self._lock = threading.Lock()
        self._closed = False
        self._apart = ApartStarter("companion-drawing-starter")

    def start(self) -> None:
        """Start the drawing process now (while nobody waits), small until its first picture."""
        if self.apart:
            self._executor()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise OutputError("the app is stopping; nothing more is drawn")
            if self._pool is None:  # one process, kept: close() ends it by number
                self._pool, self._worker = self._apart.start()
            return self._pool

    async def __call__(self, work: Callable[..., T], *args: Any) -> T:
        """Drawn by `work(*args)` (a module's own function, its arguments plain data), awaited."""
        if not self.apart:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(work, *args)
        return self._answer(await asyncio.wrap_future(self._submitted(work, *args)))

    def run(self, work: Callable[..., T], *args: Any) -> T:
        """The same from a job's own thread."""
        if not self.apart:
            return work(*args)
        return self._answer(self._submitted(work, *args).result())

    def _submitted(self, work: Callable[..., T], *args: Any) -> Future[T | _Failed]:
        try:
            return self._executor().submit(_guarded, work, *args)
        except BrokenProcessPool:
            self._forget_pool()
            return self._executor().submit(_guarded, work, *args)

    def _answer(self, result: T | _Failed) -> T:
        if isinstance(result, _Failed):
            if isinstance(result.error, OutputError):
                raise result.error
            self._forget_pool()
            raise OutputError(f"the picture could not be drawn ({result.error}); please try again")
        return result

    def _forget_pool(self) -> None:
        with self._lock:
            pool, self._pool, self._worker = self._pool, None, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """The app is stopping: a drawing under way is ended, not waited for."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
            worker, self._worker = self._worker, None
        self._apart.close()
        if pool is None:
            return
        pool.shutdown(wait=False, cancel_futures=True)
        if worker is not None and worker.done() and worker.exception() is None:
            try:
                os.kill(worker.result(), signal.SIGKILL)
            except ProcessLookupError:
                pass


class _Failed:
    def __init__(self, error: BaseException):
        self.error = error


def _guarded(work: Callable[..., T], *args: Any) -> T | _Failed:
    """In the drawing process: a failure comes back as data (a library error is kept whole;
    anything else by its kind), never as a traceback on the app's terminal."""
    from companion import CompanionError

    try:
        return work(*args)
    except CompanionError as exc:
        return _Failed(exc if isinstance(exc, OutputError) else OutputError(str(exc)))
    except Exception as exc:
        return _Failed(RuntimeError(type(exc).__name__))
