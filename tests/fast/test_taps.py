"""The breath from taps: the rule over synthetic tap times, and the plan it starts."""

import math

import pytest

import companion
from companion.errors import BadInput
from companion.options import SessionOptions
from companion.plan.breathing import breath_schedule
from companion.plan.profile import make_profile
from companion.plan.taps import TapAgain, TappedBreath, breath_from_intervals, breath_from_taps, rate_words


def steady(rate: float, n: int, first: float = 100.0) -> list[float]:
    return [first + i * 60.0 / rate for i in range(n)]


def test_steady_taps_give_their_rate_and_phase():
    taps = steady(16, 6)
    found = breath_from_taps(taps)
    assert isinstance(found, TappedBreath)
    assert found.rate == pytest.approx(16)
    assert found.words == "about 16 breaths a minute"
    assert found.anchor_s == pytest.approx(taps[-1])
    assert (found.taps, found.ignored) == (6, 0)
    # the next breath in: one period after the last tap, and whole periods on
    assert found.next_breath_in(taps[-1] + 0.1) == pytest.approx(taps[-1] + 3.75)
    assert found.breath_in_at(taps[-1] + 1.0) == pytest.approx(2.75)
    assert found.breath_in_at(taps[-1] + 3.75) == pytest.approx(0.0, abs=1e-9)


def test_a_human_hand_wobbles_a_little():
    wobble = [0.0, 0.2, -0.15, 0.1, -0.2, 0.15, 0.0]
    taps = [i * 4.0 + w for i, w in enumerate(wobble)]
    found = breath_from_taps(taps)
    assert isinstance(found, TappedBreath)
    assert found.rate == pytest.approx(15, abs=0.6)
    assert abs(found.anchor_s - 24.0) < 0.25  # the taps' phase, not only the last tap's


def test_a_stray_tap_and_a_missed_breath_are_left_out():
    taps = steady(12, 8, first=0.0)  # every 5 s
    taps.insert(3, taps[2] + 0.6)  # a double tap
    del taps[7]  # a breath not tapped: one interval of 10 s
    found = breath_from_taps(taps)
    assert isinstance(found, TappedBreath)
    assert found.rate == pytest.approx(12)
    assert found.ignored == 2  # the double tap's 0.6 s, and the missed breath's 10 s
    assert found.anchor_s == pytest.approx(35.0)  # the stray tap does not move the phase


def test_a_gentle_drift_gives_the_breath_in_the_middle():
    intervals = [3.6, 3.7, 3.8, 3.9, 4.0, 4.1, 4.2]
    taps = [0.0]
    for i in intervals:
        taps.append(taps[-1] + i)
    found = breath_from_taps(taps)
    assert isinstance(found, TappedBreath)
    assert found.rate == pytest.approx(60 / 3.9)


def test_only_the_latest_taps_count():
    """A breath that has settled slower: the early quicker taps have passed out of the window."""
    taps = steady(20, 6, first=0.0) + steady(12, 9, first=18.0)[1:]
    found = breath_from_taps(taps)
    assert isinstance(found, TappedBreath)
    assert found.rate == pytest.approx(12)


@pytest.mark.parametrize(
    "intervals",
    [
        [2.0, 3.0, 4.0, 5.0, 6.0, 7.0],  # drifting far: no one pace
        [3.0, 5.0, 3.0, 5.0, 3.0, 5.0],  # wandering back and forth
        [4.0, 2.0, 6.0, 4.0, 8.0],  # as many strays as steady breaths
    ],
)
def test_taps_that_wander_are_asked_for_again(intervals):
    taps = [0.0]
    for i in intervals:
        taps.append(taps[-1] + i)
    found = breath_from_taps(taps)
    assert isinstance(found, TapAgain)
    assert "tap again" in found.message and "steadily" in found.message
    assert found.taps == len(taps)


@pytest.mark.parametrize("n", [0, 1, 3])
def test_too_few_taps(n):
    with pytest.raises(BadInput) as caught:
        breath_from_taps(steady(15, n))
    assert caught.value.field == "taps" and caught.value.value == n and caught.value.allowed == (4, None)
    assert "at least 4" in caught.value.message


def test_too_fast_and_too_slow_are_the_breath_rate_rule():
    with pytest.raises(BadInput) as fast:
        breath_from_taps(steady(60, 6))  # once a second: not breathing, a drum
    assert fast.value.field == "taps"
    assert fast.value.allowed == (companion.MIN_BREATH_RATE, companion.MAX_BREATH_RATE)
    assert fast.value.value == pytest.approx(60)
    assert "4.5 to 40 breaths a minute" in fast.value.message and "tap once" in fast.value.message
    with pytest.raises(BadInput) as slow:
        breath_from_taps(steady(3, 5))
    assert slow.value.value == pytest.approx(3)


@pytest.mark.parametrize(
    "taps",
    [
        [0.0, 4.0, 4.0, 8.0],  # two taps at once
        [0.0, 4.0, 2.0, 8.0],  # backwards
        [0.0, math.nan, 8.0, 12.0],
        [0.0, math.inf, 8.0, 12.0],
        [0.0, "4", 8.0, 12.0],
        [0.0, True, 8.0, 12.0],
        [0.0, 10**400, 8.0, 12.0],
    ],
)
def test_impossible_taps_are_refused_with_data(taps):
    with pytest.raises(BadInput) as caught:
        breath_from_taps(taps)
    assert caught.value.field == "taps" and caught.value.allowed is not None
    assert "--" not in caught.value.message


def test_intervals_as_a_browser_sends_them():
    found = breath_from_intervals([4.0, 4.0, 4.0, 4.0], since_last_s=1.0)
    assert isinstance(found, TappedBreath)
    assert found.rate == pytest.approx(15)
    assert found.anchor_s == pytest.approx(-1.0)
    assert found.breath_in_at(0.0) == pytest.approx(3.0)
    for since in (-1.0, 3600.5, 1e308):  # an hour on, taps say nothing of the breath now
        with pytest.raises(BadInput) as caught:
            breath_from_intervals([4.0, 4.0, 4.0, 4.0], since_last_s=since)
        assert caught.value.field == "since_last_s"
    assert isinstance(breath_from_intervals([4.0, 4.0, 4.0, 4.0], since_last_s=3600.0), TappedBreath)
    with pytest.raises(BadInput) as caught:
        breath_from_intervals([4.0, -4.0, 4.0])
    assert caught.value.field == "intervals"


def test_rate_words():
    assert rate_words(15.6) == "about 16 breaths a minute"
    assert rate_words(4.6) == "about 5 breaths a minute"


def test_the_plan_starts_at_the_tapped_pace_and_in_step():
    """The tone's first rise is where the next breath in is expected, at the tapped pace."""
    found = breath_from_taps(steady(16, 6, first=0.0))
    assert isinstance(found, TappedBreath)
    start = found.anchor_s + 1.5  # the sound begins 1.5 s after the last tap
    opts = SessionOptions(energy="medium", minutes=6, breath_rate=found.rate, breath_in_s=found.breath_in_at(start))
    cycles = breath_schedule(make_profile(opts), 6 * 60)
    first_rise = next(c.start_s for c in cycles if c.start_s >= 0)
    assert first_rise == pytest.approx(60 / 16 - 1.5)
    assert cycles[0].start_s < 0 < cycles[0].end_s == pytest.approx(first_rise)  # the breath under way
    for a, b in zip(cycles, cycles[1:]):
        assert b.start_s == a.end_s
    settled = [c for c in cycles if c.end_s <= 60]
    assert all(c.rate == pytest.approx(16) for c in settled)
    assert cycles[-1].rate < 16  # the easing then goes on as ever


def test_the_floor_still_applies_to_a_tapped_rate():
    slow = breath_from_taps(steady(6, 5))
    assert isinstance(slow, TappedBreath)
    profile = make_profile(SessionOptions(energy="low", minutes=6, breath_rate=slow.rate, breath_in_s=2.0))
    assert profile.start_rate == companion.GENTLE_FLOOR
    first = breath_schedule(profile, 360)
    assert next(c.start_s for c in first if c.start_s >= 0) == pytest.approx(2.0)


@pytest.mark.parametrize("value", [-1.0, 14.0, math.nan])
def test_the_first_breath_in_is_within_one_breath(value):
    with pytest.raises(BadInput) as caught:
        make_profile(SessionOptions(breath_in_s=value))
    assert caught.value.field == "breath_in_s"
