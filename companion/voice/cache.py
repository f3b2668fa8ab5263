"""A content-addressed clip cache: the same text, voice and settings map to the same file."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import platformdirs

from ..atomic import written_atomically


def cache_root() -> Path:
    return Path(platformdirs.user_cache_dir("companion", appauthor=False)) / "clips"


def clip_key(**parts: object) -> str:
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(blob).hexdigest()


class ClipCache:
    def __init__(self, root: Path | None = None):
        self.root = root or cache_root()

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.npy"

    def get(self, key: str, mmap: bool = False) -> np.ndarray | None:
        path = self.path(key)
        try:
            return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
        except (OSError, ValueError, EOFError):
            return None  # missing or damaged: synthesise again

    def put(self, key: str, clip: np.ndarray) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        with written_atomically(path, private=True) as tmp, open(tmp, "wb") as f:
            np.save(f, np.ascontiguousarray(clip, dtype=np.float32), allow_pickle=False)
