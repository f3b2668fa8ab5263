"""Ctrl-C and SIGTERM, turned into KeyboardInterrupt only where that is safe.

Python runs a signal handler in the main thread between any two bytecodes. A handler that
raises can land inside the lock bookkeeping of a queue.Queue or a thread pool, and the
threads then wait on that lock for ever (it happened in CI: a render hung after SIGTERM).
So while work is shared with other threads (inside `deferred()`), a signal only records
itself, and the main thread raises KeyboardInterrupt at its next `check()`, outside any lock.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_pending = False
_deferring = 0


def handler(signum, frame) -> None:
    global _pending
    if _deferring:
        _pending = True
    else:
        raise KeyboardInterrupt


def install() -> None:
    """Ctrl-C and SIGTERM both end the program through KeyboardInterrupt (so partial files go)."""
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, handler)


def check() -> None:
    """Raise KeyboardInterrupt (once) if Ctrl-C or SIGTERM arrived while deferred."""
    global _pending
    if _pending:
        _pending = False
        raise KeyboardInterrupt


def interrupted(exc: BaseException | None) -> bool:
    """Whether `exc` is a Ctrl-C or SIGTERM, or was raised because of one. Python 3.11 wraps
    an exception raised in a descriptor's __set_name__ in RuntimeError, so a signal landing
    while an imported module defines a class arrives as a RuntimeError caused by it."""
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
