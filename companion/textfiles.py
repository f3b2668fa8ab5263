"""Reading a small text file the user names, with a limit: a device or a file that never ends
(/dev/zero, a pipe) is refused, never read until memory runs out."""

from __future__ import annotations

from pathlib import Path

from companion.errors import BadInput


def read_limited(path: Path, what: str, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or BadInput saying what is wrong."""
    name = str(path)
    if not path.exists():
        raise BadInput(f"{what} '{name}' does not exist")
    if path.is_dir():
        raise BadInput(f"'{name}' is a folder, not a {what}")
    if not path.is_file():
        raise BadInput(f"'{name}' is not a regular file; give a {what} saved on disk")
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise BadInput(f"cannot read {what} '{name}': {exc.strerror}") from None
    if len(data) > limit:
        raise BadInput(f"{what} '{name}' is larger than {limit // 1024} KB; is it the right file?")
    return data
