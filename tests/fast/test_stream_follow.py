"""A session playing in the page's own <audio> follows taps (issue 36, point 2), with no
browser and no voice: the app's WAV written by its job, then read as a player reads it, on
a clock the test drives. The player is served only a little ahead of its playhead; a tap
re-times the bytes not yet served, and what the player was served is the re-timed plan's
own sound (no click, the pitch and loudness continuous), the new pace within two breaths."""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from companion.app.following import FIRST_PLAY_WAIT_S, HEADER_BYTES, LEAD_S, Following
from companion.app.jobs import Job
from companion.app.stream import _bytes, wav_size, write_wav
from companion.options import SessionOptions
from companion.plan.taps import TappedBreath, breath_from_intervals
from companion.session import Session, make_session
from companion.sound.renderer import blocks
from tests.fast.fake_voice import FakeNarrator

SR = 44100
STEP_S = 0.1  # the player's clock moves on this much between reads


class MadeAsItPlays(FakeNarrator):
    """The fake voice with nothing made yet: the stream makes it in playing order."""

    def ready(self, texts, length_scale) -> bool:
        return False


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def _written(tmp_path: Path, options: SessionOptions, narrator: FakeNarrator | None = None) -> tuple[Session, Path]:
    session = make_session(options, narrator=narrator, wait_for_voice=False)
    path = tmp_path / "s.wav"
    write_wav(session, path, Job("j", "session"))
    return session, path


def _tone(minutes: float = 2.0) -> SessionOptions:
    return SessionOptions(energy="medium", minutes=minutes, narration=False, ambience="none", breath_rate=12)


class Player:
    """Reads the stream as Chromium does: from the start, as far as it is let, while its
    playhead runs at real time on the test's clock; it reports now and then."""

    def __init__(self, following: Following, clock: Clock):
        self.following, self.clock = following, clock
        self.got = bytearray()
        self.position = 0.0
        self.most_ahead = 0.0

    def read(self) -> None:
        f = self.following
        while True:
            at = len(self.got)
            limit = f.limit(ranged=True)
            if limit > at:
                f.reserve(limit)
                with open(f.path, "rb") as src:
                    src.seek(at)
                    self.got += src.read(limit - at)
            elif f.behind(ranged=True):
                f.rewrite_next()
            else:
                break
        self.most_ahead = max(self.most_ahead, self.ahead_s())

    def ahead_s(self) -> float:
        return (len(self.got) - HEADER_BYTES) / self.following.frame_bytes / SR - self.position

    def play_until(self, end_s: float, report_every_s: float = 3.0) -> None:
        last = -report_every_s
        while self.position < end_s and len(self.got) < self.following.size:
            if self.position - last >= report_every_s:
                self.following.report(self.position, True)
                last = self.position
            self.read()
            assert self.ahead_s() > LEAD_S - 2 * STEP_S  # never starved: it stays ahead
            self.clock.t += STEP_S
            self.position += STEP_S

    def samples(self) -> np.ndarray:
        """The first channel (the tone is centred: the same in both)."""
        frames = np.frombuffer(bytes(self.got[HEADER_BYTES:]), "<i2")
        return frames.reshape(-1, self.following.frame_bytes // 2)[:, 0]


def _breath(intervals: list[float], since: float) -> TappedBreath:
    found = breath_from_intervals(intervals, since)
    assert isinstance(found, TappedBreath)
    return found


def _rendered(session: Session, plan, frames: int | None = None) -> np.ndarray:
    """The plan's first channel as `render` writes it (its first `frames` only: no more is made)."""
    made: list[np.ndarray] = []
    for block in blocks(plan, session.voice_clip(), session.cache, 8192, pcm16=True):
        made.append(block[:, 0])
        if frames is not None and sum(len(b) for b in made) >= frames:
            break
    return np.concatenate(made)[:frames]


def test_a_player_is_served_a_little_ahead_and_a_tap_retimes_what_it_has_not_been_served(tmp_path):
    session, path = _written(tmp_path, _tone())
    untapped = np.frombuffer(path.read_bytes()[HEADER_BYTES:], "<i2").reshape(-1, session.profile.channels)[:, 0]
    clock = Clock()
    following = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    following.written(session)
    player = Player(following, clock)
    player.play_until(40.0)
    assert LEAD_S - 2 * STEP_S <= player.ahead_s() <= LEAD_S + STEP_S  # served only a little ahead of the playhead
    # a breath tapped on the circle: 24 a minute, the last tap just now
    found = _breath([2.5, 2.5, 2.5], 0.0)
    tapped_at = player.position
    served = len(player.got)
    assert following.follow(tapped_at + found.anchor_s, found.rate)
    player.play_until(130.0)
    assert player.most_ahead < LEAD_S + 2 * STEP_S

    heard = player.samples()
    final = following.plan
    assert final is not None and final.breaths != session.plan.breaths
    reference = _rendered(session, final)
    assert heard.shape == reference.shape == untapped.shape
    # what was served before the tap is as it was; the rest is the re-timed plan's own sound
    kept = (served - HEADER_BYTES) // following.frame_bytes
    assert np.array_equal(heard[:kept], untapped[:kept])
    assert np.max(np.abs(heard.astype(int) - reference)) <= 1  # rounding only: no click at the junction
    jumps = np.abs(np.diff(heard.astype(int)))
    assert jumps.max() <= np.abs(np.diff(untapped.astype(int))).max() + 1
    # the glide starts within a breath of the tap and lands on the tapped pace two breaths later
    changed = next(i for i, (a, b) in enumerate(zip(session.plan.breaths, final.breaths)) if a != b)
    first = final.breaths[changed]
    glide_from = first.start_s if first.inhale_s != session.plan.breaths[changed].inhale_s else first.turn_s
    assert tapped_at <= glide_from <= tapped_at + LEAD_S + 60 / 12
    landed = final.breaths[changed + 2]
    assert landed.rate == pytest.approx(24) and landed.start_s <= glide_from + 2 * 60 / 12 + 1e-6
    assert (landed.start_s - (tapped_at + found.anchor_s)) / 2.5 == pytest.approx(
        round((landed.start_s - (tapped_at + found.anchor_s)) / 2.5), abs=1e-6
    )


def test_a_tap_while_the_voice_is_still_made_lands_once_the_stream_is_written(tmp_path):
    """A session with words, its voice made in playing order while the file is written (the
    fake voice): a tap that arrives meanwhile waits, then re-times from what was served."""
    options = SessionOptions(energy="low", minutes=2, breath_rate=14)
    session = make_session(options, narrator=MadeAsItPlays(), wait_for_voice=False)
    assert session.voice_pending
    clock = Clock()
    path = tmp_path / "s.wav"
    size = wav_size(session)
    following = Following(path, size, SR, session.profile.channels, clock=clock)
    path.write_bytes(b"")
    found = _breath([4.0, 4.0, 4.0, 4.0], 0.5)
    assert not following.follow(3.0 + found.anchor_s, found.rate)  # the job still writes: it waits
    write_wav(session, path, Job("j", "session"))
    following.reserve(HEADER_BYTES + int(3 * SR) * 2 * session.profile.channels)  # 3 s already with the player
    following.written(session)
    player = Player(following, clock)
    player.position = 0.5
    player.play_until(30.0)
    final = following.plan
    assert final is not None and final.profile.breath_rate == pytest.approx(15)
    heard = player.samples()
    assert np.max(np.abs(heard.astype(int) - _rendered(session, final, len(heard)))) <= 1


def test_the_first_rise_is_placed_when_play_is_pressed(tmp_path):
    """Taps sent with the form put the tone's first rise where their next breath in falls as
    Play is pressed (not as the form was sent); the first bytes wait a moment for that report."""
    session, path = _written(tmp_path, _tone())
    clock = Clock()
    following = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    following.rise_at_play(clock.t + 1.0, 12)  # the form: a breath in 1 s after it was sent, every 5 s
    following.written(session)
    following.sought(0)
    assert following.limit(ranged=True) == HEADER_BYTES  # held for the page's Play, briefly
    clock.t += 11.7  # Play pressed 11.7 s after the form was sent: the next breath in is 4.3 s away
    assert following.report(0.0, True)  # the guide's breaths moved: the page is told
    player = Player(following, clock)
    player.play_until(60.0)
    final = following.plan
    assert final is not None and min(b.start_s for b in final.breaths if b.start_s >= 0) == pytest.approx(4.3)
    heard = player.samples()
    assert np.array_equal(heard, _rendered(session, final, len(heard)))
    # Play pressed while the file is still being written: placed as soon as it is written
    late = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    late.rise_at_play(clock.t + 1.0, 12)
    late.sought(0)
    clock.t += 11.7
    assert not late.report(0.0, True)
    assert late.limit(ranged=True) == HEADER_BYTES  # held a moment more: the file is not all written
    late.written(session)
    assert late.plan is not None and late.plan.breaths == final.breaths
    # and a page that never reports is not held for long
    quiet = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    quiet.rise_at_play(clock.t, 12)
    quiet.sought(0)
    clock.t += FIRST_PLAY_WAIT_S
    assert quiet.limit(ranged=True) > HEADER_BYTES + LEAD_S * SR * quiet.frame_bytes - quiet.frame_bytes


def test_a_seek_ahead_and_a_download_are_served_at_once(tmp_path):
    session, path = _written(tmp_path, _tone())
    clock = Clock()
    following = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    following.written(session)
    following.report(0.0, True)
    at = HEADER_BYTES + 40 * SR * following.frame_bytes
    following.sought(at)  # a page that could not say so: its range request says where it went
    assert following.limit(ranged=True) >= at + int(LEAD_S * SR) * following.frame_bytes
    found = _breath([3.0, 3.0, 3.0], 0.0)
    following.reserve(at + 1000)
    following.follow(40.0 + found.anchor_s, found.rate)
    job = Job("j", "session")
    job.finished.set()

    async def download() -> bytes:  # no range: the whole file, the stale part written again as it is read
        return b"".join([c async for c in _bytes(path, 0, following.size - 1, job, following, ranged=False)])

    got = asyncio.run(download())
    assert len(got) == following.size and following.rewritten == following.size
    assert following.plan is not None
    reference = _rendered(session, following.plan)
    frames = np.frombuffer(got[HEADER_BYTES:], "<i2").reshape(-1, session.profile.channels)
    assert np.max(np.abs(frames[:, 0].astype(int) - reference)) <= 1


def test_reports_of_a_paused_or_locked_page():
    clock = Clock()
    following = Following(Path("unused.wav"), HEADER_BYTES + 600 * SR * 2, SR, 1, clock=clock)
    following.report(10.0, False)  # paused: the stream waits where it is
    clock.t += 30
    assert following.limit(ranged=True) == HEADER_BYTES + int((10 + LEAD_S) * SR) * 2
    following.report(10.0, True, number=7)  # playing, then no word from it (a locked phone): it runs on
    assert not following.report(9.0, False, number=6)  # sent before, overtaken on the way: old news
    clock.t += 100
    assert following.estimate_s() == pytest.approx(110.0)
    assert following.limit(ranged=True) == HEADER_BYTES + int((110 + LEAD_S) * SR) * 2


def test_a_page_opened_again_is_listened_to_from_its_first_report():
    """A phone's browser drops a paused tab and opens it again: the new page counts its reports
    from 1, and the stream follows it, not the old page's last word (it stalled for good)."""
    clock = Clock()
    following = Following(Path("unused.wav"), HEADER_BYTES + 600 * SR * 2, SR, 1, clock=clock)
    following.report(30.0, False, number=50, page="old")
    assert following.report(30.0, True, number=1, page="new") is False  # taken: no breath moved
    clock.t += 60
    assert following.estimate_s() == pytest.approx(90.0)
    assert not following.report(29.0, False, number=1, page="new")  # its own old news is still old news
    assert following.estimate_s() == pytest.approx(90.0)
    following.report(95.0, True, number=51, page="old")  # a second tab: the page that spoke last leads
    assert following.estimate_s() == pytest.approx(95.0)


def test_a_range_ending_inside_a_frame_still_retimes_on_a_whole_frame(tmp_path):
    """A player whose range ends on an odd byte: the re-timed part starts on the next whole
    frame, so the file is still the re-timed plan's sound, not its bytes shifted (a roar)."""
    session, path = _written(tmp_path, _tone())
    clock = Clock()
    following = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    following.written(session)
    following.report(20.0, True)
    following.reserve(HEADER_BYTES + 20 * SR * following.frame_bytes + 3)  # 3 bytes into a frame
    assert (following.served - HEADER_BYTES) % following.frame_bytes == 0
    found = _breath([3.0, 3.0, 3.0], 0.0)
    assert following.follow(20.0 + found.anchor_s, found.rate)
    job = Job("j", "session")
    job.finished.set()

    async def download() -> bytes:
        return b"".join([c async for c in _bytes(path, 0, following.size - 1, job, following, ranged=False)])

    got = asyncio.run(download())
    assert len(got) == following.size == path.stat().st_size
    assert following.plan is not None
    frames = np.frombuffer(got[HEADER_BYTES:], "<i2").reshape(-1, session.profile.channels)
    assert np.max(np.abs(frames[:, 0].astype(int) - _rendered(session, following.plan))) <= 1


def test_a_stream_whose_file_was_cleared_away_ends_with_a_short_read(tmp_path):
    """Old sessions are cleared while a page still plays one it had tapped: its stream ends
    quietly (a short read, as when the app stops), with no error in the server."""
    session, path = _written(tmp_path, _tone())
    clock = Clock()
    following = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    following.written(session)
    following.report(5.0, True)
    following.reserve(HEADER_BYTES + 7 * SR * following.frame_bytes)  # the player has 7 s
    found = _breath([3.0, 3.0, 3.0], 0.0)
    assert following.follow(5.0 + found.anchor_s, found.rate)
    job = Job("j", "session")
    job.finished.set()

    async def play() -> bytes:
        reader = _bytes(path, 0, following.size - 1, job, following, ranged=True)
        got = b""
        async for chunk in reader:
            got += chunk
            if len(got) >= following.served and path.exists():
                path.unlink()  # cleared after the first bytes were served
            clock.t += 1.0  # the page plays on: more may be read
        return got

    got = asyncio.run(play())
    assert following.lost and HEADER_BYTES < len(got) < following.size


def test_the_page_says_honestly_when_the_tone_will_follow():
    from companion.app.nowplaying import _following

    assert _following("about 16 breaths a minute", 2.0) == (
        "About 16 breaths a minute. The tone will follow within two breaths."
    )
    assert (
        _following("about 16 breaths a minute", 34.0)
        == "About 16 breaths a minute. The tone will follow in about 30 seconds."
    )
    assert (
        _following("about 16 breaths a minute", 200.0)
        == "About 16 breaths a minute. The tone will follow in about 3 minutes."
    )
    assert _following("about 16 breaths a minute", None) == (
        "About 16 breaths a minute. The tone will follow as soon as the rest of the session is made."
    )


def test_a_ranged_reader_with_no_page_behind_it_is_not_held_for_ever(tmp_path):
    """A client that asks for a range and never says where it plays (not the app's page: a
    tool, a hostile request) is served as a download once UNHEARD_S have passed, not held
    at the lead for ever (the real server's walk timed out on it)."""
    from companion.app.following import UNHEARD_S

    session, path = _written(tmp_path, _tone())
    clock = Clock()
    following = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    following.written(session)
    following.sought(1)
    held = following.limit(ranged=True)
    assert held < following.size
    clock.t += UNHEARD_S + 0.1
    assert following.limit(ranged=True) == following.size
    page = Following(path, wav_size(session), SR, session.profile.channels, clock=clock)
    page.written(session)
    page.sought(0)
    page.report(0.0, False)  # a page, paused: it is held where it is
    clock.t += 10 * UNHEARD_S
    assert page.limit(ranged=True) == HEADER_BYTES + int(LEAD_S * SR) * page.frame_bytes
