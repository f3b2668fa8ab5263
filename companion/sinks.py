"""Where rendered blocks go: a file, written atomically; and the sound outputs there are."""

from __future__ import annotations

import errno
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile as sf

from . import interrupts
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
    if path.is_dir():
        raise BadInput(f"'{path}' is a folder; give a file name such as '{path / 'session.mp3'}'")
    if path.suffix.lower() not in FORMATS:
        raise BadInput(f"cannot tell the format of '{path}'; end the file name with " + ", ".join(FORMATS))
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
        with _replaced_when_done(self.path) as tmp:
            try:
                with sf.SoundFile(tmp, "w", self.sample_rate, self.channels, self.subtype, format=self.format) as f:
                    return _write_behind(f, blocks)
            except (sf.LibsndfileError, OSError, RuntimeError) as exc:
                raise self._explain(exc, tmp.parent) from None

    @property
    def pcm16(self) -> bool:
        """16-bit formats take int16 blocks (see render(pcm16=True)), so WAV and FLAC hold the same samples."""
        return self.subtype == "PCM_16"

    def _explain(self, exc: Exception, parent: Path) -> OutputError:
        code = getattr(exc, "errno", None)
        try:
            free = shutil.disk_usage(parent).free
        except OSError:
            free = None
        # libsndfile says only "System error." on a full disk: look for ourselves.
        if code == errno.ENOSPC or free is not None and free < 1 << 20:
            return OutputError(
                f"the disk holding '{parent}' is full; free some space or choose another place (no file was written)"
            )
        return OutputError(f"could not write '{self.path}': {exc}; no file was written")


def write_text_atomically(path: Path, text: str) -> None:
    """A small text file beside an output, written whole or not at all."""
    with _replaced_when_done(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextmanager
def _replaced_when_done(path: Path) -> Iterator[Path]:
    """A temporary name beside `path`, renamed to `path` when the body completes and
    removed if it does not (an error, Ctrl-C): no half-written file is ever left."""
    parent = path.parent if str(path.parent) else Path(".")
    try:
        fd, name = tempfile.mkstemp(dir=parent, prefix=f".{path.stem}.", suffix=".partial")
    except OSError as exc:
        raise BadInput(
            f"cannot write in the folder '{parent}' ({exc.strerror}); choose a folder you can write to"
        ) from None
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; the file is the user's
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _write_behind(f: sf.SoundFile, blocks: Iterable[np.ndarray]) -> int:
    """Write on a second thread while this one renders the next blocks: each write is one
    long call into libsndfile that lets go of the GIL, so the two cores share the work."""
    pending: queue.Queue = queue.Queue(maxsize=8)
    failure: list[BaseException] = []

    def writer() -> None:
        while (block := pending.get()) is not None:
            if not failure:
                try:
                    f.write(block)
                except BaseException as exc:  # handed back to the rendering thread
                    failure.append(exc)

    thread = threading.Thread(target=writer, name="companion-writer", daemon=True)
    thread.start()
    frames = 0
    with interrupts.deferred():  # a signal raised inside the queue's locks would hang both threads
        try:
            for block in blocks:
                interrupts.check()
                if failure:
                    break
                pending.put(block)
                frames += len(block)
        finally:
            pending.put(None)
            thread.join()
    if failure:
        raise failure[0]
    return frames


def output_devices() -> list[dict]:
    """The sound outputs PortAudio can see (empty when there is none, or no PortAudio)."""
    try:
        import sounddevice as sd

        return [
            {"index": i, "name": d["name"], "channels": d["max_output_channels"], "default": i == sd.default.device[1]}
            for i, d in enumerate(sd.query_devices())
            if d["max_output_channels"] > 0
        ]
    except (OSError, ImportError):  # no PortAudio library on this machine
        return []


class NoDevice(OutputError):
    """No sound output: the caller suggests writing a file instead."""
