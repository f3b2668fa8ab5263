"""A session playing in the page's own <audio> follows taps (issue 36, point 2).

The job writes the whole WAV as fast as it can (`render`'s samples, as ever), but a player
is served only a little of it ahead of the playhead: what the page last reported (on play,
pause, seek and now and then while it plays), run on at real time since the report. So a
phone whose locked page cannot report never starves (the estimate only runs on), and the
browser's buffer, which would otherwise hold the whole file, holds only LEAD_S of it.

Bytes not yet served can still change. A tap re-times the plan from a junction just past
them (`retimed`: the plan is the same up to there, so the old bytes and the new ones join
with no click), and the file is written again from there as it is read: a quantum at a
time, when a reader reaches it, so a tap costs a few milliseconds of rendering, not the
whole rest of the session. A request for the whole file (no Range: a download, not a
player) is not held back by the playhead; it is served what it would have been anyway.

The tone's first rise is placed for when Play is pressed, not when the form was sent: the
page reports Play before the first bytes are served (a reader waits FIRST_PLAY_WAIT_S for
it), and the plan is put in step from there (`in_step`). Where bytes were already served
(the report came too late, or the voice was still being made), it glides into step instead.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from companion import BadInput, FollowedSound, Session, SessionPlan

HEADER_BYTES = 44
LEAD_S = 4.0  # served ahead of the playhead: a report a second or two late starves nothing; a tap lands about this soon
UNHEARD_S = 10.0  # a reader whose page never says where it plays (no page at all) is served as a download
FIRST_PLAY_WAIT_S = 0.5  # the first bytes wait this long for the page's Play (the tone's first rise placed from it)


@dataclass(frozen=True)
class Playhead:
    position_s: float = 0.0  # session seconds
    at: float = 0.0  # when it was there (the clock's seconds)
    playing: bool = False
    known: bool = False  # reported (or sought) at least once


class Following:
    """What of a session's WAV a player may read now, and the re-timing of the rest."""

    def __init__(
        self, path: Path, size: int, sample_rate: int, channels: int, clock: Callable[[], float] = time.monotonic
    ):
        self.path, self.size, self.sr = path, size, sample_rate
        self.frame_bytes = 2 * channels
        self.clock = clock
        self.lock = threading.Lock()  # the fields below
        self.writing = threading.Lock()  # one rewrite of a quantum at a time
        self.playhead = Playhead()
        self.served = HEADER_BYTES  # bytes before this went to a player: they never change
        self.rewritten = size  # bytes from here on are stale: the re-timed plan's are not written yet
        self.sound: FollowedSound | None = None  # once the job has written the whole file
        self.plan: SessionPlan | None = None  # the plan the file (as rewritten) follows
        self.generation = 0  # each re-timing; a quantum made for an older one is not counted
        self.first_rise: tuple[float, float] | None = None  # (clock time of a breath in, period): placed at Play
        self.first_reader: float | None = None  # when a player first asked for bytes
        self.pending: tuple[float, float] | None = None  # (breath in, rate), session clock: the job still writing
        self.reports = -1  # the page's latest report's number
        self.page: str | None = None  # the page that sent it: a page opened again counts from 1
        self.heard_from = False  # a page has reported where its audio is
        self.lost = False  # the file went (old sessions cleared) while a page still played it
        self.rise_due: tuple[float, float] | None = None  # (first rise, rate) found at Play: the job still writing

    # -- the page's reports ---------------------------------------------------------------
    def rise_at_play(self, breath_in_at: float, rate: float) -> None:
        """The form's taps: a breath in expected at `breath_in_at` (the clock's seconds), at `rate`."""
        with self.lock:
            self.first_rise = (breath_in_at, 60.0 / rate)

    def report(self, position_s: float, playing: bool, number: int | None = None, page: str | None = None) -> bool:
        """Where the page's audio is now; the first report while playing places the first rise
        (True when it moved the breath: the page's circle is to follow). `number` counts the
        page's reports: one overtaken by a later one on the way is old news. A report from
        another `page` (opened again, or a second tab) is news whatever its number: the page
        that spoke last is the one listened to."""
        now = self.clock()
        with self.lock:
            generation = self.generation
            if page is not None and page != self.page:
                self.page, self.reports = page, -1
            if number is not None:
                if number <= self.reports:
                    return False
                self.reports = number
            self.playhead = Playhead(max(position_s, 0.0), now, playing, True)
            self.heard_from = True
            if playing and self.first_rise is not None:
                anchor, period = self.first_rise
                self.first_rise = None
                start = now - position_s  # the clock's time of the session's first sample
                rise = (anchor - start) % period
                if self.served <= HEADER_BYTES and position_s < rise:
                    self.rise_due = (rise, 60.0 / period)
                    self._place_first_rise()  # or once the job has written the file, if it is soon
                else:  # too late to place it: glide into step with the taps instead
                    with contextlib.suppress(BadInput):  # out of the tone's reach: it goes on as planned
                        self._follow(rise, 60.0 / period)
            return self.generation != generation

    def estimate_s(self) -> float:
        """The playhead now, from the last report (run on at real time while playing)."""
        p = self.playhead
        return p.position_s + (self.clock() - p.at if p.playing else 0.0)

    # -- what a reader may read ----------------------------------------------------------
    def sought(self, start: int) -> int:
        """A player asks for bytes from `start`. Past what it may read, it has sought there
        (a page that cannot report, say): the playhead is there now, playing or not as it
        was, and this request may read LEAD_S past it whatever a report that crossed it on
        the way says (a pause sent just before the seek). The least this request may read to."""
        with self.lock:
            if self.first_reader is None:
                self.first_reader = self.clock()
            if start <= max(self._ahead(), self.served):
                return HEADER_BYTES
            was = self.playhead
            self.playhead = Playhead(self._seconds(start), self.clock(), was.playing, True)
            return self._ahead()

    def limit(self, ranged: bool, least: int = HEADER_BYTES) -> int:
        """Bytes before this may be read now: all that is settled for a download; for a
        player, LEAD_S past the playhead (or anything already served, or `least`)."""
        with self.lock:
            return self._limit(ranged, least)

    def _limit(self, ranged: bool, least: int) -> int:
        if not ranged or self._unheard():
            return self.rewritten
        if self.first_rise is not None and not self.playhead.known:
            if self.clock() - (self.first_reader or self.clock()) < FIRST_PLAY_WAIT_S:
                return HEADER_BYTES  # the tone's first rise waits for Play
        if self.rise_due is not None and self.sound is None:
            if self.clock() - self.playhead.at < FIRST_PLAY_WAIT_S:
                return HEADER_BYTES  # and for the file to be written, a moment
        return min(self.rewritten, max(self._ahead(), self.served, least))

    def reserve(self, end: int) -> None:
        """A player is sent the bytes before `end`: from now on they cannot change. Counted
        in whole frames: a re-timing starts on a frame, whatever byte a range ended on."""
        with self.lock:
            self._reserve(end)

    def grant(self, at: int, wanted: int, written: int, ranged: bool, least: int = HEADER_BYTES) -> int:
        """How many of the `wanted` bytes from `at` a reader may send now (0: wait), the
        limit found and the bytes reserved in one step, so no re-timing falls between them."""
        with self.lock:
            limit = min(written, self._limit(ranged, least))
            n = max(0, min(wanted, limit - at))
            if n and ranged:
                self._reserve(at + n)
            return n

    def follows_in(self) -> float | None:
        """Seconds until the listener hears the re-timed part (what the player already has
        plays first, after a seek back, say), or None while the file is still being written."""
        with self.lock:
            if self.sound is None:
                return None
            return max(0.0, self._seconds(self.served) - self.estimate_s())

    def behind(self, ranged: bool, least: int = HEADER_BYTES) -> bool:
        """A reader waits for bytes that are stale: the next quantum is to be rewritten."""
        with self.lock:
            if self.rewritten >= self.size:
                return False
            return not ranged or max(self._ahead(), self.served, least) > self.rewritten

    def rewrite_next(self) -> None:
        """Write the re-timed plan's next quantum into the file (a worker thread)."""
        with self.writing:
            with self.lock:
                start, plan, generation = self.rewritten, self.plan, self.generation
            if start >= self.size or plan is None or self.sound is None:
                return
            data = self.sound.pcm16(plan, (start - HEADER_BYTES) // self.frame_bytes)
            try:
                fd = os.open(self.path, os.O_WRONLY)
            except OSError:  # cleared away with the old sessions: its readers end (a short read)
                with self.lock:
                    self.lost = True
                return
            try:
                os.pwrite(fd, data, start)
            finally:
                os.close(fd)
            with self.lock:
                if self.generation == generation:
                    self.rewritten = start + len(data)
                if self.rewritten >= self.size:
                    self.sound.rest()  # written to the end: its renderer's memory goes

    # -- re-timing --------------------------------------------------------------------------
    def written(self, session: Session) -> None:
        """The job has written the whole file from `session.plan`: what follows starts from it."""
        with self.lock:
            self.sound = FollowedSound(session)
            self.plan = self.sound.plan
            self._place_first_rise()
            if self.pending is not None:
                breath_in_s, rate = self.pending
                self.pending = None
                with contextlib.suppress(BadInput):  # out of the tone's reach: it goes on as planned
                    self._follow(breath_in_s, rate)

    def follow(self, breath_in_s: float, rate: float) -> bool:
        """Glide to `rate`, in step with a breath in at `breath_in_s` (session seconds), from
        just past what was served. False when the file is still being written: it is done
        as soon as it is. BadInput (from `retimed`) when the tone cannot reach it."""
        with self.lock:
            return self._follow(breath_in_s, rate)

    def breaths(self) -> list[float] | None:
        """The plan's breaths as the page's guide draws them ([start, in, out] flat), once re-timed."""
        with self.lock:
            if self.plan is None:
                return None
            return [round(x, 3) for b in self.plan.breaths for x in (b.start_s, b.inhale_s, b.exhale_s)]

    def _place_first_rise(self) -> None:
        """The first rise found at Play, put in place once the file is written: from the start
        when nothing was served yet, else by a glide into step."""
        if self.rise_due is None or self.sound is None:
            return
        (rise, rate), self.rise_due = self.rise_due, None
        with contextlib.suppress(BadInput):  # out of the tone's reach: it goes on as planned
            if self.served <= HEADER_BYTES:
                self._restart(self.sound.in_step(rise), HEADER_BYTES)
            else:
                self._follow(rise, rate)

    def _follow(self, breath_in_s: float, rate: float) -> bool:
        if self.sound is None:
            self.pending = (breath_in_s, rate)
            return False
        junction = max(self.served, HEADER_BYTES)
        frame = (junction - HEADER_BYTES) // self.frame_bytes
        self._restart(self.sound.retime(frame, breath_in_s, rate), junction)
        return True

    def _restart(self, plan: SessionPlan, junction: int) -> None:
        """The file is stale from `junction` on: written again from `plan` as it is read."""
        self.plan, self.generation, self.rewritten = plan, self.generation + 1, junction

    def _unheard(self) -> bool:
        """A ranged reader with no page behind it (nothing reported UNHEARD_S after it began):
        no playhead to stay ahead of, so nothing to hold back for."""
        began = self.first_reader
        return not self.heard_from and began is not None and self.clock() - began > UNHEARD_S

    def _reserve(self, end: int) -> None:
        frames = -(-max(end - HEADER_BYTES, 0) // self.frame_bytes)  # rounded up to a whole frame
        self.served = max(self.served, min(HEADER_BYTES + frames * self.frame_bytes, self.size))

    def _ahead(self) -> int:
        frame = int((self.estimate_s() + LEAD_S) * self.sr) if self.playhead.known else int(LEAD_S * self.sr)
        return min(HEADER_BYTES + frame * self.frame_bytes, self.size)

    def _seconds(self, at: int) -> float:
        return max(at - HEADER_BYTES, 0) // self.frame_bytes / self.sr
