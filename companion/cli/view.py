"""What a listener sees while a session plays: time left, the section, and a breathing
guide that grows with the in-breath and shrinks with the out-breath, in step with the tone."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, TextIO

import numpy as np

if TYPE_CHECKING:
    from rich.panel import Panel

from companion import BreathEnvelope, SessionPlan, Status, clock

_envelopes: dict[int, tuple[SessionPlan, BreathEnvelope]] = {}


def _envelope(plan: SessionPlan) -> BreathEnvelope:
    """One envelope per plan, not one per redraw (the view redraws a dozen times a second)."""
    known = _envelopes.get(id(plan))
    if known is None or known[0] is not plan:
        _envelopes.clear()  # only the playing plan matters
        known = _envelopes[id(plan)] = (plan, BreathEnvelope(plan.breaths))
    return known[1]


def breath_now(status: Status) -> tuple[float, str]:
    """The tone's swell (0..1) at the playhead, and whether the breath is going in or out."""
    plan = status.plan
    if not plan.breaths:
        return 0.0, "in"
    envelope, t = _envelope(plan), np.array([status.position / plan.sample_rate])
    going_in = int(envelope.phase(t)[0]) % 2 == 0
    return float(envelope(t)[0]), "in" if going_in else "out"


def section_now(status: Status) -> str:
    """The script's section, or on a therapist's track the region, at the playhead."""
    return status.plan.section_at(status.position)


ENDINGS = {"finished": "Finished.", "stopped": "Stopped."}  # an interrupt or a failure has its own line


class PlainView:
    """For a pipe or a log: a few plain lines, no escape codes."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._section: str | None = None
        self._started = False
        self._stopping = False
        self._acks = 0  # acknowledgements already printed

    def __call__(self, status: Status) -> None:
        if not self._started:
            self._started = True
            minutes = status.plan.duration_s / 60
            print(f"Playing {status.plan.script_title} ({minutes:.1f} min).", file=self.out, flush=True)
        section = section_now(status)
        if section and section != self._section:
            self._section = section
            print(f"== {section}", file=self.out, flush=True)
        for ack in status.acks[self._acks :]:
            print(ack.capitalize() + ".", file=self.out, flush=True)
        self._acks = len(status.acks)
        if status.stopping and not self._stopping:
            self._stopping = True
            print("Ending gently…", file=self.out, flush=True)
        if status.ended in ENDINGS:
            print(ENDINGS[status.ended], file=self.out, flush=True)


class AcksOnly:
    """--quiet: nothing on screen but a brief word for each key pressed, so a person with busy
    hands knows it was heard."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._acks = 0
        self._seen: tuple[bool, float, bool] = (False, 0.0, False)  # paused, volume, stopping

    def __call__(self, status: Status) -> None:
        said = [ack.capitalize() for ack in status.acks[self._acks :]]
        self._acks = len(status.acks)
        paused, volume, stopping = self._seen
        if status.paused != paused:
            said.append("Paused" if status.paused else "Going on")
        if status.volume_db != volume:
            said.append(f"Volume {status.volume_db:+.0f} dB")
        if status.stopping and not stopping:
            said.append("Ending gently")
        self._seen = (status.paused, status.volume_db, status.stopping)
        for words in said:
            print(words + ".", file=self.out, flush=True)


class RichView:
    """A calm full-width view, redrawn in place a few times a second."""

    KEYS = "space pause · + / - volume · e five more minutes · q end gently"

    def __init__(self) -> None:
        from rich.console import Console
        from rich.live import Live

        self.console = Console()
        self.live = Live(console=self.console, refresh_per_second=12, transient=False)
        self._started = False

    def __call__(self, status: Status) -> None:
        if not self._started:
            self.live.start()
            self._started = True
        self.live.update(self.render(status))
        if status.done:
            self.live.stop()

    def render(self, status: Status) -> Panel:
        from rich.align import Align
        from rich.console import Group
        from rich.panel import Panel
        from rich.text import Text

        plan = status.plan
        left = (plan.total_samples - status.position) / plan.sample_rate
        swell, way = breath_now(status)
        width = max(self.console.size.width - 8, 20)
        bar = int(round(4 + swell * (width - 4)))
        rows = [Text("█" * bar, style="cyan") for _ in range(5)]
        if status.done:
            caption = "the session has ended"
        elif status.stopping:
            caption = "ending gently…"
        elif status.paused:
            caption = "paused · press space to go on"
        else:
            caption = "breathe in…" if way == "in" else "and out…"
        head = Text.assemble(
            (plan.script_title, "bold"),
            "   ",
            (section_now(status) or "", "italic"),
            "   ",
            (f"{clock(left)} left", "bold"),
        )
        notes = []
        if status.heard_recently():
            notes.append(status.acks[-1])
        if status.waiting_for_voice:
            notes.append("the voice is getting ready…")
        if status.volume_db < 0:
            notes.append(f"volume {status.volume_db:+.0f} dB")
        body = Group(
            Align.center(head),
            Text(""),
            *[Align.center(r) for r in rows],
            Text(""),
            Align.center(Text(caption, style="bold")),
            Align.center(Text(" · ".join(notes), style="dim")),
            Align.center(Text(self.KEYS, style="dim")),
        )
        return Panel(body, border_style="blue")
