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
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from companion import ApartProcess, ApartStarter, OutputError, ProcessEnded

T = TypeVar("T")


class Drawing:
    """Where the app's pictures and documents are drawn: a process of its own (`apart`), or a
    worker thread. One at a time in the process; each caller waits for its own."""

    def __init__(self, apart: bool = True):
        self.apart = apart
        self._process: ApartProcess | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._apart = ApartStarter("companion-drawing-starter")

    def start(self) -> None:
        """Start the drawing process now (while nobody waits), small until its first picture."""
        if self.apart:
            self._running()

    def _running(self) -> ApartProcess:
        with self._lock:
            if self._closed:
                raise OutputError("the app is stopping; nothing more is drawn")
            if self._process is None or self._process.ended:  # one process, kept
                self._process = self._apart.start()
            return self._process

    async def __call__(self, work: Callable[..., T], *args: Any) -> T:
        """Drawn by `work(*args)` (a module's own function, its arguments plain data), awaited."""
        if not self.apart:
            from starlette.concurrency import run_in_threadpool

            return await run_in_threadpool(work, *args)
        try:
            return self._answer(await asyncio.wrap_future(self._submitted(work, *args)))
        except ProcessEnded:
            raise self._ended() from None

    def run(self, work: Callable[..., T], *args: Any) -> T:
        """The same from a job's own thread."""
        if not self.apart:
            return work(*args)
        try:
            return self._answer(self._submitted(work, *args).result())
        except ProcessEnded:
            raise self._ended() from None

    def _submitted(self, work: Callable[..., T], *args: Any) -> Future[T | _Failed]:
        try:
            return self._running().submit(_guarded, work, *args)
        except ProcessEnded:  # it ended between the two steps: another one
            return self._running().submit(_guarded, work, *args)

    def _ended(self) -> OutputError:
        """The process ended under a drawing (the app stopping, or out of memory): the next
        drawing starts another."""
        if self._closed:
            return OutputError("the app is stopping; nothing more is drawn")
        return OutputError("the picture could not be drawn (its process ended); please try again")

    def _answer(self, result: T | _Failed) -> T:
        if isinstance(result, _Failed):
            if isinstance(result.error, OutputError):
                raise result.error
            self._forget_process()
            raise OutputError(f"the picture could not be drawn ({result.error}); please try again")
        return result

    def _forget_process(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is not None:
            process.end()

    def close(self) -> None:
        """The app is stopping: a drawing under way is ended, not waited for."""
        with self._lock:
            self._closed = True
            process, self._process = self._process, None
        if process is not None:
            process.end()
        self._apart.close()


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
