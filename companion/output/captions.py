"""The words of a session as timed text: each spoken line from its first sample to its last,
as the plan places it (never guessed), written as WebVTT beside a rendered file and shown
line by line in a page while the session plays."""

from __future__ import annotations

from dataclasses import dataclass

from companion.plan.model import SessionPlan


@dataclass(frozen=True)
class Caption:
    start_s: float
    end_s: float
    text: str


def captions(plan: SessionPlan) -> list[Caption]:
    """Each spoken line with the seconds it starts and ends, in playing order."""
    sr = plan.sample_rate
    return [Caption(e.start / sr, e.end / sr, " ".join(e.text.split())) for e in plan.narration if e.text.strip()]


def vtt_time(seconds: float) -> str:
    ms = max(0, round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


def webvtt(lines: list[Caption]) -> str:
    """The lines as a WebVTT file (numbered cues; a line's text never holds "-->" or a blank line)."""
    cues = [
        f"{n}\n{vtt_time(c.start_s)} --> {vtt_time(c.end_s)}\n{_safe(c.text)}\n" for n, c in enumerate(lines, start=1)
    ]
    return "WEBVTT\n\n" + "\n".join(cues)


def _safe(text: str) -> str:
    """Cue text: WebVTT reads &, < and > as markup, and "-->" as a timing line."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
