"""A content-addressed clip cache: the same text, voice and settings map to the same file.

A damaged entry (empty, cut short, not finite, implausibly loud) is a miss: it is removed and
made again. A cache that cannot be written (read-only, a full disk, a cache folder that is a
file) keeps what it makes in memory for this process and says why in `problem`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from companion.atomic import written_atomically
from companion.errors import BadInput
from companion.paths import cache_dir

PLAUSIBLE_PEAK = 100.0  # clips peak below 1 and noise loops (unit RMS) near 5: beyond this is garbage
LEAST_FREE_BYTES = 16 << 20  # below this, writing clips would fill the disk the user needs


def cache_root() -> Path:
    return cache_dir() / "clips"


def clip_key(**parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


class ClipCache:
    def __init__(self, root: Path | None = None):
        self.root = root or cache_root()
        self.problem: str | None = None  # why the cache cannot be written, once that is known
        self._memory: dict[str, np.ndarray] = {}  # what could not be written
        self._checked: set[str] = set()  # entries found sound in this process

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def get(self, key: str, mmap: bool = False) -> np.ndarray | None:
        if key in self._memory:
            return self._memory[key]
        path = self.path(key)
        try:
            clip = np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except FileNotFoundError:
            return None
        except (OSError, ValueError, EOFError):  # unreadable or not a numpy file at all
            clip = None
        if key not in self._checked:
            if clip is None or not _sound(clip):
                _discard(path)
                return None
            self._checked.add(key)
        return np.asarray(clip)

    def has(self, key: str) -> bool:
        """True when the entry is there and sound (it is read once to check)."""
        return self.get(key, mmap=True) is not None

    def check_writable(self) -> str | None:
        """Why this cache cannot be written (None when it can), found out before any synthesis."""
        if self.problem is None:
            try:
                self.root.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryFile(dir=self.root):  # the real test: root may write a 0o555 folder
                    pass
                _require_room(self.root, 0)
            except OSError as exc:
                self.problem = _why(exc, self.root)
        return self.problem

    def put(self, key: str, clip: np.ndarray) -> None:
        clip = np.ascontiguousarray(clip, dtype=np.float32)
        if self.problem is None:
            try:
                self._write(key, clip)
                self._checked.add(key)
                return
            except (OSError, BadInput) as exc:
                self.problem = _why(exc, self.root)
        self._memory[key] = clip

    def _write(self, key: str, clip: np.ndarray) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        _require_room(path.parent, clip.nbytes)
        with written_atomically(path, private=True) as tmp, open(tmp, "wb") as f:
            np.save(f, clip, allow_pickle=False)


def _require_room(folder: Path, nbytes: int) -> None:
    """Refuse to write where it would leave the disk all but full (the user needs it more)."""
    if shutil.disk_usage(folder).free < LEAST_FREE_BYTES + nbytes:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _sound(clip: np.ndarray) -> bool:
    if clip.ndim != 1 or clip.dtype != np.float32 or len(clip) == 0:
        return False
    peak = float(np.max(np.abs(clip)))  # NaN propagates: a NaN peak fails the test below
    return peak <= PLAUSIBLE_PEAK


def _discard(path: Path) -> None:
    try:
        path.unlink(missing_ok=True)
    except OSError:
        pass  # a read-only cache: the entry is simply remade in memory each time


def _why(exc: Exception, root: Path) -> str:
    reason = getattr(exc, "strerror", None) or str(exc)
    return f"the voice cache in '{root}' cannot be written ({reason})"
