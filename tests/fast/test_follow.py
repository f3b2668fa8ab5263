"""Following the breath while playing (issue 36): taps re-time the tone. The re-timing rule on
synthetic plans, and a live session played through the paced stand-in for the sound card,
its recorded output checked: no click, the pitch and loudness continuous, the new pace
within two breaths, the later easing from there."""

from __future__ import annotations

import numpy as np
import pytest

from companion.errors import BadInput
from companion.live.player import Player
from companion.options import SessionOptions
from companion.plan.breathing import breath_schedule
from companion.plan.model import SessionPlan
from companion.plan.profile import make_profile
from companion.plan.retime import continued, retimed
from companion.session import make_session
from companion.sound.envelopes import BreathEnvelope
from companion.sound.renderer import blocks
from tests.paced_output import PacedOutput

SR = 44100


def tone_plan(rate: float = 12, minutes: float = 6, energy: str = "medium") -> SessionPlan:
    p = make_profile(SessionOptions(energy=energy, minutes=minutes, breath_rate=rate))
    return SessionPlan(p, "x", "x", p.total_samples, [], breath_schedule(p, minutes * 60))


@pytest.mark.parametrize("after_s", [30.0, 31.0, 33.5, 34.99])  # in an in-breath, at a turn, in an out-breath
@pytest.mark.parametrize("rate, breath_in_s", [(20, 31.3), (8, 36.0), (12, 32.5)])
def test_the_breath_glides_to_the_taps_within_two_breaths(after_s, rate, breath_in_s):
    plan = tone_plan()
    new = retimed(plan, after_s, breath_in_s, rate)
    old_env, new_env = BreathEnvelope(plan.breaths), BreathEnvelope(new.breaths)
    t = np.arange(0, after_s, 0.01)
    assert np.array_equal(old_env(t), new_env(t))  # nothing before the junction changes
    for a, b in zip(new.breaths, new.breaths[1:]):
        assert b.start_s == pytest.approx(a.end_s)  # no gap, no restart
        assert a.inhale_s > 0 and a.exhale_s > 0
    changed = next(i for i, (a, b) in enumerate(zip(plan.breaths, new.breaths)) if a != b)
    assert new.breaths[changed].end_s > after_s
    landed = new.breaths[changed + 2]  # two breaths from the one first changed
    assert (landed.start_s - breath_in_s) / (60 / rate) == pytest.approx(
        round((landed.start_s - breath_in_s) / (60 / rate)), abs=1e-6
    )
    assert landed.rate == pytest.approx(rate)  # the new pace, in step with the taps
    lengths = [c.end_s - c.start_s for c in new.breaths[changed - 1 : changed + 3]]
    low, high = min(lengths[0], lengths[-1]), max(lengths[0], lengths[-1])
    assert all(low - 60 / rate / 2 <= x <= high + 60 / rate / 2 for x in lengths)  # a glide, not a lurch
    # the easing starts again from the new pace: settled a minute, then slower, never below the floor
    settled = [c for c in new.breaths[changed + 2 :] if c.start_s < landed.start_s + 55]
    assert all(c.rate == pytest.approx(rate) for c in settled)
    assert new.breaths[-1].rate <= rate + 1e-9 and new.breaths[-1].rate >= new.profile.floor_rate - 1e-9
    assert new.breaths[-1].end_s >= plan.duration_s > new.breaths[-1].start_s


def test_retiming_keeps_the_floor_and_refuses_an_impossible_rate():
    plan = tone_plan(14, energy="low")
    new = retimed(plan, 30.0, 31.0, 6)  # low energy: never paced below 8
    assert min(c.rate for c in new.breaths) >= 8 - 1e-9
    with pytest.raises(BadInput) as caught:
        retimed(plan, 30.0, 31.0, 90)
    assert caught.value.field == "rate"


def test_a_later_plan_keeps_the_breath_followed():
    plan = tone_plan()
    new = retimed(plan, 30.0, 31.3, 20)
    longer = continued(new.breaths, plan.duration_s + 300)
    assert longer[: len(new.breaths)] == new.breaths
    assert longer[-1].end_s >= plan.duration_s + 300
    assert continued(new.breaths, 100.0)[-1].start_s < 100.0


def test_a_tap_while_playing_retimes_the_tone_with_no_click():
    """A tone-only session played through the paced output; at 40 s a breath tapped on a phone
    arrives (24 a minute, three intervals). What was heard is the re-timed plan's sound, sample
    for sample; the pitch and loudness go on; the swell keeps the new pace two breaths on."""
    opts = SessionOptions(energy="medium", minutes=2, narration=False, ambience="none", breath_rate=12)
    session = make_session(opts)
    out = PacedOutput(SR, speed=400.0)
    player = Player(session, out)
    sent: list[int] = []

    def on_block(_, at):
        if not sent and at is not None and at >= 40 * SR:
            sent.append(at)
            player.send("taps 2.5,2.5,2.5 0")

    out.on_block = on_block
    assert player.run().exit_code == 0
    final = player.live.plan
    assert final.breaths != session.plan.breaths and final.profile.breath_rate == 24
    heard = out.audio[: final.total_samples]
    reference = np.concatenate(list(blocks(final, None, session.cache)))[:, 0]
    # up to the tap, the old plan's sound; from it, the re-timed plan's: the same samples
    assert np.max(np.abs(heard - reference[: len(heard)])) < 1e-5
    assert np.max(np.abs(np.diff(heard))) <= np.max(np.abs(np.diff(reference))) + 1e-4  # no click
    # loudness: RMS over whole periods of the tone (225 samples at 196 Hz), 20 ms apart, never
    # steps by more than the swell itself allows (about 0.4 dB)
    frame = 4 * 225
    rms = np.sqrt(np.mean(heard[: len(heard) // frame * frame].reshape(-1, frame) ** 2, axis=1)) + 1e-9
    db = 20 * np.log10(rms)
    per_s = SR / frame
    around = slice(int(38 * per_s), int(52 * per_s))
    assert np.max(np.abs(np.diff(db[around]))) < 0.6

    # pitch: the tone's strongest partial is the same before and after the tap
    def peak(a: float) -> float:
        x = heard[int(a * SR) : int(a * SR) + SR // 2] * np.hanning(SR // 2)
        return float(np.argmax(np.abs(np.fft.rfft(x))) * 2.0)

    assert peak(38.0) == peak(47.0)
    # the new pace within two breaths: turns (swell peaks) 2.5 s apart from then on
    t = np.arange(len(db)) / per_s
    reach = int(0.5 * per_s)
    turns = [i for i in range(reach, len(db) - reach) if 41 < t[i] < 75 and db[i] == db[i - reach : i + reach].max()]
    gaps = np.diff(t[turns])
    assert np.allclose(gaps[2:], 2.5, atol=0.05), gaps  # within two breaths of the tap
    assert player.status.acks and "about 24 breaths a minute" in player.status.acks[-1]


def test_key_presses_give_a_breath_after_four_and_a_new_run_after_a_pause():
    from companion.live.follow import Follow

    follow = Follow()
    for at in (100.0, 103.0, 106.0):
        follow.arrived.put(("tap", at))
    assert follow.next_breath() == (None, None)  # three taps: not yet
    follow.arrived.put(("tap", 109.0))
    breath, said = follow.next_breath()
    assert breath is not None and breath.rate == pytest.approx(20) and breath.anchor_s == pytest.approx(109.0)
    for at in (200.0, 201.0, 230.0, 232.0, 234.0, 236.0):  # a long pause starts a new run
        follow.arrived.put(("tap", at))
    breath, said = follow.next_breath()
    assert breath is not None and breath.rate == pytest.approx(30)
    for at in (300.0, 301.4, 304.8, 306.2):  # wandering: said in words, nothing followed
        follow.arrived.put(("tap", at))
    breath, said = follow.next_breath()
    assert breath is None and said is not None and "tap again" in said
    follow.arrived.put(("taps 1,1,1 0", 400.0))  # too fast to be a breath: said, not followed
    breath, said = follow.next_breath()
    assert breath is None and said is not None and "breaths a minute" in said
