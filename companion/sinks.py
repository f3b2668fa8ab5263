"""Where blocks go: a file (written atomically), the sound card, or memory (tests)."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import soundfile as sf

from .errors import BadInput, OutputError

# suffix -> (libsndfile format, subtype)
FORMATS = {
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
}


def check_output_path(path: Path) -> Path:
    """Refuse a path we could not write, before any work is done."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadInput(
            f"cannot tell the format of '{path}'; end the file name with "
            + ", ".join(FORMATS)
        )
    if path.is_dir():
        raise BadInput(f"'{path}' is a folder; give a file name such as '{path / 'session.mp3'}'")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise BadInput(f"the folder '{parent}' does not exist; create it or choose another place")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write in the folder '{parent}'; choose a folder you can write to")
    return path


class FileSink:
    """Write blocks to a temporary file beside the target; rename it only when complete."""

    def __init__(self, path: Path, sample_rate: int, channels: int = 1):
        self.path = check_output_path(Path(path))
        self.sample_rate, self.channels = sample_rate, channels
        self.format, self.subtype = FORMATS[self.path.suffix.lower()]

    def write_all(self, blocks: Iterable[np.ndarray]) -> int:
        parent = self.path.parent if str(self.path.parent) else Path(".")
        fd, tmp_name = tempfile.mkstemp(dir=parent, prefix=f".{self.path.stem}.", suffix=".partial")
        os.close(fd)
        tmp = Path(tmp_name)
        frames = 0
        try:
            try:
                with sf.SoundFile(
                    tmp, "w", self.sample_rate, self.channels, self.subtype, format=self.format
                ) as f:
                    for block in blocks:
                        f.write(block)
                        frames += len(block)
            except (sf.LibsndfileError, OSError, RuntimeError) as exc:
                raise self._explain(exc, parent) from None
            os.replace(tmp, self.path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return frames

    def _explain(self, exc: Exception, parent: Path) -> OutputError:
        code = getattr(exc, "errno", None)
        try:
            free = shutil.disk_usage(parent).free
        except OSError:
            free = None
        # libsndfile says only "System error." on a full disk: look for ourselves.
        if code == errno.ENOSPC or free is not None and free < 1 << 20:
            return OutputError(
                f"the disk holding '{parent}' is full; free some space or choose another place "
                "(no file was written)"
            )
        return OutputError(f"could not write '{self.path}': {exc}; no file was written")


class MemorySink:
    def __init__(self) -> None:
        self.blocks: list[np.ndarray] = []

    def write_all(self, blocks: Iterable[np.ndarray]) -> int:
        for b in blocks:
            self.blocks.append(np.array(b, copy=True))
        return sum(len(b) for b in self.blocks)

    @property
    def audio(self) -> np.ndarray:
        return np.concatenate(self.blocks)[:, 0] if self.blocks else np.zeros(0, np.float32)
