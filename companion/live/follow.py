"""Following the breath while a session plays (issue 36): taps re-time the tone.

A tap is either one press (`tap`, timed here as it arrives: a key on this computer) or a
breath tapped elsewhere and sent whole (`taps <intervals> <since>`: the seconds between the
taps and since the last, as a phone measures them, so the network's delay does not matter
for the pace). Four taps or more give a breath (the library's rule); the plan then glides to
it from just ahead of the playhead (plan/retime.py), and every later plan of the session
(the voice placed, five more minutes) keeps that breath.
"""

from __future__ import annotations

import queue
import time
from dataclasses import dataclass, field, replace

from companion.errors import BadInput
from companion.plan.model import SessionPlan
from companion.plan.retime import LONGEST_S, continued, retimed
from companion.plan.taps import TapAgain, TappedBreath, breath_from_intervals, breath_from_taps

AHEAD_S = 0.6  # the junction is at least this far past the samples already made
SWAP_FADE_S = 0.5  # the plans are the same up to the junction: a short crossfade, finished before it


def is_tap(command: str) -> bool:
    return command == "tap" or command.startswith("taps ")


@dataclass
class Follow:
    """Taps received while playing, and the breath they last gave."""

    arrived: queue.Queue[tuple[str, float]] = field(default_factory=queue.Queue)
    presses: list[float] = field(default_factory=list)  # one run of presses (monotonic seconds)
    breath: TappedBreath | None = None  # the last breath followed, on the monotonic clock
    retimed: bool = False

    def receive(self, command: str) -> None:
        """From any thread: the time it came is the tap's time."""
        self.arrived.put((command, time.monotonic()))

    def next_breath(self) -> tuple[TappedBreath | None, str | None]:
        """The breath the taps so far give (on the monotonic clock), or words to say, or neither."""
        found: TappedBreath | TapAgain | None = None
        said = None
        while not self.arrived.empty():
            command, at = self.arrived.get_nowait()
            try:
                found = self._one(command, at)
            except BadInput as exc:
                found, said = None, exc.message
                self.presses.clear()
        if isinstance(found, TapAgain):
            said = found.message
        return (found if isinstance(found, TappedBreath) else None), said

    def _one(self, command: str, at: float) -> TappedBreath | TapAgain | None:
        if command == "tap":
            if self.presses and at - self.presses[-1] > 2 * LONGEST_S:
                self.presses.clear()  # a new run of taps
            self.presses.append(at)
            if len(self.presses) < 4:
                return None
            found = breath_from_taps(self.presses)
            self.presses.clear()
            return found
        _, gaps, since = (command.split(" ") + ["", ""])[:3]
        try:
            intervals = [float(x) for x in gaps.split(",")]
            since_s = float(since or "0")
        except ValueError:
            raise BadInput("the taps sent could not be read; tap again", field="taps") from None
        found = breath_from_intervals(intervals, since_s)
        if isinstance(found, TappedBreath):  # its clock: 0 when it arrived
            return replace(found, anchor_s=found.anchor_s + at, last_s=found.last_s + at)
        return found

    def plan_for(self, plan: SessionPlan, breath: TappedBreath, heard_s: float, made_s: float) -> SessionPlan:
        """The plan gliding to `breath` (monotonic clock) from just past `made_s`, the session
        time of the samples made so far; `heard_s` is the session time heard now."""
        at = heard_s + (breath.anchor_s - time.monotonic())  # a breath in, on the session's clock
        self.breath, self.retimed = breath, True
        return retimed(plan, made_s + AHEAD_S, at, breath.rate)

    def keep(self, plan: SessionPlan, playing: SessionPlan) -> SessionPlan:
        """A later plan of the session with the breath followed so far (none: as it is)."""
        if not self.retimed:
            return plan
        return replace(plan, breaths=continued(playing.breaths, plan.duration_s))
