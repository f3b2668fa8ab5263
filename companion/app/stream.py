"""A session heard in the page within a second: its WAV is written in the order it plays,
while its voice is still being made (the first line first, the rest ahead of the playhead,
the same samples `render` writes), with its final length in the header from the start (the
plan is exact to the sample), and served with range requests while it grows. A range not
yet written waits for it; seeking works as for any file. A player is served only a little
ahead of its playhead, so a tap can still re-time the rest (following.py, issue 36)."""

from __future__ import annotations

import asyncio
import os
import re
import struct
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

from companion import Session, SessionPlan, blocks_in_order, owner_only
from companion.app.following import HEADER_BYTES as HEADER_BYTES
from companion.app.following import Following
from companion.app.jobs import Job

CHUNK = 256 * 1024
RANGE = re.compile(r"bytes=(\d{0,18})-(\d{0,18})$")  # more digits than any file has bytes: unsatisfiable


def wav_size(session: Session) -> int:
    plan = session.plan
    return HEADER_BYTES + plan.total_samples * plan.profile.channels * 2


def wav_header(rate: int, channels: int, frames: int) -> bytes:
    data = frames * channels * 2
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * channels * 2, channels * 2, 16)
    riff = b"RIFF" + struct.pack("<I", 36 + data) + b"WAVE"
    return riff + b"fmt " + struct.pack("<I", 16) + fmt + b"data" + struct.pack("<I", data)


def write_wav(session: Session, path: Path, job: Job, placed: Callable[[SessionPlan], None] | None = None) -> int:
    """The session's sound, 16-bit, header first, in playing order while its voice is made
    (the first line first): `placed(plan)` hears each plan with more words in place. The
    job's progress counts bytes on disk."""
    plan = session.plan
    size = wav_size(session)
    with open(path, "wb", opener=owner_only) as f:
        f.write(wav_header(plan.sample_rate, plan.profile.channels, plan.total_samples))
        f.flush()
        waiting = lambda: job.progress(f.tell(), size, "Ready")  # noqa: E731  (raises once the job is stopped)
        for block in blocks_in_order(session, 8192, pcm16=True, placed=placed, waiting=waiting):
            f.write(block.astype("<i2", copy=False).tobytes())
            f.flush()  # a reader sees each block as soon as it is made
            job.progress(f.tell(), size, "Ready")
    return size


def wav_response(request: Request, path: Path, size: int, job: Job, following: Following | None = None) -> Response:
    start, end = 0, size - 1
    wanted = request.headers.get("range")
    status = 200
    if wanted is not None:
        found = RANGE.match(wanted.strip())
        if found is None or found.group(1) == found.group(2) == "":
            return PlainTextResponse("Bad range", 416, headers={"content-range": f"bytes */{size}"})
        if found.group(1) == "":  # the last N bytes
            start = max(0, size - int(found.group(2)))
        else:
            start = int(found.group(1))
            end = min(int(found.group(2)), size - 1) if found.group(2) else size - 1
        if start > end or start >= size:
            return PlainTextResponse("Bad range", 416, headers={"content-range": f"bytes */{size}"})
        status = 206
    headers = {"accept-ranges": "bytes", "content-length": str(end - start + 1)}
    if status == 206:
        headers["content-range"] = f"bytes {start}-{end}/{size}"
    reader = _bytes(path, start, end, job, following, ranged=wanted is not None)
    return StreamingResponse(reader, status, headers, media_type="audio/wav")


async def _bytes(
    path: Path, start: int, end: int, job: Job, following: Following | None = None, ranged: bool = True
) -> AsyncIterator[bytes]:
    """The file from start to end, waiting where it is not yet written (the voice may still
    be in the making, before the file exists), and, for a player (a range asked for), where
    it is further ahead of the playhead than `following` lets it be."""
    while not path.exists():
        if job.finished.is_set() or job.stop.is_set():
            return  # it failed or the app is stopping: the browser sees a short read
        await asyncio.sleep(0.02)
    least = following.sought(start) if following is not None and ranged else HEADER_BYTES
    with open(path, "rb", buffering=0) as f:  # unbuffered: a part written again is read as it is now
        at = start
        while at <= end:
            written = os.fstat(f.fileno()).st_size
            limit = written if following is None else min(written, following.limit(ranged, least))
            if limit <= at:
                if job.stop.is_set() or (job.finished.is_set() and written <= at):
                    return
                if following is not None and following.behind(ranged, least):
                    await run_in_threadpool(following.rewrite_next)
                else:
                    await asyncio.sleep(0.02)
                continue
            n = min(CHUNK, end + 1 - at, limit - at)
            if following is not None and ranged:
                following.reserve(at + n)
            chunk = os.pread(f.fileno(), n, at)
            if not chunk:
                return
            at += len(chunk)
            yield chunk
