"""Nothing sounds under the words: the tone and bed are away from half a second before each
line to half a second after it, so what a listener hears of a line (and a recogniser hearing
it with half a second either side) is exactly the voice; between lines they come back."""

from __future__ import annotations

import numpy as np
import pytest

from companion.options import SessionOptions
from companion.session import make_session
from tests.fast.fake_voice import FakeNarrator


@pytest.mark.parametrize(
    "options",
    [
        SessionOptions(energy="high", minutes=8, seed=3),
        SessionOptions(energy="low", minutes=6, seed=4, ambience="brown"),
        SessionOptions(mode="massage", minutes=10, seed=5, regions="back:5,legs:4"),
        SessionOptions(mode="caregiver", script="caregiver-hands", seed=6, safety_confirmed=True),
    ],
    ids=["relax high", "relax low, brown", "massage with cues", "caregiver, a chime before a line"],
)
def test_a_line_is_the_voice_alone_with_half_a_second_either_side(options):
    session = make_session(options, narrator=FakeNarrator())
    plan, renderer = session.plan, session.renderer()
    if options.mode == "caregiver":  # its [chime] rings 3 s before the words it introduces
        assert any(0 < e.start - c.at < 4 * plan.sample_rate for c in plan.cues for e in plan.narration)
    mix = np.concatenate([renderer.quantum(k) for k in range(renderer.quanta)])
    voice = np.zeros(len(mix), np.float32)
    renderer.voice.add_into(voice, 0, renderer.centre_scale)
    sr = plan.sample_rate
    clear = sr // 2
    back, ahead = 2 * sr, sr  # back in whole 2 s after the words; going from 1 s before them
    assert len(plan.narration) >= 3
    between = 0
    for line, after in zip(plan.narration, [*plan.narration[1:], None], strict=True):
        a, b = line.start - clear, line.end + clear
        for c in range(mix.shape[1]):
            assert np.array_equal(mix[a:b, c], voice[a:b]), (line.text, c)
        # and they are back between lines: the tone and bed, whole, once the ramp is done
        if after is not None and after.start - ahead > line.end + back + sr // 2:
            at = slice(line.end + back, line.end + back + sr // 2)
            under = mix[at, 0] - voice[at]
            assert np.sqrt(np.mean(np.square(under, dtype=np.float64))) > 10 ** (-45 / 20), line.text
            between += 1
    assert between  # the check above met at least one quiet between lines
