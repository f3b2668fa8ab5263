"""Files written whole or not at all: a temporary name beside the target, renamed when complete."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import BadInput

PARTIAL_SUFFIX = ".partial"


@contextmanager
def written_atomically(path: Path, private: bool = False) -> Iterator[Path]:
    """A temporary name beside `path`, renamed to `path` when the body completes and removed
    if it does not (an error, Ctrl-C): no half-written file is ever left. A file the user
    asked for gets the usual permissions; a `private` one (the cache) stays owner-only."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(dir=parent, prefix=f".{path.stem}.", suffix=PARTIAL_SUFFIX)
    except OSError as exc:
        raise BadInput(
            f"cannot write in the folder '{parent}' ({exc.strerror}); choose a folder you can write to"
        ) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        if not private:
            os.chmod(tmp, 0o666 & ~umask())  # mkstemp makes it owner-only; the file is the user's
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
