"""Reading a small text file the user names, with a limit: a device or a file that never ends
(/dev/zero, a pipe) is refused, never read until memory runs out."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from companion.errors import BadInput


def read_limited(path: Path, what: str, limit: int, field: str | None = None) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or BadInput (about `field`) saying
    what is wrong."""
    name = str(path)

    def refused(message: str) -> BadInput:
        return BadInput(message, field=field, value=name)

    try:
        info = os.stat(path)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # ValueError: a NUL in the name
        raise refused(f"{what} '{name}' does not exist") from None
    except OSError as exc:  # a name too long, a link that loops, a folder that cannot be read
        raise refused(f"cannot read {what} '{name}' ({exc.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise refused(f"'{name}' is a folder, not a {what}")
    if not stat.S_ISREG(info.st_mode):
        raise refused(f"'{name}' is not a regular file; give a {what} saved on disk")
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise refused(f"cannot read {what} '{name}' ({exc.strerror})") from None
    if len(data) > limit:
        raise refused(f"{what} '{name}' is larger than {limit // 1024} KB; is it the right file?")
    return data
