"""Bounded work and disk. The app's working files (a session's sound as it plays, a file or a
pack to download, uploaded takes) live in one folder of its own under the cache folder,
`app-<pid>-*`, within a budget: 2 GB unless told, and never leaving less than 1 GB free on
the disk. Each piece of work holds what it expects to write before it starts, and is checked
as it writes (a file may grow past its estimate; another program may fill the disk): the
oldest finished files are removed first to make room, and what still cannot fit is refused
in words. Each device (the computer's owner counts as one) makes one session at a time: a
new one replaces the one still being made.

A folder left by an app that has gone (killed, or its computer switched off) is removed when
the next app starts: its process is not running, or the number is now another program's."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from companion import CompanionError
from companion.app.jobs import Job

GB, MB = 1000**3, 1000**2
DISK_BUDGET = 2 * GB
FREE_FLOOR = 1 * GB  # the disk keeps at least this much free, whoever else writes to it
CHECK_EVERY_S = 0.05  # how often a writer measures what it wrote (a session writes ~100 MB/s)
GROW = 16 * MB  # a file past its estimate holds this much more at a time
OWNER_FILE = ".owner"  # in each app's folder: its process number and when it started


class NoRoom(CompanionError):
    """The work does not fit the app's disk budget or the disk's free space."""

    exit_code = 1


def _sized(n: int) -> str:
    return f"{n / GB:.1f} GB" if n >= GB else f"{max(n, 0) / MB:.0f} MB"


class Budget:
    """What the app's folder may hold, and what running work has promised to write."""

    def __init__(self, folder: Path, limit: int = DISK_BUDGET, floor: int = FREE_FLOOR):
        self.folder, self.limit, self.floor = folder, limit, floor
        self._lock = threading.Lock()
        self._holds: set[Hold] = set()
        self.evict: Callable[[], bool] = lambda: False  # the app's: removes the oldest finished work
        self.evictable: Callable[[], int] = lambda: 0  # the app's: what evict could free in all

    def used(self) -> int:
        return size_of(self.folder)

    def free(self) -> int:
        return shutil.disk_usage(self.folder).free

    def _pending(self) -> int:
        return sum(max(0, h.expected - h.written) for h in self._holds)

    def _shortfall(self, more: int) -> tuple[int, str] | None:
        """How many bytes `more` (beyond what is held) lacks now, and why; None when it fits."""
        pending = self._pending() + more
        over = self.used() + pending - self.limit
        if over > 0:
            return over, f"companion keeps its working files within {_sized(self.limit)}"
        free = self.free()
        short = self.floor - (free - pending)
        if short > 0:
            why = f"companion leaves at least {_sized(self.floor)} free on the disk, and {_sized(free)} are free"
            return short, why
        return None

    def _make_room(self, more: int) -> None:
        """Remove the oldest finished work until `more` fits; NoRoom (and nothing removed)
        when even removing all of it would not do."""
        while (lacking := self._shortfall(more)) is not None:
            short, why = lacking
            if short > self.evictable() or not self.evict():
                needs = f" (this needs about {_sized(more)})" if more else ""
                raise NoRoom(
                    f"There is not enough room on this computer's disk{needs}: {why}. "
                    "Choose a shorter session, or free some space, then try again."
                )

    def hold(self, expected: int, path: Path) -> Hold:
        """Room for `expected` bytes written at `path` (a file or a folder), made now (or NoRoom)."""
        with self._lock:
            self._make_room(expected)
            hold = Hold(self, expected, path)
            self._holds.add(hold)
            return hold

    def _check(self, hold: Hold) -> None:
        with self._lock:
            if hold not in self._holds:
                return
            hold.written = size_of(hold.path)
            if hold.written > hold.expected:  # past its estimate: hold more, or stop here
                more = hold.written - hold.expected + max(GROW, hold.expected // 10)
                self._make_room(more)
                hold.expected += more
            else:
                self._make_room(0)  # someone else may have filled the disk meanwhile

    def _expect(self, hold: Hold, expected: int) -> None:
        with self._lock:
            if hold in self._holds and expected > hold.expected:
                self._make_room(expected - hold.expected)
            hold.expected = expected

    def _release(self, hold: Hold) -> None:
        with self._lock:
            self._holds.discard(hold)


class Hold:
    """Room held for one piece of work while it writes."""

    def __init__(self, budget: Budget, expected: int, path: Path):
        self.budget, self.expected, self.path = budget, expected, path
        self.written = 0
        self._checked = 0.0

    def check(self) -> None:
        """Called as the work writes (cheap: it measures at most every CHECK_EVERY_S);
        NoRoom once what it wrote no longer fits."""
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_S:
            self._checked = now
            self.budget._check(self)

    def expect(self, expected: int) -> None:
        """The size is known now (a session's plan gives its WAV's to the byte)."""
        self.budget._expect(self, expected)

    def release(self) -> None:
        self.budget._release(self)


def size_of(path: Path) -> int:
    """Bytes in a file, or in every file under a folder (what is gone meanwhile counts 0)."""
    try:
        if not path.is_dir():
            return path.stat().st_size
    except OSError:
        return 0
    total = 0
    for folder, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                pass
    return total


def remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


# -- One session being made per device ---------------------------------------------------
class Slots:
    """The work each device has under way, by kind: a session (to play or as a file), a pack,
    a plan's picture. A new one of the same kind from the same device takes the place of one
    still being made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._working: dict[tuple[str, str], Job] = {}

    def take(self, who: str, kind: str, job: Job) -> Job | None:
        """Give the slot to `job`; the one it replaces, if that was still under way."""
        with self._lock:
            before = self._working.get((who, kind))
            self._working[(who, kind)] = job
        return before if before is not None and not before.finished.is_set() else None


# -- Folders left by apps that have gone ---------------------------------------------------
def process_started(pid: int) -> str | None:
    """When the process `pid` started, as the kernel counts it (Linux), "" where that cannot be
    read but the process runs, None when it does not run."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]  # field 22, starttime
    except FileNotFoundError:
        return None
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return ""  # another user's process: running
    return ""


def mark_owner(folder: Path) -> None:
    """Write in the app's folder which process it is, so a later app can tell it from another
    program given the same number."""
    started = process_started(os.getpid()) or ""
    (folder / OWNER_FILE).write_text(f"{os.getpid()} {started}\n", encoding="ascii")


def is_abandoned(folder: Path) -> bool:
    """An `app-<pid>-*` folder whose app has gone: the process is not running, or the number is
    now another process's (its start time differs from the one written down)."""
    try:
        pid = int(folder.name.split("-")[1])
    except (IndexError, ValueError):
        return False  # not one of ours
    if pid == os.getpid():
        return False
    started = process_started(pid)
    if started is None:
        return True
    try:
        written = (folder / OWNER_FILE).read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        written = []
    if len(written) == 2 and started:
        return written[1] != started
    return not _runs_companion(pid)  # no note (an app starting, an older one): by its command


def _runs_companion(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"companion" in f.read()
    except OSError:
        return True  # cannot tell: left alone


def sweep(root: Path) -> list[Path]:
    """Remove the folders of apps that have gone; the ones removed."""
    swept = []
    for folder in root.glob("app-*"):
        if folder.is_dir() and not folder.is_symlink() and is_abandoned(folder):
            shutil.rmtree(folder, ignore_errors=True)
            swept.append(folder)
    return swept
