"""An earlier revision of companion, checked out beside this one, to measure before and after
in one run on the same machine (the same virtual environment runs both)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def checkout(rev: str) -> Iterator[Path]:
    """The tree of `rev` in a temporary folder (a git worktree), removed afterwards. Run
    `python -m companion` with this as the working directory and PYTHONPATH."""
    work = Path(tempfile.mkdtemp(prefix="companion-rev-"))
    tree = work / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), rev], check=True, capture_output=True
    )
    try:
        yield tree
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
