"""One app per journal. A running `companion app` holds a lock on `app.lock` in its journal's
folder (owner-only) and writes there where it listens, with a spare one-time address; a
second `companion app` over the same journal finds the lock taken and opens that address
instead of starting another server on another port. The kernel lets go of the lock however
the app ends (kill -9 included), so a stale file never keeps the next app out."""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from companion import OWNER_ONLY_FILE

try:
    import fcntl
except ImportError:  # not a POSIX system: no lock, each app runs on its own
    fcntl = None  # type: ignore[assignment]

LOCK = "app.lock"
WAIT_FOR_WORDS_S = 5.0  # an app just starting has the lock before it has written where it is


@dataclass(frozen=True)
class Running:
    """Where the running app is, as it wrote it down."""

    pid: int
    port: int
    address: str  # a one-time address that opens it (a new one is written once it is used)
    pair_at: str | None  # with the home network: where a phone pairs


class AlreadyRunning(Exception):
    def __init__(self, running: Running | None):
        super().__init__("companion app is already running over this journal")
        self.running = running  # None: it is still starting, and has not said where it is


class Claim:
    """This app's hold on its journal's folder, from start to stop."""

    def __init__(self, folder: Path):
        self.path = folder / LOCK
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, OWNER_ONLY_FILE)
        os.chmod(self.path, OWNER_ONLY_FILE)
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise AlreadyRunning(_written(self.path)) from None
        self._fd: int | None = fd
        self._write("")

    def say(self, running: Running) -> None:
        """Where this app is, for a second `companion app` to find."""
        self._write(json.dumps(asdict(running)))

    def _write(self, text: str) -> None:
        if self._fd is None:
            return
        data = text.encode() + b"\n"
        os.pwrite(self._fd, data, 0)  # one write, then the rest cut: a reader sees whole JSON or retries
        os.ftruncate(self._fd, len(data))

    def release(self) -> None:
        if self._fd is None:
            return
        self._write("")
        os.close(self._fd)  # the lock goes with it
        self._fd = None


def _written(path: Path) -> Running | None:
    """What the running app wrote down; it may be starting still, so wait a moment for it."""
    deadline = time.monotonic() + WAIT_FOR_WORDS_S
    while True:
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            running = Running(**found)
            os.kill(running.pid, 0)  # the words are this app's, not a killed one's
            return running
        except (OSError, ValueError, TypeError):
            if time.monotonic() > deadline:
                return None
            time.sleep(0.1)
