"""The tests' own meters agree with the references they stand in for."""

import numpy as np
import pyloudnorm
import pytest

from tests.audio_checks import loudness_range

SR = 44100


def swelling(seconds: float, depth_db: float, seed: int) -> np.ndarray:
    """Stereo noise whose level swells slowly by `depth_db`, with a quiet stretch in it."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * SR)) / SR
    level_db = -30 + depth_db / 2 * np.sin(2 * np.pi * t / 17)
    level_db[(t > 20) & (t < 26)] = -90  # below the absolute gate
    return rng.standard_normal((len(t), 2)) * 10 ** (level_db / 20)[:, None]


@pytest.mark.parametrize("depth_db", [2.0, 9.0, 20.0])
def test_loudness_range_agrees_with_pyloudnorm(depth_db):
    x = swelling(40, depth_db, seed=int(depth_db))
    reference = pyloudnorm.Meter(SR).loudness_range(x)
    assert loudness_range(x, SR) == pytest.approx(reference, abs=0.3)
    assert 0.8 * depth_db <= loudness_range(x, SR) <= depth_db + 1.5  # and measures the swell
