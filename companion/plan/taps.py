"""The breath the listener really has, from taps: one tap as each breath in begins.

Few people know their breaths a minute, and a breathless person cannot count them, but
anyone (or the carer or therapist watching) can tap along for a few breaths. The rate is
the median interval of the latest taps; an interval far from it (a stray double tap, a
breath missed) is left out; taps that wander too much to give one pace are asked for
again, in plain words. The rate then goes through the usual breath-rate rules
(profile.check_breath_rate and the floors), and the tone's first rise is put where the
next breath in is expected (`breath_in_at`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from statistics import median

from companion.errors import BadInput
from companion.options import check_argument
from companion.plan.breathing import breath_schedule
from companion.plan.model import SessionPlan
from companion.plan.profile import check_breath_in, check_breath_rate

MIN_TAPS = 4  # three whole breaths between them
WINDOW = 9  # the latest taps only (eight breaths): the breath now, not the breath a minute ago
KEEP_WITHIN = 0.3  # an interval more than 30% from the median is a stray or missed tap: left out
STEADY_WITHIN = 0.15  # the kept intervals' median distance from the median, as a share of it
MOST_SINCE_S = 3600.0  # taps older than an hour say nothing of the breath now
TAP_HOW = "tap once as each breath in begins"
TAP_AGAIN = (
    "The taps were too uneven to find one pace. Please tap again, a little more steadily: "
    "once as each breath in begins, for a few breaths."
)


@dataclass(frozen=True)
class TappedBreath:
    """A steady rate found in the taps, and where its breaths in fall (on the taps' clock)."""

    rate: float  # breaths a minute (the median interval's)
    anchor_s: float  # a breath in, on the taps' clock: the taps' own phase, near the last tap
    last_s: float  # the last tap
    taps: int  # taps used (the latest WINDOW at most)
    ignored: int  # intervals left out as strays

    @property
    def period_s(self) -> float:
        return 60.0 / self.rate

    @property
    def words(self) -> str:
        return rate_words(self.rate)

    def next_breath_in(self, at_s: float) -> float:
        """The first breath in expected at or after `at_s` (the taps' clock)."""
        return self.anchor_s + math.ceil((at_s - self.anchor_s) / self.period_s - 1e-9) * self.period_s

    def breath_in_at(self, start_s: float) -> float:
        """Seconds after `start_s` (the taps' clock: when the session's sound begins) that the
        next breath in is expected: where the tone's first rise goes."""
        return max(self.next_breath_in(start_s) - start_s, 0.0)


@dataclass(frozen=True)
class TapAgain:
    """The taps wandered too much to give one pace: ask again, in these words."""

    message: str
    taps: int
    kept: int  # intervals near the median
    spread: float  # the kept intervals' median distance from the median, as a share of it


def rate_words(rate: float) -> str:
    """A rate as a person says it: "about 16 breaths a minute"."""
    _check_numbers([rate], field="rate")
    whole = max(round(rate), 1)
    return f"about {whole} breath{'s' if whole != 1 else ''} a minute"


def breath_from_taps(taps: Sequence[float]) -> TappedBreath | TapAgain:
    """The rate and phase of the breath from tap times in seconds (any clock, ascending).

    BadInput (field "taps") for taps that cannot be a breath: fewer than MIN_TAPS, times
    that are not numbers or go backwards, or a pace outside the breath-rate range."""
    return _breath(_checked(taps, "taps"), "taps")


def breath_from_intervals(intervals: Sequence[float], since_last_s: float = 0.0) -> TappedBreath | TapAgain:
    """As breath_from_taps, from the intervals between taps (as a browser measures them, so
    that a network's delay does not matter) and the time since the last tap: the result's
    clock has 0 at the moment `since_last_s` was measured."""
    gaps = _listed(intervals, "intervals")
    _check_numbers(gaps, "intervals")
    _check_numbers([since_last_s], "since_last_s")
    if not 0 <= since_last_s <= MOST_SINCE_S:
        raise BadInput(
            f"the time since the last tap is 0 to {MOST_SINCE_S:.0f} seconds (taps older than that say "
            "nothing of the breath now; tap again)",
            field="since_last_s",
            value=since_last_s,
            allowed=(0, MOST_SINCE_S),
        )
    times = [-float(since_last_s)]
    for gap in reversed(gaps):
        times.insert(0, times[0] - float(gap))  # type: ignore[arg-type]  # numbers, checked above
    return _breath(_checked(times, "intervals"), "intervals")


def _breath(taps: list[float], field: str) -> TappedBreath | TapAgain:
    taps = taps[-WINDOW:]
    intervals = [b - a for a, b in zip(taps, taps[1:])]
    middle = median(intervals)
    kept = [i for i in intervals if abs(i - middle) <= KEEP_WITHIN * middle]
    spread = median(abs(i - middle) for i in kept) / middle if kept else math.inf
    if len(kept) < MIN_TAPS - 1 or len(kept) < 2 * len(intervals) / 3 or spread > STEADY_WITHIN:
        return TapAgain(TAP_AGAIN, len(taps), len(kept), spread)
    period = median(kept)
    rate = 60.0 / period
    check_breath_rate(rate, field=field, how=TAP_HOW)
    return TappedBreath(rate, _anchor(taps, period), taps[-1], len(taps), len(intervals) - len(kept))


def in_step(plan: SessionPlan, breath_in_s: float) -> SessionPlan:
    """The same plan with the tone's first rise `breath_in_s` after the start (where a tapped
    breath's next breath in is expected); nothing else moves (the words do not follow breaths)."""
    check_argument("plan", plan, isinstance(plan, SessionPlan), "a SessionPlan")
    profile = plan.profile.with_(breath_in_s=check_breath_in(breath_in_s))
    return replace(plan, profile=profile, breaths=breath_schedule(profile, plan.duration_s))


def _anchor(taps: list[float], period: float) -> float:
    """A breath in near the last tap, at the phase most taps agree on (a stray tap is outvoted)."""
    last = taps[-1]
    offsets = [(t - last) / period for t in taps]
    return last + median(x - round(x) for x in offsets) * period


def _listed(values: object, field: str) -> list[object]:
    if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__iter__"):
        raise BadInput("taps are given as a list of seconds", field=field, value=values, allowed="a list of seconds")
    return list(values)


def _checked(times: object, field: str) -> list[float]:
    listed = _listed(times, field)
    _check_numbers(listed, field)
    values = [float(v) for v in listed]  # type: ignore[arg-type]  # numbers, checked above
    if len(values) < MIN_TAPS:
        raise BadInput(
            f"tap at least {MIN_TAPS} times, once as each breath in begins ({len(values)} taps so far)",
            field=field,
            value=len(values),
            allowed=(MIN_TAPS, None),
        )
    if any(b <= a for a, b in zip(values, values[1:])):
        raise BadInput("each tap comes after the one before", field=field, value=tuple(values), allowed="ascending")
    return values


def _check_numbers(values: Sequence[object], field: str) -> None:
    for v in values:
        try:
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
        except OverflowError:  # a whole number too large for a float
            ok = False
        if not ok:
            raise BadInput(
                f"a tap's time is a number of seconds, not {v!r:.40}", field=field, value=v, allowed="seconds"
            )
