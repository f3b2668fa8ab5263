"""The breath schedule: settle at the listener's pace, then slow gently, phase-continuously.

The pace is a rate curve r(t) in breaths per minute: constant for the settling
period, a straight ramp down (never steeper than the profile allows), then
constant at the target. Breath phase is the integral of the rate, and cycle k
spans phase k..k+1, so cycles follow one another with no gap and no restart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from companion.plan.profile import SETTLE_S, Profile


@dataclass(frozen=True)
class BreathCycle:
    start_s: float
    inhale_s: float
    exhale_s: float
    hold_s: float = 0.0  # never offered: holds can distress breathless listeners

    @property
    def end_s(self) -> float:
        return self.start_s + self.inhale_s + self.hold_s + self.exhale_s

    @property
    def turn_s(self) -> float:
        """The in-to-out turn, where the tone's swell peaks."""
        return self.start_s + self.inhale_s

    @property
    def rate(self) -> float:
        return 60.0 / (self.end_s - self.start_s)


@dataclass(frozen=True)
class RateCurve:
    start: float  # breaths/min
    target: float
    settle_s: float
    slope: float  # breaths/min per second (positive, slowing down)

    @property
    def ramp_s(self) -> float:
        return (self.start - self.target) / self.slope if self.slope > 0 else 0.0

    def phase_at(self, t: float) -> float:
        """Breaths completed by time t (the integral of the rate)."""
        r0, t1, t2 = self.start / 60, self.settle_s, self.settle_s + self.ramp_s
        if t <= t1:
            return r0 * t
        k = self.slope / 60  # breaths/s per second
        if t <= t2:
            d = t - t1
            return r0 * t1 + r0 * d - 0.5 * k * d * d
        d = self.ramp_s
        return r0 * t1 + r0 * d - 0.5 * k * d * d + self.target / 60 * (t - t2)

    def time_at_phase(self, phase: float) -> float:
        """Invert phase_at (monotonic, closed form per segment)."""
        r0, t1, t2 = self.start / 60, self.settle_s, self.settle_s + self.ramp_s
        p1 = r0 * t1
        if phase <= p1:
            return phase / r0
        p2 = self.phase_at(t2)
        if phase <= p2:
            k = self.slope / 60
            # r0*d - k/2*d^2 = phase - p1  ->  take the smaller root
            c = phase - p1
            disc = max(r0 * r0 - 2 * k * c, 0.0)
            return t1 + (2 * c) / (r0 + math.sqrt(disc))
        return t2 + (phase - p2) / (self.target / 60)


def rate_curve(profile: Profile) -> RateCurve:
    return RateCurve(
        start=profile.start_rate,
        target=profile.target_rate,
        settle_s=SETTLE_S,
        slope=profile.max_ramp / 60.0,
    )


def breath_schedule(profile: Profile, duration_s: float) -> list[BreathCycle]:
    """Every breath cycle that starts before the session ends, in order. The first in-breath
    begins at the profile's `breath_in_s` (in step with a tapped breath): a breath already
    under way at the start began before 0, so until then the tone is in its out-breath."""
    curve = rate_curve(profile)
    inhale_share = 1.0 / (1.0 + profile.exhale_ratio)
    cycles: list[BreathCycle] = []
    # the share of a breath already done at 0, so that a whole breath begins at breath_in_s
    period = 60.0 / curve.start
    lead = profile.breath_in_s % period
    done = 1.0 - lead / period if lead > 1e-9 else 0.0
    k = 0
    start = curve.time_at_phase(-done) if done else 0.0
    while start < duration_s:
        end = curve.time_at_phase(k + 1 - done)
        length = end - start
        inhale = length * inhale_share
        cycles.append(BreathCycle(start_s=start, inhale_s=inhale, exhale_s=length - inhale))
        start = end
        k += 1
    return cycles
