"""Ctrl-C, SIGTERM and SIGHUP (a closed terminal) as one cancellation flag.

Python runs a signal handler in the main thread between any two bytecodes. A handler that
raises there can land inside a lock's bookkeeping in a queue or a thread pool (a render once
hung after SIGTERM), inside a C extension's set-up while it is imported (the import then
fails, or the process aborts), or inside a weakref callback, where Python drops it. So the
handler raises nothing: it sets the flag, and the work asks `check()` at its steps (each
quantum rendered, each block written, each phrase made, each track of a pack), which raises
KeyboardInterrupt there, outside any lock. A wait that has no steps of its own (a question
on the terminal) runs inside `interruptible()`, where the handler raises at once.

A program that never calls install() keeps Python's own handling: the flag is then never
set, and check() never raises.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

_cancelled = threading.Event()  # a signal has come and not yet been raised
_ending = False  # install()ed: the program ends on its first interrupt
_raised = False  # KeyboardInterrupt has been raised (by check() or inside interruptible())
_interruptible = 0  # inside interruptible(): the handler raises at once
_held = 0  # inside deferred(): it never does


def handler(signum: int, frame: object) -> None:
    """Note the signal; raise only inside interruptible(). In a program that ends on its
    first interrupt, a second Ctrl-C while the first unwinds (removing partial files, saying
    its one line) is let go."""
    if _ending and _raised:
        return
    _cancelled.set()
    if _interruptible and not _held:
        _raise()


def _raise() -> None:
    global _raised
    _raised = True
    _cancelled.clear()
    raise KeyboardInterrupt


def install() -> None:
    """For a program that ends on its first interrupt (the command line): Ctrl-C, SIGTERM and
    SIGHUP set the flag. In the main thread only: elsewhere Python allows no handler."""
    global _ending
    if threading.current_thread() is threading.main_thread():
        _ending = True
        for sig in SIGNALS:
            signal.signal(sig, handler)


def let_go() -> None:
    """Ignore the signals from now on: for a program that has finished its work. Python's
    shutdown puts back the default handler of any signal it handles, so a press landing in
    those last milliseconds would kill the process with the signal's status instead of its
    own; an ignored signal stays ignored."""
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


def again() -> None:
    """Note again an interrupt that check() raised where nothing could answer it yet (the
    command line's own modules loading, before its answer is in place): the next check()
    raises it once more."""
    global _raised
    _raised = False
    _cancelled.set()


def forget() -> None:
    """Forget any interrupt noted or raised so far: for a program that runs the command line
    more than once in one process (a test harness, say), so one run's Ctrl-C never reaches
    the next."""
    global _raised
    _raised = False
    _cancelled.clear()


def cancelled() -> bool:
    """A signal has come that no check() has raised yet."""
    return _cancelled.is_set()


def check() -> None:
    """Raise KeyboardInterrupt if a signal has come since the last one raised. Only in the
    main thread, where Python runs handlers: another thread's work (the app's jobs, a voice's
    pool) is stopped by whoever started it."""
    if _cancelled.is_set() and threading.current_thread() is threading.main_thread():
        _raise()


def interrupted(exc: BaseException | None) -> bool:
    """Whether `exc` is a Ctrl-C or SIGTERM, or was raised because of one."""
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__
    return False


@contextmanager
def interruptible() -> Iterator[None]:
    """A wait with no steps of its own (a prompt, a key): a signal raises at once inside it.
    Keep imports and other threads' locks out of it."""
    global _interruptible
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    check()
    _interruptible += 1
    try:
        yield
    finally:
        _interruptible -= 1


@contextmanager
def deferred() -> Iterator[None]:
    """Never raise inside the body, even within interruptible() (it works with other threads'
    locks, or makes and renames a file); a signal noted meanwhile is raised as it ends."""
    global _held
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _held += 1
    try:
        yield
    finally:
        _held -= 1
    if not _held:  # an inner hold ending inside an outer one must not raise: the outer decides where
        check()
