"""plan -> layers -> mixer -> blocks. The only place that wires them together.

Rendering runs in fixed internal quanta whatever block size the caller asks for,
and every layer is a function of the absolute sample index, so the output is the
same, sample for sample, for any block size.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import numpy as np

from .envelopes import BreathEnvelope, Ducker, SessionFade
from .layers.accompaniment import Accompaniment
from .layers.chime import ChimeLayer
from .layers.narration import NarrationLayer
from .loudness import db_to_gain
from .mixer import MASTER_CEILING_DB, limit
from .plan import SessionPlan
from .voice.cache import ClipCache

QUANTUM = 131072  # internal block (3 s): large enough that Python overhead is small
CONTROL = 64  # gains are computed every 64 samples (1.5 ms) and interpolated between
BED_UNDER_VOICE_LUFS = -30.0  # 12 LU under the -18 LUFS voice
TONES_ONLY_LUFS = -23.0
SWELL_FLOOR = 0.35  # tone and bed hum softly between breaths and swell to 1 at each turn (9 dB)
UNDER_SPEECH_LUFS = -38.0  # where the bed sits while the voice speaks (8 dB under -30)
PCM16_SCALE = 32768.0
# BS.1770 loudness of each layer at unit RMS (K-weighting lifts the tone's harmonics a
# touch and cuts the bass of the noise). Constants, so a render never pays to measure them;
# tests/test_render_audio.py measures them again and checks they still hold.
LAYER_LUFS = {"tone": -0.99, "pink": -0.07, "brown": -3.26}


def _mean_square(floor: float) -> float:
    """Mean of (floor + (1 - floor) * e)^2 over a breath, e a raised-cosine swell (mean 1/2, mean square 3/8)."""
    return floor**2 + floor * (1 - floor) + (1 - floor) ** 2 * 3 / 8


def accompaniment_lufs(plan: SessionPlan) -> float:
    p = plan.profile
    # a mostly instrumental mode (a massage track) keeps its bed at the tones-only level
    return BED_UNDER_VOICE_LUFS if p.narration and p.mode.bed_under_words else TONES_ONLY_LUFS


def layer_gains(plan: SessionPlan) -> tuple[float, float]:
    """Peak gains for tone and bed that put the accompaniment at its loudness target."""
    p = plan.profile
    target = accompaniment_lufs(plan)
    share = 0.5 if p.ambience != "none" else 1.0  # tone and bed share the power equally
    power = 10 ** (target / 10) * share / _mean_square(SWELL_FLOOR)
    tone = np.sqrt(power / 10 ** (LAYER_LUFS["tone"] / 10))
    bed = np.sqrt(power / 10 ** (LAYER_LUFS[p.ambience] / 10)) if p.ambience != "none" else 0.0
    return float(tone), float(bed)


class SessionRenderer:
    """Any quantum of the session, as a pure function of its index.

    Quanta need no state from one another (every layer and gain is a function of
    absolute time, and the limiter reads its own look-ahead context), so the output is
    the same for any block size and any quantum can be made on its own.
    `scale` 32768 gives samples in 16-bit units, so quantising is one rounding.
    """

    def __init__(
        self,
        plan: SessionPlan,
        voice: Callable[[str], np.ndarray] | None,
        cache: ClipCache | None = None,
        scale: float = 1.0,
    ):
        p = plan.profile
        self.plan, self.sr, self.total, self.scale = plan, p.sample_rate, plan.total_samples, scale
        tone_gain, bed_gain = layer_gains(plan)
        self.bed = Accompaniment(
            self.sr, p.ambience, p.seed, tone_gain * scale, bed_gain * scale, QUANTUM + 8192, cache
        )
        self.voice = NarrationLayer(plan.clips, voice)
        self.chimes = ChimeLayer(plan.cues, self.sr)
        self.breath = BreathEnvelope(plan.breaths)
        self.fade = SessionFade(self.total / self.sr, p.fade_in_s, p.fade_out_s, p.tail_silence_s)
        # the voice always has the same quiet under it, however loud the bed is between words
        duck_db = UNDER_SPEECH_LUFS - accompaniment_lufs(plan)
        self.duck = Ducker([(e.start / self.sr, e.end / self.sr) for e in plan.narration], duck_db)
        self.ceiling = db_to_gain(MASTER_CEILING_DB) * scale
        # the limiter's reach: 20 ms, rounded so its context stays on the control grid
        self.h = -(-int(0.02 * self.sr) // (CONTROL // 2)) * (CONTROL // 2)
        ramp = np.arange(CONTROL, dtype=np.float32) / CONTROL
        self._ramps = np.tile(ramp, (QUANTUM + 4 * self.h) // CONTROL)
        self._local = threading.local()

    @property
    def quanta(self) -> int:
        return -(-self.total // QUANTUM)

    def _gain(self, start: int, n: int) -> np.ndarray:
        """The accompaniment's gain at the control points covering [start, start + n]."""
        t = (start + CONTROL * np.arange(n // CONTROL + 1)) / self.sr
        gain = SWELL_FLOOR + (1 - SWELL_FLOOR) * self.breath(t)
        gain *= self.duck(t)
        if not self.fade.is_open(t[0], t[-1]):
            gain *= self.fade(t)
        return gain.astype(np.float32)

    def _scratch(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Two reusable buffers per rendering thread: no fresh pages for every quantum."""
        bufs = getattr(self._local, "bufs", None)
        if bufs is None or len(bufs[0]) < n:
            bufs = self._local.bufs = (np.empty(n, np.float32), np.empty(n, np.float32))
        return bufs[0][:n], bufs[1][:n]

    def _mix(self, start: int, n: int, gain: np.ndarray | None = None) -> np.ndarray:
        """The mix of [start, start + n), in this thread's scratch buffer."""
        g = self._gain(start, n) if gain is None else gain
        mix, gain_at = self._scratch(n)
        self.bed.block(start, n, out=mix)
        # linear interpolation from the control points to every sample, then apply it
        np.multiply(np.repeat(g[1:] - g[:-1], CONTROL), self._ramps[:n], out=gain_at)
        gain_at += np.repeat(g[:-1], CONTROL)
        mix *= gain_at
        self.voice.add_into(mix, start, self.scale)
        self.chimes.add_into(mix, start, self.scale)
        return mix

    def quantum(self, index: int, pcm16: bool = False) -> np.ndarray:
        start = index * QUANTUM
        n = min(QUANTUM, self.total - start)
        gain = self._gain(start, QUANTUM)
        reach = (start - 2 * self.h, start + QUANTUM + 2 * self.h)
        bound = float(gain.max()) * self.bed.peak + self.scale * (self.voice.peak(*reach) + self.chimes.peak(*reach))
        if bound <= self.ceiling:  # nearly always: the limiter would leave it untouched
            out = self._mix(start, QUANTUM, gain)[:n]
        else:  # mix with the limiter's context either side, and limit only if a peak is too high
            wide = self._mix(start - 2 * self.h, QUANTUM + 4 * self.h)
            if max(float(wide.max()), -float(wide.min())) <= self.ceiling:
                out = wide[2 * self.h : 2 * self.h + n]
            else:
                out = limit(wide, self.h, self.ceiling)[:n]
        if pcm16:  # already in 16-bit units and under the ceiling: round, no clipping needed
            return np.rint(out, out=np.empty(len(out), np.int16), casting="unsafe")
        return out.copy() if out.base is not None else out


def blocks(
    plan: SessionPlan,
    voice: Callable[[str], np.ndarray] | None,
    cache: ClipCache | None = None,
    blocksize: int = 4096,
    pcm16: bool = False,
) -> Iterator[np.ndarray]:
    """Yield the session as (frames, 1) blocks of `blocksize` (the last may be shorter):
    float32, or int16 when `pcm16` (rounded here, so every 16-bit format holds the same).
    `voice` gives each clip's samples by key (a Narrator's clip); `cache` keeps the noise loops."""
    if blocksize < 1:
        raise ValueError("blocksize must be positive")
    renderer = SessionRenderer(plan, voice, cache, PCM16_SCALE if pcm16 else 1.0)
    pending: list[np.ndarray] = []
    held = 0
    for chunk in _quanta(renderer, pcm16):
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


def _quanta(renderer: SessionRenderer, pcm16: bool) -> Iterator[np.ndarray]:
    """Quanta in order, on this thread: numpy's operations here are too short for a second
    rendering thread to gain anything over the GIL (measured); the file sink writes on a
    second thread instead, while this one renders."""
    for index in range(renderer.quanta):
        yield renderer.quantum(index, pcm16)
