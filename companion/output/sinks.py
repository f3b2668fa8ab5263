"""Where rendered blocks go when they go to a file: written on a second thread, atomically."""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from companion import interrupts
from companion.atomic import DISK_FULL, check_writable, disk_full, written_atomically
from companion.errors import OutputError

# suffix -> (libsndfile format, subtype)
FORMATS = {
    ".wav": ("WAV", "PCM_16"),
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
    ".opus": ("OGG", "OPUS"),
}
# FLAC's level 4 of 0-8 (libsndfile's scale 0-1): the same size as its default 5 on our sessions
# (their noise bed barely compresses) in less time: a 90-minute track in 13.9 s, not 16.5 s.
FLAC_LEVEL = 0.5
OPUS_RATE = 48000  # Opus takes 8, 12, 16, 24 or 48 kHz: sessions are resampled to 48 kHz for it
# MP3, Opus and Ogg Vorbis are encoded by the ffmpeg that the imageio-ffmpeg wheel carries
# (LAME at its standard quality 5, VBR ~165 kb/s; libopus at 96 kb/s; libvorbis at quality 4,
# libsndfile's own default): a 5-minute session in 2.2 s, where libsndfile's MP3 took 9 s (its
# LAME runs at its slowest quality) and its Opus 7.5 s. libsndfile also gave each Ogg file a
# random stream serial, so the same session never gave the same bytes; ffmpeg takes ours.
FFMPEG_ENCODERS = {
    ".mp3": ["-c:a", "libmp3lame", "-q:a", "4", "-compression_level", "5", "-f", "mp3"],
    ".opus": ["-c:a", "libopus", "-b:a", "96k", "-f", "ogg"],
    ".ogg": ["-c:a", "libvorbis", "-q:a", "4", "-f", "ogg"],
}


def check_output_path(path: Path, suffixes: Iterable[str] = FORMATS, field: str = "path") -> Path:
    """Refuse a path we could not write, before any work is done (an audio file unless other
    `suffixes` are given); the error is about `field`, the argument or option that gave it."""
    return check_writable(path, suffixes, field)


def stream_serial(identity: str) -> int:
    """An Ogg stream serial number for a file made from `identity` (a session's fingerprint):
    never 0, which `opusinfo` warns of and tools that join or split Ogg streams mix up, and
    unlike other files' as a random one would be, while the same session still gives the
    same bytes. 1 to 2^31 - 1: the range ffmpeg's Ogg muxer takes."""
    digest = hashlib.sha256(identity.encode()).digest()
    return int.from_bytes(digest[:4], "big") % 0x7FFFFFFF + 1


class FileSink:
    """Write blocks to a temporary file beside the target; rename it only when complete.
    `identity` (a session's fingerprint) fixes an Opus file's stream serial number."""

    def __init__(self, path: Path, sample_rate: int, channels: int = 1, identity: str = ""):
        self.path = check_output_path(Path(path))
        self.sample_rate, self.channels = sample_rate, channels
        self.serial = stream_serial(identity or str(self.path.name))
        self.format, self.subtype = FORMATS[self.path.suffix.lower()]
        self.file_rate = OPUS_RATE if self.subtype == "OPUS" else sample_rate

    def write_all(self, blocks: Iterable[np.ndarray], finish: Callable[[Path], None] | None = None) -> int:
        """Write every block; `finish(tmp)` (tags, say) runs on the complete file before it is
        renamed into place, so a track is never seen untagged. Returns the frames rendered."""
        if self.file_rate != self.sample_rate:
            blocks = _resampled(blocks, self.sample_rate, self.file_rate, self.channels)
        encoder = FFMPEG_ENCODERS.get(self.path.suffix.lower())
        if encoder is not None and self.path.suffix.lower() in (".ogg", ".opus"):
            encoder = [*encoder, "-serial_offset", str(self.serial)]  # with -bitexact: the serial itself
        with written_atomically(self.path) as tmp:
            try:
                if encoder is not None:
                    frames = _encode_with_ffmpeg(tmp, blocks, self.file_rate, self.channels, encoder)
                else:
                    level = {"compression_level": FLAC_LEVEL} if self.format == "FLAC" else {}
                    # as bytes: a file name that is not UTF-8 is a file name all the same (soundfile would
                    # encode a str strictly)
                    with sf.SoundFile(
                        os.fsencode(tmp), "w", self.file_rate, self.channels, self.subtype, format=self.format, **level
                    ) as f:
                        frames = _write_behind(f, blocks)
                if finish is not None:
                    finish(tmp)
            except (sf.LibsndfileError, OSError) as exc:
                raise explain_write_error(exc, self.path) from None
        return frames

    @property
    def pcm16(self) -> bool:
        """16-bit formats take int16 blocks (see blocks(pcm16=True)), so WAV and FLAC hold the same samples."""
        return self.subtype == "PCM_16"


def _encode_with_ffmpeg(tmp: Path, blocks: Iterable[np.ndarray], rate: int, channels: int, encoder: list[str]) -> int:
    """Pipe the blocks (float32) to ffmpeg, which encodes on another core as they come. It runs
    in its own session, so Ctrl-C reaches only us; we stop it (and the caller removes its file)."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-nostdin", "-v", "error", "-y", "-f", "f32le", "-ar", str(rate)]
    command += ["-ac", str(channels), "-i", "pipe:0", "-map_metadata", "-1", *encoder, "-bitexact", str(tmp)]
    frames = 0
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=errors, start_new_session=True)
        assert process.stdin is not None
        try:
            try:
                for block in blocks:
                    process.stdin.write(np.ascontiguousarray(block, dtype=np.float32).tobytes())
                    frames += len(block)
                process.stdin.close()
            except BrokenPipeError:
                pass  # ffmpeg stopped early: its own message says why
            code = process.wait()
        except BaseException:
            with interrupts.deferred():
                process.kill()
                process.wait()
            raise
        if code != 0:
            errors.seek(0)
            message = errors.read().decode(errors="replace").strip().splitlines() or [f"ffmpeg ended with {code}"]
            full = "No space left" in message[-1]
            raise OSError(errno.ENOSPC if full else errno.EIO, message[-1])
    return frames


def _resampled(blocks: Iterable[np.ndarray], rate: int, to_rate: int, channels: int) -> Iterator[np.ndarray]:
    """The blocks at another sample rate (soxr, streaming: memory stays flat)."""
    stream = soxr.ResampleStream(rate, to_rate, channels, dtype="float32", quality="HQ")
    for block in blocks:
        out = stream.resample_chunk(np.ascontiguousarray(block, dtype=np.float32))
        if len(out):
            yield out
    yield stream.resample_chunk(np.zeros((0, channels), np.float32), last=True)


def explain_write_error(exc: Exception, path: Path) -> OutputError:
    """One line for a failed write. libsndfile says only "System error." on a full disk: look for ourselves."""
    parent = path.parent  # "." for a bare file name
    if getattr(exc, "errno", None) in DISK_FULL or disk_full(parent):
        return OutputError(
            f"the disk holding '{parent}' is full; free some space or choose another place (no file was written)"
        )
    return OutputError(f"could not write '{path}': {exc}; no file was written")


def _discard(path: str) -> None:
    """Empty a file that is about to be removed: closing it syncs it to the disk (libsndfile
    does), and syncing or removing hundreds of megabytes took seconds on a busy disk, while
    Ctrl-C waited."""
    try:
        os.truncate(path, 0)
    except OSError:
        pass  # it is removed all the same


def _write_behind(f: sf.SoundFile, blocks: Iterable[np.ndarray]) -> int:
    """Write on a second thread while this one renders the next blocks: each write is one
    long call into libsndfile that lets go of the GIL, so the two cores share the work."""
    pending: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=8)
    failure: list[BaseException] = []
    stopped = threading.Event()

    def writer() -> None:
        while (block := pending.get()) is not None:
            if not failure and not stopped.is_set():
                try:
                    f.write(block)
                except BaseException as exc:  # handed back to the rendering thread
                    failure.append(exc)

    frames = 0
    # a signal raised inside the queue's locks (or while the writer starts: Thread.start waits
    # on a lock too) would hang both threads or break a lock
    with interrupts.deferred():
        thread = threading.Thread(target=writer, name="companion-writer", daemon=True)
        thread.start()
        try:
            for block in blocks:
                interrupts.check()
                if failure:
                    break
                pending.put(block)
                frames += len(block)
        except BaseException:
            # interrupted (or failed): the file is removed, so the blocks still queued for it are
            # not written. Writing them could take seconds on a disk busy with other work.
            stopped.set()
            raise
        finally:
            pending.put(None)
            thread.join()
            if stopped.is_set():
                _discard(f.name)
    if failure:
        raise failure[0]
    return frames
