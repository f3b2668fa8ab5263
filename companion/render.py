"""plan -> layers -> mixer -> blocks. The only place that wires them together.

Rendering runs in fixed internal quanta whatever block size the caller asks for,
and every layer is a function of the absolute sample index, so the output is the
same, sample for sample, for any block size.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from .envelopes import BreathEnvelope, Ducker, SessionFade
from .layers.narration import NarrationLayer
from .layers.noise import NoiseLayer
from .layers.tone import ToneLayer
from .mixer import StreamLimiter
from .plan import SessionPlan
from .voice.cache import ClipCache

QUANTUM = 65536  # internal block (1.5 s): large enough that Python overhead is small
CONTROL = 64  # gains are computed every 64 samples (1.5 ms) and interpolated between
BED_UNDER_VOICE_LUFS = -30.0  # 12 LU under the -18 LUFS voice
TONES_ONLY_LUFS = -23.0
TONE_FLOOR = 0.3  # the tone hums softly between breaths, swelling to 1 at each turn
BED_FLOOR = 0.8  # the bed swells a little with the breath
DUCK_DB = -8.0
# BS.1770 loudness of each layer at unit RMS (K-weighting lifts the tone's harmonics a
# touch and cuts the bass of the noise). Constants, so a render never pays to measure them;
# tests/test_render_audio.py measures them again and checks they still hold.
LAYER_LUFS = {"tone": -0.99, "pink": -0.07, "brown": -3.26}


def _mean_square(floor: float) -> float:
    """Mean of (floor + (1 - floor) * e)^2 over a breath, e a raised-cosine swell (mean 1/2, mean square 3/8)."""
    return floor**2 + floor * (1 - floor) + (1 - floor) ** 2 * 3 / 8


def layer_gains(plan: SessionPlan) -> tuple[float, float]:
    """Peak gains for tone and bed that put the accompaniment at its loudness target."""
    p = plan.profile
    target = BED_UNDER_VOICE_LUFS if plan.narration else TONES_ONLY_LUFS
    share = 0.5 if p.ambience != "none" else 1.0  # tone and bed share the power equally
    target_power = 10 ** (target / 10) * share
    tone = np.sqrt(target_power / (10 ** (LAYER_LUFS["tone"] / 10) * _mean_square(TONE_FLOOR)))
    bed = 0.0
    if p.ambience != "none":
        bed_unit = 10 ** (LAYER_LUFS[p.ambience] / 10) * _mean_square(BED_FLOOR)
        bed = np.sqrt(target_power / bed_unit)
    return float(tone), float(bed)


def render(plan: SessionPlan, blocksize: int = 4096, cache: ClipCache | None = None) -> Iterator[np.ndarray]:
    """Yield the session as float32 (frames, 1) blocks of `blocksize` (the last may be shorter)."""
    if blocksize < 1:
        raise ValueError("blocksize must be positive")
    pending: list[np.ndarray] = []
    held = 0
    for chunk in _render_quanta(plan, cache or ClipCache()):
        pending.append(chunk)
        held += len(chunk)
        if held < blocksize:
            continue
        joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
        cut = (len(joined) // blocksize) * blocksize
        for a in range(0, cut, blocksize):
            yield joined[a : a + blocksize, None]
        pending = [joined[cut:]] if cut < len(joined) else []
        held = len(joined) - cut
    if held:
        yield np.concatenate(pending)[:, None]


def _render_quanta(plan: SessionPlan, cache: ClipCache) -> Iterator[np.ndarray]:
    p = plan.profile
    sr, total = p.sample_rate, plan.total_samples
    tone_gain, bed_gain = layer_gains(plan)
    tone = ToneLayer(sr, QUANTUM)
    bed = NoiseLayer(p.ambience, sr, p.seed, QUANTUM) if p.ambience != "none" else None
    voice = NarrationLayer(plan.clips, cache)
    breath = BreathEnvelope(plan.breaths)
    fade = SessionFade(total / sr, p.fade_in_s, p.fade_out_s, p.tail_silence_s)
    duck = Ducker([(e.start / sr, e.end / sr) for e in plan.narration], DUCK_DB)
    limiter = StreamLimiter(sr)
    ramp = (np.arange(CONTROL, dtype=np.float32) / CONTROL)[None, :]
    steps = QUANTUM // CONTROL

    def expand(g: np.ndarray) -> np.ndarray:
        """Linear interpolation from the control points to every sample."""
        g = g.astype(np.float32)
        out = np.multiply((g[1:] - g[:-1])[:, None], ramp)
        out += g[:-1, None]
        return out.ravel()

    produced = 0
    start = 0
    while produced < total:
        t = (start + CONTROL * np.arange(steps + 1)) / sr
        swell, common = breath(t), duck(t)
        if not fade.is_open(t[0], t[-1]):
            common *= fade(t)
        mix = tone.block(start, QUANTUM) * expand(tone_gain * (TONE_FLOOR + (1 - TONE_FLOOR) * swell) * common)
        if bed is not None:
            noise = bed.block(start, QUANTUM)
            noise *= expand(bed_gain * (BED_FLOOR + (1 - BED_FLOOR) * swell) * common)
            mix += noise
        voice.add_into(mix, start)
        start += QUANTUM
        out = limiter.process(mix)
        out = out[: total - produced]
        produced += len(out)
        if len(out):
            yield out
