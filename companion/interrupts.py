"""Ctrl-C and SIGTERM, turned into KeyboardInterrupt only where that is safe.

Python runs a signal handler in the main thread between any two bytecodes. A handler that
raises can land inside the lock bookkeeping of a queue.Queue or a thread pool, and the
threads then wait on that lock for ever (it happened in CI: a render hung after SIGTERM).
So while work is shared with other threads (inside `deferred()`), a signal only records
itself, and the main thread raises KeyboardInterrupt at its next `check()`, outside any lock.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pending = False
_deferring = 0
_raised = False  # a KeyboardInterrupt has been raised: a program using ending_handler is ending
_previous_hook = sys.__unraisablehook__  # the hook install() replaced: every other error still goes there


def handler(signum, frame) -> None:
    global _pending
    if _deferring:
        _pending = True
    else:
        _raise()


def ending_handler(signum, frame) -> None:
    """The handler of a program that ends on its first interrupt (the command line): a second
    Ctrl-C while the first unwinds (removing partial files, printing its one line) is let go,
    since raising again would break that clean-up with a traceback and SIGINT's status."""
    if not _raised:
        handler(signum, frame)


def _raise() -> None:
    global _raised
    _raised = True
    raise KeyboardInterrupt


def install() -> None:
    """Ctrl-C and SIGTERM both end the program through KeyboardInterrupt (so partial files go),
    and one that Python could not raise is raised again (see _unraisable)."""
    global _previous_hook
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, ending_handler)
        if sys.unraisablehook is not _unraisable:
            _previous_hook = sys.unraisablehook
            sys.unraisablehook = _unraisable


def _unraisable(unraisable) -> None:
    """Python cannot raise everywhere: a KeyboardInterrupt raised inside a weakref callback (one
    runs as each imported module's lock is let go) or a __del__ is printed as "Exception
    ignored" and dropped, and the command ran on to its end (seen in CI: a render finished
    11.7 s after SIGTERM). Keep it pending instead, silently: the work's next check() raises
    it (a render checks at every block)."""
    global _pending, _raised
    if unraisable.exc_type is None or not issubclass(unraisable.exc_type, KeyboardInterrupt):
        _previous_hook(unraisable)
        return
    _pending, _raised = True, False


def let_go() -> None:
    """Ignore Ctrl-C and SIGTERM from now on: for a program that has finished its work. Python's
    shutdown puts back the default handler of any signal it handles, so a press landing in those
    last milliseconds killed the process with SIGINT's status instead of its own (seen after a
    second Ctrl-C); an ignored signal stays ignored."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


def check() -> None:
    """Raise KeyboardInterrupt (once) if Ctrl-C or SIGTERM arrived while deferred."""
    global _pending
    if _pending:
        _pending = False
        _raise()


def interrupted(exc: BaseException | None) -> bool:
    """Whether `exc` is a Ctrl-C or SIGTERM, or was raised because of one. Python 3.11 wraps
    an exception raised in a descriptor's __set_name__ in RuntimeError, so a signal landing
    while an imported module defines a class arrives as a RuntimeError caused by it; and one
    landing inside a C extension's import (numpy's umath) comes out as that import's
    ImportError, the KeyboardInterrupt dropped: once ours was raised, that is its doing."""
    if _raised and isinstance(exc, (ImportError, RuntimeError)):
        return True
    while exc is not None:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc = exc.__cause__
    return False


@contextmanager
def deferred() -> Iterator[None]:
    """Hold signals back while the body works with other threads; the body calls check().
    Only the main thread's signals matter (Python runs handlers there); elsewhere this is a no-op."""
    global _deferring
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    if not _deferring:  # an inner hold ending inside an outer one must not raise: the outer decides where
        check()
