"""The tests' own meters agree with the references they stand in for."""

import numpy as np
import pyloudnorm
import pytest

from tests.audio_checks import loudness_range, lufs, momentary, true_peak_db

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


@pytest.mark.parametrize("seconds", [0.5, 3.0, 40.0])
def test_integrated_loudness_agrees_with_pyloudnorm(seconds):
    x = swelling(seconds, 9.0, seed=4)
    assert lufs(x, SR) == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(x), abs=0.02)
    assert lufs(x[:, 0], SR) == pytest.approx(pyloudnorm.Meter(SR).integrated_loudness(x[:, 0]), abs=0.02)


@pytest.mark.parametrize(("hop_s", "window_s"), [(0.1, 0.4), (0.05, 0.4), (0.25, 3.0)])
def test_momentary_loudness_is_each_windows_own(hop_s, window_s):
    x = swelling(12, 12.0, seed=5)
    m = momentary(x, SR, hop_s, window_s)
    hop, w = int(hop_s * SR), int(window_s * SR)
    assert len(m) == (len(x) - w) // hop + 1
    meter = pyloudnorm.Meter(SR, block_size=window_s)
    for i in (1, len(m) // 2, len(m) - 1):
        assert m[i] == pytest.approx(meter.integrated_loudness(x[i * hop : i * hop + w]), abs=0.1), i


def faded(x: np.ndarray) -> np.ndarray:
    ramp = np.sin(np.linspace(0, np.pi / 2, SR // 10)) ** 2
    x = x.copy()
    x[: len(ramp)] *= ramp[:, None] if x.ndim > 1 else ramp
    x[-len(ramp) :] *= (ramp[::-1, None]) if x.ndim > 1 else ramp[::-1]
    return x


def test_true_peak_finds_the_peak_between_samples_and_agrees_with_scipy():
    from scipy.signal import resample_poly

    t = np.arange(2 * SR) / SR
    between = faded(0.5 * np.sin(2 * np.pi * SR / 4 * t + np.pi / 4))  # every sample at 0.71 of the peak
    assert 20 * np.log10(np.abs(between).max()) == pytest.approx(-9.03, abs=0.01)
    assert true_peak_db(between) == pytest.approx(-6.02, abs=0.1)
    x = faded(swelling(10, 6.0, seed=3) * 30)
    reference = 20 * np.log10(np.abs(resample_poly(x, 4, 1, axis=0)).max())
    assert true_peak_db(x) == pytest.approx(reference, abs=0.1)
