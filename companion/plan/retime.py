"""Re-timing a playing session's breath to the breath now (issue 36): a tap while it plays.

The tone's breath is kept exactly as it was up to a junction just ahead of the playhead (the
next turn or the next breath in), so nothing already heard or about to be heard changes and
the swell never jumps. From there two transitional breaths glide, their lengths stepping
evenly from the old breath's towards the new, and land on a breath in where the taps expect
one; from that moment the tone is at the tapped pace (through the usual rules: the floors,
the range) and the plan's easing starts again from there, as it does from the start.
"""

from __future__ import annotations

import math
from dataclasses import replace

from companion.errors import BadInput
from companion.options import MAX_BREATH_RATE, MIN_BREATH_RATE, check_argument
from companion.plan.breathing import BreathCycle, breath_schedule
from companion.plan.model import SessionPlan
from companion.plan.profile import check_breath_rate

GLIDE_BREATHS = 2  # the new pace is reached within this many breaths
SHORTEST_S, LONGEST_S = 60.0 / MAX_BREATH_RATE, 60.0 / MIN_BREATH_RATE
LEAST_OUT_SHARE = 0.5  # a transitional out-breath is at least half its in-breath


def retimed(plan: SessionPlan, after_s: float, breath_in_s: float, rate: float) -> SessionPlan:
    """The plan with its breath from `after_s` (session seconds, a little ahead of what is
    heard) gliding to `rate` breaths a minute, in step with a breath in expected at
    `breath_in_s` (session seconds; any one of the tapped breath's breaths in)."""
    check_argument("plan", plan, isinstance(plan, SessionPlan), "a SessionPlan")
    check_breath_rate(rate, field="rate", how="tap along again")
    for name, value in (("after_s", after_s), ("breath_in_s", breath_in_s)):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        check_argument(name, value, ok, "a number of seconds")
    profile = plan.profile.with_(breath_rate=float(rate), breath_in_s=0.0)  # the floors and target, as ever
    cycles = plan.breaths
    i = next((k for k, c in enumerate(cycles) if c.end_s > after_s), len(cycles) - 1)
    current = cycles[i]
    if after_s < current.turn_s:  # in its in-breath: its out-breath is the first free part
        kept, start, fixed_in = cycles[:i], current.start_s, current.inhale_s
    else:  # in its out-breath: it is kept whole, and the next breath is the first free one
        kept, start, fixed_in = cycles[: i + 1], current.end_s, 0.0
    old = current.end_s - current.start_s
    new = 60.0 / profile.start_rate
    first, second = _glide(start, old, new, fixed_in, breath_in_s, 60.0 / rate)
    inhale_share = 1.0 / (1.0 + profile.exhale_ratio)
    in1 = fixed_in or first * inhale_share
    glide = [
        BreathCycle(start, in1, first - in1),
        BreathCycle(start + first, second * inhale_share, second * (1 - inhale_share)),
    ]
    landed = start + first + second
    rest = [replace(c, start_s=c.start_s + landed) for c in breath_schedule(profile, plan.duration_s - landed)]
    breaths = [c for c in [*kept, *glide, *rest] if c.start_s < plan.duration_s]
    return replace(plan, profile=plan.profile.with_(breath_rate=float(rate)), breaths=breaths)


def _glide(
    start: float, old: float, new: float, fixed_in: float, breath_in_s: float, tapped: float
) -> tuple[float, float]:
    """Two breath lengths from `start` that step evenly from `old` towards `new` and end on a
    breath in the taps expect (breath_in_s + n * tapped): the landing closest to an even step."""
    best: tuple[float, float, float] | None = None
    least = max(2 * SHORTEST_S, fixed_in * (1 + LEAST_OUT_SHARE) + SHORTEST_S)
    n = math.ceil((start + least - breath_in_s) / tapped)
    for k in range(n, n + 8):
        span = breath_in_s + k * tapped - start
        step = (span - 2 * old) / 3  # old, old + step, old + 2 step, (new)
        first, second = old + step, old + 2 * step
        if first < fixed_in * (1 + LEAST_OUT_SHARE) or not all(SHORTEST_S <= x <= LONGEST_S for x in (first, second)):
            continue
        cost = abs(old + 3 * step - new)
        if best is None or cost < best[0]:
            best = (cost, first, second)
    if best is None:
        raise BadInput("the breath tapped cannot be reached from the tone's pace; tap again", field="rate")
    return best[1], best[2]


def continued(breaths: list[BreathCycle], duration_s: float) -> list[BreathCycle]:
    """A re-timed breath for a plan of another length (five more minutes, the voice placed):
    the same cycles, cut at its end or continued at the last one's pace."""
    out = [c for c in breaths if c.start_s < duration_s]
    while out and out[-1].end_s < duration_s:
        last = out[-1]
        out.append(replace(last, start_s=last.end_s))
    return out
