import pytest

from companion.errors import BadInput
from companion.options import SessionOptions
from companion.plan.breathing import breath_schedule, rate_curve
from companion.plan.profile import make_profile as _make_profile


def make_profile(energy: str, minutes: float, **options):
    return _make_profile(SessionOptions(energy=energy, minutes=minutes, **options))


def rates(cycles):
    return [c.rate for c in cycles]


@pytest.mark.parametrize(
    "energy, breath_rate, breathless, start, target",
    [
        ("high", None, False, 10, 6),
        ("medium", None, False, 12, 8),
        ("low", None, False, 14, 12),  # 2 below the start
        ("low", 11, False, 11, 10),  # never below 10 on low energy
        ("low", 6, False, 8, 8),  # floor of 8: a slower own rate is raised, never pushed lower
        ("medium", 22, True, 22, 20),  # breathless: 2 below the start
        ("high", 5, False, 5, 5),  # never pushed faster than the listener's own pace
        ("high", 4.5, False, 4.5, 4.5),
    ],
)
def test_start_and_target_rates(energy, breath_rate, breathless, start, target):
    p = make_profile(energy, 20, breath_rate=breath_rate, breathless=breathless)
    assert p.start_rate == start
    assert p.target_rate == target


@pytest.mark.parametrize("energy", ["low", "medium", "high"])
@pytest.mark.parametrize("breathless", [False, True])
def test_schedule_is_continuous_gentle_and_within_floors(energy, breathless):
    p = make_profile(energy, 30, breathless=breathless)
    cycles = breath_schedule(p, 30 * 60)
    floor = 8 if (energy == "low" or breathless) else 4.5
    for a, b in zip(cycles, cycles[1:]):
        assert b.start_s == a.end_s  # no gap, no restart
        # slows by at most the allowed ramp (breaths/min per minute, cycle middles apart)
        minutes_apart = ((b.start_s + b.end_s) - (a.start_s + a.end_s)) / 2 / 60
        assert (a.rate - b.rate) / minutes_apart <= p.max_ramp * 1.01
        assert b.rate <= a.rate + 1e-9  # never speeds up
    for c in cycles:
        assert c.hold_s == 0
        assert c.exhale_s == pytest.approx(1.5 * c.inhale_s)
        assert c.rate >= floor - 1e-9
    assert cycles[0].start_s == 0 and cycles[-1].start_s < 30 * 60 <= cycles[-1].end_s
    settle = [c for c in cycles if c.end_s <= 60]
    assert all(c.rate == pytest.approx(p.start_rate) for c in settle)
    assert cycles[-1].rate == pytest.approx(p.target_rate, abs=0.01)
    assert max(rates(cycles)) <= 0.5 + p.start_rate  # sanity
    assert p.max_ramp <= 0.5


def test_phase_inverse_is_exact():
    curve = rate_curve(make_profile("high", 30))
    for phase in [0.5, 10, 10.01, 33.3, 100, 150.7]:
        assert curve.phase_at(curve.time_at_phase(phase)) == pytest.approx(phase, abs=1e-9)


def test_exhale_ratio_bounds():
    cycles = breath_schedule(make_profile("medium", 5, exhale_ratio=2.0), 300)
    assert all(c.exhale_s == pytest.approx(2 * c.inhale_s) for c in cycles)
    for bad in (0.9, 2.1):
        with pytest.raises(BadInput):
            make_profile("medium", 5, exhale_ratio=bad)
