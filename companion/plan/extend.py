"""Live extension: the same plan, longer, with everything already heard left as it was."""

from __future__ import annotations

from dataclasses import replace

from companion.plan.breathing import breath_schedule
from companion.plan.cues import TWO_MINUTES_S
from companion.plan.model import NarrationEntry, PlacedClip, SessionPlan


def extend_plan(plan: SessionPlan, after: int, extra: int) -> SessionPlan:
    """The same session, `extra` samples longer: more breathing before the closing words.

    Everything before the insertion point stays exactly as it was, so a player can switch
    to the new plan while it plays. The time goes in before the closing section when that
    is still ahead (at least `after`), else before the next line still ahead, else just
    before the closing quiet and final fade, which move later with everything after them.
    """
    sr = plan.sample_rate
    lead = int(1.5 * sr)  # insert before the next words' ducking begins (1 s before them)
    ahead = [e for e in plan.narration if e.start - lead >= after]
    closing = plan.sections[-1][0] if plan.sections else None
    if closing is not None and closing - lead >= after:
        at = closing - lead
    elif ahead:
        at = ahead[0].start - lead
    else:  # after the last words (or none at all): just before the closing quiet and fade
        at = max(after, plan.total_samples - plan.profile.closing_samples)

    def moved(x: int) -> int:
        return x + extra if x >= at else x

    narration = [
        NarrationEntry(
            moved(e.start),
            moved(e.end),
            e.text,
            e.section,
            tuple(PlacedClip(moved(c.start), c.length, c.key, c.text) for c in e.clips),
        )
        for e in plan.narration
    ]
    total = plan.total_samples + extra
    profile = plan.profile.with_(minutes=total / sr / 60)
    assert profile.total_samples == total
    return SessionPlan(
        profile,
        plan.script_name,
        plan.script_title,
        total,
        narration,
        breath_schedule(profile, total / sr),
        sorted(
            (replace(c, at=total - TWO_MINUTES_S * sr if c.kind == "two-minutes" else moved(c.at)) for c in plan.cues),
            key=lambda c: c.at,
        ),
        [(moved(s), n) for s, n in plan.sections],
        plan.dropped_optional,
    )
