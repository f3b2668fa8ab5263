"""The process the library runs in is the caller's: what it must change for a moment (an
environment variable a library reads as it loads) it gives back, and what it only needs to
know (the umask) it reads without changing. A leaf: imports nothing of companion's."""

from __future__ import annotations

import ctypes
import ctypes.util
import multiprocessing
import os
import queue
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager

PR_SET_PDEATHSIG = 1  # linux/prctl.h


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These variables set for the body (where a library reads them while it loads), then the
    caller's environment given back as it was; a variable the caller set already is kept."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update({k: v for k, v in values.items() if before[k] is None})
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)


def current_umask() -> int:
    """The process's umask, read from /proc where it can be (os.umask can only be read by
    setting it, which another thread's file could be made under)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o077)  # the safest value for the instant it is set
    os.umask(mask)
    return mask


def end_with_parent(parent: int, signal_number: int) -> None:
    """Called first in a worker process: the kernel sends it `signal_number` the moment its
    parent ends, however it ends (SIGKILL included; Linux's PR_SET_PDEATHSIG). Elsewhere the
    worker's pipes end it once idle. A parent already gone before this ends it at once."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal_number)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(1)


def _apart(parent: int) -> None:
    end_with_parent(parent, signal.SIGKILL)
    # Ctrl-C in the terminal reaches the whole process group: the program answers it and ends this
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


Started = tuple[ProcessPoolExecutor, "Future[int]"]


class ApartStarter:
    """Starts one-process pools for work kept out of this process (spawned: nothing of its
    threads copied), each ending with it and deaf to the terminal's Ctrl-C. They are started
    by a thread kept for that: the kernel ends a worker when the *thread* that started it ends
    (PR_SET_PDEATHSIG is per thread), and a caller's thread (a request's, a job's) may be
    short-lived."""

    def __init__(self, name: str):
        self.name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._asks: queue.SimpleQueue[Future[Started] | None] = queue.SimpleQueue()

    def start(self) -> Started:
        """A new pool and the future of its one process's number (the process started already)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._starting, name=self.name, daemon=True)
                self._thread.start()
        asked: Future[Started] = Future()
        self._asks.put(asked)
        return asked.result()

    def close(self) -> None:
        """No more are started: the starting thread ends (the pools it started end with it)."""
        self._asks.put(None)

    def _starting(self) -> None:
        while (asked := self._asks.get()) is not None:
            try:
                context = multiprocessing.get_context("spawn")
                pool = ProcessPoolExecutor(1, mp_context=context, initializer=_apart, initargs=(os.getpid(),))
                asked.set_result((pool, pool.submit(os.getpid)))  # the process starts here, on this thread
            except BaseException as exc:
                asked.set_exception(exc)
