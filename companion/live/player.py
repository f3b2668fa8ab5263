"""Live play: the same session `render` would write, streamed to an output (the sound card),
with gentle controls (pause, volume, extend, stop), each acting through a fade, never a cut.

Threads: a producer renders blocks ahead of the playhead; the output (the sound card's
callback, or a paced stand-in in tests) only copies blocks out; key presses arrive as
commands; the main thread draws the view. When the session's voice is still to be made,
the tone starts at once while the voice is synthesised in the order it is heard: the first
line first, then a few phrases at a time. Each line whose place the phrases made so far
already fix is put in the plan as soon as it is ready, while the playhead is still before
it, so the first words come on time and the sound is the same, sample for sample, as the
whole plan's. Only a voice too slow for that (or a session stretched while it was made)
falls back to a longer tone-only opening.
"""

from __future__ import annotations

import queue
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, replace

import numpy as np

from companion.errors import BadInput, DoesNotFit
from companion.live.ahead import playing_order
from companion.live.follow import SWAP_FADE_S, Follow, is_tap
from companion.live.swaps import SWITCH_FADE_S, LiveSession
from companion.live.transport import Transport
from companion.options import check_argument, check_callable
from companion.output.stream import BLOCK, Blocks, Output, Status
from companion.plan.extend import extend_plan
from companion.plan.layout import plan_so_far
from companion.plan.model import SessionPlan
from companion.plan.profile import SPEAKING_PACE
from companion.session import Session
from companion.sound.layers.chime import CUE_LOOK_AHEAD_S, CUE_LOOK_BACK_S
from companion.sound.renderer import BEFORE_WORDS_S
from companion.voice.narrator import Narrator

EXTEND_S = 5 * 60
# a new line changes the sound a little before its words (the tone and bed fade out 1 s before them)
CHANGES_BEFORE_S = BEFORE_WORDS_S + 0.1


@dataclass(frozen=True)
class PlayResult:
    ended: str  # "finished", "stopped" (q, Esc) or "interrupted" (Ctrl-C, SIGTERM)
    minutes_heard: float
    extensions: int  # times five more minutes were asked for
    underruns: int  # times the output ran dry
    lengthened_to: int | None  # minutes, when the words needed more time than asked
    faster_than_real_time: bool = False  # the output took sound faster than it plays (a null device)

    @property
    def exit_code(self) -> int:
        return 130 if self.ended == "interrupted" else 0


def play(
    session: Session,
    output: Output,
    *,
    view: Callable[[Status], None] | None = None,
    keys: Callable[[Callable[[str], None]], AbstractContextManager[object]] | None = None,
) -> PlayResult:
    """Play a session to the end (or until stopped) and say how it ended.

    `view(status)` is called a few times a second; `keys(send)` is a context manager that
    hands key commands to `send` while playing (see keys.TerminalKeys). In the main thread,
    Ctrl-C and SIGTERM end the session gently (a second Ctrl-C at once): `play` handles them
    itself while it plays, and gives the caller's handlers back when it returns.
    """
    check_argument("session", session, isinstance(session, Session), "a Session (from make_session)")
    ok = all(callable(getattr(output, m, None)) for m in ("play", "abort"))
    check_argument("output", output, ok, "an Output (DeviceOutput(), or anything with play and abort)")
    check_callable("view", view)
    check_callable("keys", keys)
    player = Player(session, output)
    with _interrupts_to(player):  # from the moment keys are read, Ctrl-C is the player's
        controls = keys(player.send) if keys is not None else nullcontext()
        ok = all(callable(getattr(controls, m, None)) for m in ("__enter__", "__exit__"))
        check_argument("keys", keys, ok, "a function that gives a context manager (see keys.TerminalKeys), or None")
        with controls:
            return player.run(view)


@contextmanager
def _interrupts_to(player: Player) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    for sig in previous:
        signal.signal(sig, lambda _signum, _frame: player.interrupt())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Player:
    """Plays one session on an output; commands come from keys (or tests)."""

    def __init__(self, session: Session, output: Output):
        self.session = session
        self.profile = session.profile
        self.output = output
        self.live = LiveSession(session)
        self.transport = Transport(self.profile.sample_rate)
        self.status = Status(session.plan, waiting_for_voice=session.voice_pending)
        self.commands: queue.Queue[str] = queue.Queue()
        self.follow = Follow()  # taps while playing: the tone follows the breath now
        self._voice: Future[None] | None = None
        self._making: Future[None] | None = None  # the voice's work, kept once _voice is let go
        self._voice_stopped = threading.Event()  # the session has ended: no more phrases are begun
        self._pool: ThreadPoolExecutor | None = None
        self._made: dict[str, tuple[str, int]] = {}  # the phrases made so far, by the voice's thread
        self._made_lock = threading.Lock()
        self._placed_from = 0  # how many phrases the plan playing now was made from
        self._placed = False  # lines put in the plan before the whole voice was ready
        self.interrupts = 0
        self.extensions = 0
        self.heard = 0  # session samples handed to the output
        self.lengthened_to: int | None = None
        self._clock: float | None = None  # when session time 0 would have played, for pacing

    # -- commands -------------------------------------------------------------
    def send(self, command: str) -> None:
        """'pause', 'louder', 'softer', 'extend', 'stop', 'tap' (one tap as a breath in begins),
        'taps <intervals> <since>' (a breath tapped elsewhere: see follow.py) (thread-safe, and
        safe from a signal handler)."""
        if is_tap(command):
            self.follow.receive(command)
            return
        self.commands.put(command)

    def interrupt(self) -> None:
        """Ctrl-C: the first ends gently (the closing fade plays out), the next ends at once."""
        self.interrupts += 1
        if self.interrupts == 1:
            self.send("stop")
        else:
            self.abort()

    def abort(self) -> None:
        self.output.abort()

    def _apply(self, command: str) -> None:
        t, status = self.transport, self.status
        if command == "pause":
            t.pause_toggle()
        elif command == "louder":
            if t.volume_db >= 0:
                status.acknowledge("already at full volume")
            t.louder()
        elif command == "softer":
            t.softer()
        elif command == "stop":
            t.stop()
            self._end_voice()  # no word begins in the closing fade: the voice stops now, not after it
        elif command == "extend" and not t.stopping:
            sr = self.profile.sample_rate
            longer = extend_plan(self.live.plan, self.live.pos + 2 * sr, EXTEND_S * sr)
            self.live.replace(self.follow.keep(longer, self.live.plan))
            self.extensions += 1
            status.acknowledge("five more minutes, before the closing")
        status.paused, status.volume_db, status.stopping = t.paused, t.volume_db, t.stopping
        self.status.plan = self.live.plan

    def _follow_taps(self) -> None:
        """Taps while playing: once they give a breath, the tone glides to it (issue 36)."""
        found, said = self.follow.next_breath()
        if said:
            self.status.acknowledge(said)
        if found is None or self.transport.stopping:
            return
        sr = self.profile.sample_rate
        try:
            heard = self.status.heard_s(time.monotonic())  # the sound card's delay, as it reports it
            plan = self.follow.plan_for(self.live.plan, found, heard, self.live.pos / sr)
        except BadInput as exc:
            self.status.acknowledge(exc.message)
            return
        self.live.replace(plan, fade_s=SWAP_FADE_S)
        self.status.plan = plan
        self.status.acknowledge(f"in step with the breath now: {found.words}")

    # -- the voice, synthesised while the tone plays ---------------------------
    def _start_voice(self) -> None:
        narrator = self.session.narrator
        if not self.session.voice_pending or narrator is None:  # tones only, or the voice is ready
            return
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="companion-voice")
        self._voice = self._making = self._pool.submit(self._make_in_order, narrator)

    def _make_in_order(self, narrator: Narrator) -> None:
        """The phrases in the order they are heard: the first line, then a few at a time."""
        for batch in playing_order(self.session):
            if self._voice_stopped.is_set():
                return
            if batch:
                made = narrator.clip_lengths(batch, SPEAKING_PACE)
                with self._made_lock:
                    self._made.update(made)

    def made(self, texts: list[str]) -> bool:
        """Whether the voice has made every one of these phrases, as far as this player knows
        (thread-safe: an output that paces itself by the voice, as a test's does, asks this)."""
        with self._made_lock:
            return all(t in self._made for t in texts)

    def _voice_ready(self) -> None:
        """Place each line as soon as its place is fixed; once every phrase is ready, switch
        to the whole plan."""
        if self._voice is None:
            return
        if not self._voice.done():
            self._place_lines_made()
            return
        self._voice.result()  # raises a voice error here, in the producer
        self._voice = None
        sr = self.profile.sample_rate
        minutes = self.live.total / sr / 60
        try:
            full: SessionPlan | None = self.session.plan_with_voice(minutes)
        except BadInput:  # the words do not fit as planned: the fallback below finds room
            full = None
        if full is not None:
            full = self.follow.keep(full, self.live.plan)
        if full is not None and (self._placed or self._changes_after(full) > self.live.pos):
            self._switch_to(full)
        else:  # too late for the first words' place: a longer tone-only opening
            lead_in = self.live.pos / sr + SWITCH_FADE_S + 1.0
            try:
                full = self.session.plan_with_voice(minutes, lead_in_s=lead_in)
            except DoesNotFit as exc:
                # The text looked as if it would fit, the spoken phrases do not: lengthen the
                # session rather than stop mid-way (the result says so).
                self.lengthened_to = exc.minutes
                full = self.session.plan_with_voice(exc.minutes, lead_in_s=lead_in)
            full = self.follow.keep(full, self.live.plan)
            self.live.replace(full)
            self.status.plan = full
        self.status.waiting_for_voice = False

    def _place_lines_made(self) -> None:
        if self.extensions or self.live.total != self.session.plan.total_samples:
            return  # stretched while the voice is made: the whole plan will say where the words go
        with self._made_lock:
            made = dict(self._made)
        if len(made) == self._placed_from:
            return
        self._placed_from = len(made)
        sofar = self.follow.keep(plan_so_far(self.profile, self.session.script, made), self.live.plan)
        if len(sofar.narration) > len(self.live.plan.narration) and self._changes_after(sofar) > self.live.pos:
            self.live.replace(sofar, fade_s=0)  # the same sound up to the new words: no crossfade
            self.status.plan = sofar
            self.status.waiting_for_voice = False  # the words are on their way; the rest follows
            self._placed = True

    def _changes_after(self, plan: SessionPlan) -> int:
        """The first sample where `plan` may sound different from the plan playing now: a
        little before each new line, and from any cue that is new or levelled against it."""
        old, sr = self.live.plan, self.profile.sample_rate
        starts = [e.start for e in plan.narration if e not in old.narration]
        first = min(starts, default=plan.total_samples) - int(CHANGES_BEFORE_S * sr)
        for c in plan.cues:
            near = any(c.at - CUE_LOOK_BACK_S * sr <= s <= c.at + (CUE_LOOK_AHEAD_S + 1) * sr for s in starts)
            if near or c not in old.cues:
                first = min(first, c.at)
        return first - BLOCK

    def _switch_to(self, full: SessionPlan) -> None:
        """The whole plan, after lines placed early: at once where it adds only words to come
        (the sound is the same up to them), else with a crossfade, leaving out any line the
        playhead has already passed (a voice slower than the session)."""
        if self._changes_after(full) > self.live.pos:
            self.live.replace(full, fade_s=0)
        else:
            soon = self.live.pos + int((SWITCH_FADE_S + 1.0) * self.profile.sample_rate)
            kept = [e for e in full.narration if e in self.live.plan.narration or e.start >= soon]
            full = replace(full, narration=kept)
            self.live.replace(full)
        self.status.plan = full

    # -- the producer ----------------------------------------------------------
    def blocks(self) -> Blocks:
        """Output blocks with the session position each starts at (None while held)."""
        while True:
            while not self.commands.empty():
                self._apply(self.commands.get_nowait())
            self._follow_taps()
            self._voice_ready()
            t = self.transport
            if t.finished or self.live.pos >= self.live.total:
                return
            if t.holding:
                yield np.zeros((BLOCK, self.profile.channels), np.float32), None
                continue
            at = self.live.pos
            if self._voice is not None and self._ahead_of_the_clock(at):
                time.sleep(0.02)  # an output that takes sound faster than it plays must not outrun the voice
                continue
            n = min(BLOCK, self.live.total - at)
            block = self.live.read(n) * t.gains(n)[:, None]
            self.heard += n
            if n < BLOCK:
                block = np.concatenate([block, np.zeros((BLOCK - n, block.shape[1]), np.float32)])
            yield block, at

    def _ahead_of_the_clock(self, at: int) -> bool:
        """More than a second ahead of real time (never so on a sound card, which takes sound as it plays)."""
        if self._clock is None:
            self._clock = time.monotonic() - at / self.profile.sample_rate
        return at / self.profile.sample_rate > time.monotonic() - self._clock + 1.0

    def result(self) -> PlayResult:
        ended = "interrupted" if self.interrupts else "stopped" if self.transport.stopping else "finished"
        minutes = self.heard / self.profile.sample_rate / 60
        fast = self.status.faster_than_real_time
        return PlayResult(ended, minutes, self.extensions, self.status.underruns, self.lengthened_to, fast)

    def run(self, view: Callable[[Status], None] | None = None, view_every: float = 0.1) -> PlayResult:
        self._start_voice()
        failure: list[BaseException] = []
        finished = threading.Event()

        def play() -> None:
            try:
                self.output.play(self.blocks(), self.status)
            except BaseException as exc:  # shown by the main thread
                failure.append(exc)
            finally:
                finished.set()

        thread = threading.Thread(target=play, name="companion-player", daemon=True)
        thread.start()
        try:
            while not finished.wait(view_every):
                if view is None:
                    continue
                try:
                    view(self.status)
                except Exception:  # a view must never stop the sound
                    view = None
        except BaseException:  # an interrupt the caller did not handle: stop the sound now
            self.abort()
            self._stop_voice()
            raise
        thread.join(timeout=5)
        self._stop_voice()
        self.status.ended = "failed" if failure else self.result().ended
        if view is not None:
            view(self.status)
        if failure:
            raise failure[0]
        return self.result()

    def _end_voice(self) -> None:
        """The session is closing: no more phrases are begun or placed, and those under way end
        at the model's next step, while the closing fade plays (they took the CPU the fade
        needs, and kept the program waiting after it on a busy machine)."""
        if self._pool is None:
            return
        self._voice_stopped.set()
        self._voice = None  # what the voice still hands back is not placed, nor its error raised
        stop = getattr(self.session.narrator, "stop", None)
        if stop is not None:
            stop()

    def _stop_voice(self, within_s: float = 2.0) -> None:
        """A session that ends while its voice is still being made does not wait for the rest:
        no batch is begun after this, and the phrases under way end at the model's next step
        (asked again until the voice's thread has ended, so that a batch it was just beginning
        ends too, and the program can leave without waiting for it)."""
        if self._pool is None:
            return
        self._voice_stopped.set()
        stop = getattr(self.session.narrator, "stop", None)  # optional in the Narrator protocol
        deadline = time.monotonic() + within_s
        while self._making is not None and not self._making.done() and time.monotonic() < deadline:
            if stop is not None:
                stop()
            wait([self._making], timeout=0.05)
        self._pool.shutdown(wait=False, cancel_futures=True)
