"""The process the library runs in is the caller's: what it must change for a moment (an
environment variable a library reads as it loads) it gives back, and what it only needs to
know (the umask) it reads without changing. A leaf: imports nothing of companion's."""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import multiprocessing
import os
import pickle
import queue
import signal
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FuturesTimeout
from contextlib import contextmanager
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

PR_SET_PDEATHSIG = 1  # linux/prctl.h
T = TypeVar("T")


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


def while_heard(work: Callable[..., T], args: tuple[Any, ...], heard: Callable[[], None]) -> T:
    """`work(*args)` in a thread of its own, with `heard()` called every tenth of a second
    meanwhile: when it raises (a stop asked for), that is raised at once and the work is
    left to finish unheeded (or to stop with the program). For work that computes and
    writes nothing of the caller's (seconds on a busy machine)."""
    done: Future[T] = Future()

    def run() -> None:
        try:
            done.set_result(work(*args))
        except BaseException as exc:
            done.set_exception(exc)

    threading.Thread(target=run, name="companion-meanwhile", daemon=True).start()
    while True:
        try:
            return done.result(timeout=0.1)
        except FuturesTimeout:
            heard()


class ProcessEnded(RuntimeError):
    """The process apart ended (stopped, killed, out of memory) before it answered."""


class ApartProcess:
    """One spawned process of this program's own, running the calls sent to it one at a time.

    Owned directly rather than through a process pool: ending it is one SIGKILL by its number
    (known from the moment it starts), and the program's exit ends it the same way, however
    the program leaves (a pool's own exit hook could write to the pipe of a pool that a
    SIGKILL had broken: "Exception ignored ... Bad file descriptor")."""

    def __init__(self, name: str):
        context = multiprocessing.get_context("spawn")  # nothing of this process's threads copied
        here, there = context.Pipe()
        # daemonic, so that it may start no processes of its own that could outlive it
        self._process = context.Process(target=_serve, args=(there, os.getpid()), name=name, daemon=True)
        self._process.start()
        there.close()
        self.pid: int = self._process.pid or 0
        self._conn = here
        self._lock = threading.Lock()
        self._ended = False
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        threading.Thread(target=self._answering, name=f"{name}-answers", daemon=True).start()
        _ending_at_exit(self)

    @property
    def ended(self) -> bool:
        return self._ended

    def submit(self, work: Callable[..., T], *args: Any) -> Future[T]:
        """`work(*args)` there (a module's own function, its arguments plain data), in turn."""
        future: Future[T] = Future()
        with self._lock:
            if self._ended:
                raise ProcessEnded(f"the process {self.pid} has ended")
            self._jobs.put((future, work, args))
        return future

    def end(self) -> None:
        """Ended at once, whatever it is doing: the calls waiting on it fail with ProcessEnded."""
        with self._lock:  # held while it is signalled: never a number reaped and given again
            if self._ended:
                return
            self._ended = True
            self._jobs.put(None)
            self._kill()

    def _kill(self) -> None:
        """Under the lock: the number is not reaped (and given again) meanwhile."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def _answering(self) -> None:
        try:
            while (job := self._jobs.get()) is not None:
                future, work, args = job
                if not future.set_running_or_notify_cancel():
                    continue
                try:
                    answered = not self._ended and self._answer(future, work, args)
                finally:  # whatever happened, no call is left waiting
                    if not future.done():
                        future.set_exception(ProcessEnded(f"the process {self.pid} has ended"))
                if not answered:
                    break
        finally:
            with self._lock:
                self._ended = True
                self._kill()
            while True:  # what was still asked fails now, not when someone next looks
                try:
                    left = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if left is not None and left[0].set_running_or_notify_cancel():
                    left[0].set_exception(ProcessEnded(f"the process {self.pid} has ended"))
            self._process.join()  # reaped: no zombie left for the program's life
            self._conn.close()

    def _answer(self, future: Future[Any], work: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        """One call's answer set on its future; False once the process has ended."""
        try:
            asked = pickle.dumps((work, args))
        except Exception as exc:  # the caller's mistake, not the process's end
            future.set_exception(exc)
            return True
        try:
            self._conn.send_bytes(asked)
            # an answer already written is read even when the process ended just after it
            ready = wait([self._conn, self._process.sentinel])
            if self._conn not in ready:
                raise EOFError
            answer = self._conn.recv_bytes()
        except (EOFError, OSError):
            future.set_exception(ProcessEnded(f"the process {self.pid} ended before it answered"))
            return False
        try:
            ok, value = pickle.loads(answer)
        except Exception as exc:  # an answer that cannot be rebuilt here: that call's error
            future.set_exception(exc)
            return True
        if ok:
            future.set_result(value)
        else:
            future.set_exception(value)
        return True


_Job = tuple["Future[Any]", Callable[..., Any], tuple[Any, ...]]
_LIVE: weakref.WeakSet[ApartProcess] = weakref.WeakSet()


def _ending_at_exit(process: ApartProcess) -> None:
    """Ended when the program leaves, even one that never said end(): otherwise
    multiprocessing's own exit would wait for it (it is deaf to the SIGTERM it sends)."""
    if not _LIVE:
        atexit.unregister(_end_all)  # one registration, however many have come and gone
        atexit.register(_end_all)  # after multiprocessing's own: run before it
    _LIVE.add(process)


def _end_all() -> None:
    for process in list(_LIVE):
        process.end()


def _serve(conn: Connection, parent: int) -> None:
    """In the process apart: each call asked, answered in turn, until the program lets go."""
    _apart(parent)
    while True:
        try:
            asked = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            work, args = pickle.loads(asked)  # a function this process cannot import fails here
            answer: tuple[bool, Any] = (True, work(*args))
        except BaseException as exc:
            answer = (False, exc)
        try:
            data = pickle.dumps(answer)
        except Exception as exc:  # an answer that cannot cross: said by its kind
            data = pickle.dumps((False, RuntimeError(f"the answer could not be sent back ({type(exc).__name__})")))
        conn.send_bytes(data)


class ApartStarter:
    """Starts processes for work kept out of this one (spawned: nothing of its threads copied),
    each ending with it and deaf to the terminal's Ctrl-C. They are started by a thread kept
    for that: the kernel ends a worker when the *thread* that started it ends
    (PR_SET_PDEATHSIG is per thread), and a caller's thread (a request's, a job's) may be
    short-lived."""

    def __init__(self, name: str):
        self.name = name
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._asks: queue.SimpleQueue[Future[ApartProcess] | None] = queue.SimpleQueue()

    def start(self) -> ApartProcess:
        """A new process, started already."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._starting, name=self.name, daemon=True)
                self._thread.start()
        asked: Future[ApartProcess] = Future()
        self._asks.put(asked)
        return asked.result()

    def close(self) -> None:
        """No more are started: the starting thread ends (the processes it started end with it)."""
        self._asks.put(None)

    def _starting(self) -> None:
        while (asked := self._asks.get()) is not None:
            try:
                asked.set_result(ApartProcess(self.name.removesuffix("-starter")))  # started on this thread
            except BaseException as exc:
                asked.set_exception(exc)
