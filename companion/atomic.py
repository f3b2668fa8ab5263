"""Files written whole or not at all: a temporary name beside the target, renamed when complete."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from companion import interrupts
from companion.errors import BadInput, OutputError
from companion.process import current_umask

PARTIAL_SUFFIX = ".partial"
FULL_BELOW = 1 << 20  # bytes free: a disk with less than this is full for our files
DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def disk_full(folder: Path) -> bool:
    """True when the disk holding `folder` has (next to) no room left: what a failed write
    means when its library says only "System error." or "disk I/O error"."""
    try:
        return shutil.disk_usage(folder).free < FULL_BELOW
    except OSError:
        return False


def write_failed(exc: BaseException, path: Path, kept: str = "nothing was changed") -> OutputError:
    """One line for a write of the person's own files that failed: a full disk said in words
    (a library may say only "System error."), and what is as it was (`kept`)."""
    if getattr(exc, "errno", None) in DISK_FULL or disk_full(path.parent):
        return OutputError(f"the disk holding '{path.parent}' is full; free some space, then try again ({kept})")
    return OutputError(f"could not write '{path}' ({getattr(exc, 'strerror', None) or exc}); {kept}")


def check_writable(path: Path, suffixes: Iterable[str], field: str = "path") -> Path:
    """Refuse, before any work is done, a path that could not be written or whose suffix is
    not one of `suffixes` (BadInput about `field`, the argument or option that gave it)."""
    suffixes = list(suffixes)

    def refused(message: str) -> BadInput:
        return BadInput(message, field=field, value=str(path), allowed=tuple(suffixes))

    if "\x00" in str(path):
        raise refused("a file name never holds a NUL character; choose another name")
    parent = path.parent  # "." for a bare file name
    try:
        longest = os.pathconf(parent, "PC_NAME_MAX") if _is_dir(parent) else 255
    except OSError:
        longest = 255
    if len(os.fsencode(path.name)) > longest:
        raise refused(f"the file name is too long for this system (at most {longest} bytes); choose a shorter one")
    if _is_dir(path):
        example = "session.mp3" if ".mp3" in suffixes else f"file{suffixes[0]}"
        raise refused(f"'{path}' is a folder; give a file name such as '{path / example}'")
    if path.suffix.lower() not in suffixes:
        raise refused(f"cannot tell the format of '{path}'; end the file name with " + ", ".join(suffixes))
    if not _is_dir(parent):
        raise refused(f"the folder '{parent}' does not exist; create it or choose another place")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise refused(f"cannot write in the folder '{parent}'; choose a folder you can write to")
    return path


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # a name too long, a folder that cannot be searched: none to write in
        return False


@contextmanager
def written_atomically(path: Path, private: bool = False) -> Iterator[Path]:
    """A temporary name beside `path`, renamed to `path` when the body completes and removed
    if it does not (an error, Ctrl-C): no half-written file is ever left. A file the user
    asked for gets the usual permissions; a `private` one (the cache) stays owner-only.

    Ctrl-C and SIGTERM are held back while the temporary file is made and while it is renamed
    (a signal landing between mkstemp and the cleanup below once left a hidden file behind);
    a signal that arrives then is raised straight after, and the cleanup still runs. One that
    lands just after the rename takes the finished file away again: interrupted means nothing
    was written."""
    parent = path.parent  # "." for a bare file name
    tmp: Path | None = None
    renamed = False
    try:
        with interrupts.deferred():
            try:
                # the stem cut short: a name near the system's limit still has room for the temporary one
                fd, name = tempfile.mkstemp(dir=parent, prefix=f".{path.stem[:64]}.", suffix=PARTIAL_SUFFIX)
            except OSError as exc:
                if exc.errno in DISK_FULL:
                    raise OutputError(
                        f"the disk holding '{parent}' is full; free some space or choose another place "
                        "(no file was written)"
                    ) from None
                raise BadInput(
                    f"cannot write in the folder '{parent}' ({exc.strerror}); choose a folder you can write to"
                ) from None
            tmp = Path(name)
            os.close(fd)
        yield tmp
        with interrupts.deferred():
            if not private:
                os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes it owner-only; the file is the user's
            os.replace(tmp, path)
            renamed = True
    except BaseException:
        with interrupts.deferred():
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            if renamed:
                path.unlink(missing_ok=True)
        raise
