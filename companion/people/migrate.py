"""The move from one listener per computer account to many (issue 33), done once and in
place: an older install's comfort journal (with its write-ahead log) and recorded voices
become the first person's, by renaming them into that person's folder on the same disk, so
nothing is copied and nothing is lost. A move cut short (a crash, a full disk) finishes on
the next start: the index names the first person before anything moves, and says when all
of it has (store.py)."""

from __future__ import annotations

import os
from pathlib import Path

from companion.errors import OutputError
from companion.paths import OWNER_ONLY_DIR, OWNER_ONLY_FILE, private_folder

# What was one listener's, by its old place in the user's data folder (the journal's schema
# and the voices' format are unchanged: only their folder moves). The app's own choices and
# paired devices stay where they are: they belong to this computer, not to one listener.
MOVED = ("journal.sqlite3", "journal.sqlite3-wal", "journal.sqlite3-shm", "voices")


def move_older_files(root: Path, folder: Path, name: str) -> None:
    """Move what an older install kept in `root` into the first person's `folder`."""
    try:
        private_folder(folder)
        for item in MOVED:
            _move(root / item, folder / item)
    except OSError as exc:
        raise OutputError(
            f"could not move the journal and voices in '{root}' into {name}'s folder "
            f"({exc.strerror}); nothing was lost: it is tried again next time"
        ) from None


def _move(old: Path, new: Path) -> None:
    """Rename `old` to `new` unless it is gone already (moved by an earlier, cut-short try)."""
    if not old.exists() or new.exists():
        return
    os.replace(old, new)
    _owner_only(new)


def _owner_only(path: Path) -> None:
    """A person's moved files are readable by the user alone, whatever modes they had before
    (a copy restored from a backup, say, or an install older than owner-only folders)."""
    if not path.is_dir():
        path.chmod(OWNER_ONLY_FILE)
        return
    path.chmod(OWNER_ONLY_DIR)
    for inner, folders, files in os.walk(path):
        for name in folders:
            (Path(inner) / name).chmod(OWNER_ONLY_DIR)
        for name in files:
            (Path(inner) / name).chmod(OWNER_ONLY_FILE)
