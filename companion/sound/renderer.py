"""plan -> layers -> mixer -> blocks. The only place that wires them together.

Rendering runs in fixed internal quanta whatever block size the caller asks for,
and every layer is a function of the absolute sample index, so the output is the
same, sample for sample, for any block size.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import ParamSpec, TypeVar

import numpy as np

from companion import interrupts
from companion.cache import ClipCache
from companion.dsp.levels import db_to_gain
from companion.plan.model import SessionPlan
from companion.sound.envelopes import BreathEnvelope, Ducker, LeadIn, SessionFade
from companion.sound.layers.accompaniment import Accompaniment
from companion.sound.layers.chime import ChimeLayer
from companion.sound.layers.narration import QUIET_BEFORE_S, NarrationLayer
from companion.sound.mixer import MASTER_CEILING_DB, limit

QUANTUM = 131072  # internal block (3 s): large enough that Python overhead is small
CONTROL = 128  # gains are computed every 128 samples (2.9 ms) and interpolated between
BED_UNDER_VOICE_LUFS = -28.0  # 10 LU under the -18 LUFS voice: words stay clear, returns stay gentle
TONES_ONLY_LUFS = -23.0
# The tone carries the breath: it hums softly between breaths and swells to full at each turn
# (5 dB). The noise bed swells with it, more gently (2 dB): with a level bed the whole mix
# rose only 2.4 dB at each in-breath on headphones and 1.5 dB on a phone, where the tone
# loses most (a listener told to breathe with the sound could barely hear it rise); now it
# rises over 3 dB on both. Each layer keeps its mean level, so the tone between words is no
# louder than before.
TONE_SWELL_FLOOR = 0.55
BED_SWELL_FLOOR = 0.8
# While the voice speaks the tone and bed are silent: they fade out over DUCK_ATTACK_S, are
# away from CLEAR_OF_WORDS_S before a line's words to as long after them, and come back over
# DUCK_RELEASE_S, in raised-cosine ramps of gain. The voice has the room to itself (hearing
# that has aged needs more room over a bed than young ears), and what a listener hears of a
# line is exactly the voice. With the bed and tone 20 dB under their level between words, a
# speech recogniser lost 3-6 points of the words in the mix in 8 of the 30 scripts and
# energies (10 dB under, 4.5 points over 1000 words): any faint sound in the quiet edges of a
# word, where the voice alone is silent, turned it into another; 50 dB under still lost
# 6 points of a line heard with half a second either side (docs/sound.md).
DUCK_ATTACK_S = 0.5
DUCK_RELEASE_S = 1.5
CLEAR_OF_WORDS_S = 0.5
BEFORE_WORDS_S = DUCK_ATTACK_S + CLEAR_OF_WORDS_S  # how long before a line's words the sound changes for it
# Before a line that returns after a long quiet the bed rises this much over these seconds (its
# breath swells 1.9 dB): the quiet a listener has settled into grows by about 1 dB before
# the words, so they come back as gently while speaking nearer their usual level.
LEAD_IN_DB = 2.0
LEAD_IN_S = 12.0
PCM16_SCALE = 32768.0
# BS.1770 loudness of each layer at unit RMS (K-weighting lifts the tone's harmonics a
# touch and cuts the bass of the noise). Constants, so a render never pays to measure them;
# tests/test_render_audio.py measures them again and checks they still hold.
LAYER_LUFS = {"tone": -0.71, "pink": 0.14, "brown": -0.31}
# What each layer loses through a phone or tablet's small speaker (small_speaker_power): the
# tone's fundamental is cut, its harmonics carry it. About what the voice loses (1.5 dB), so a
# phone keeps the balance of words and quiet (gentle returns, the loudness range); the cues
# and the voice's returns level against both speakers.
SMALL_SPEAKER_LOSS_DB = {"tone": 1.8, "pink": 1.7, "brown": 2.2}


def mean_square(floor: float) -> float:
    """Mean of (floor + (1 - floor) * e)^2 over a breath, e a raised-cosine swell (mean 1/2, mean square 3/8)."""
    return floor**2 + floor * (1 - floor) + (1 - floor) ** 2 * 3 / 8


def accompaniment_lufs(plan: SessionPlan) -> float:
    p = plan.profile
    # a mostly instrumental mode (a massage track) keeps its bed at the tones-only level
    return BED_UNDER_VOICE_LUFS if p.narration and p.mode.bed_under_words else TONES_ONLY_LUFS


def layer_powers(plan: SessionPlan) -> tuple[float, float]:
    """The mean power (summed over channels) of tone and bed that puts the accompaniment at
    its loudness target: an equal share each, or all of it for the tone without a bed."""
    total = 10 ** (accompaniment_lufs(plan) / 10)
    share = 0.5 if plan.profile.ambience != "none" else 1.0
    return total * share, total * (1 - share)


def layer_gains(plan: SessionPlan) -> tuple[float, float]:
    """Peak gains per channel for the unit-RMS tone and bed loops. A centred sound in two
    channels at 1/sqrt(2) each measures as loud as the same sound in one, so a stereo file
    and a mono file of the same session have the same loudness."""
    p = plan.profile
    tone_power, bed_power = layer_powers(plan)
    tone = np.sqrt(tone_power / p.channels / 10 ** (LAYER_LUFS["tone"] / 10) / mean_square(TONE_SWELL_FLOOR))
    bed = 0.0
    if p.ambience != "none":
        bed = np.sqrt(bed_power / p.channels / 10 ** (LAYER_LUFS[p.ambience] / 10) / mean_square(BED_SWELL_FLOOR))
    return float(tone), float(bed)


class SessionRenderer:
    """Any quantum of the session, as a pure function of its index.

    Quanta need no state from one another (every layer and gain is a function of
    absolute time, and the limiter reads its own look-ahead context), so the output is
    the same for any block size and any quantum can be made on its own.
    `scale` 32768 gives samples in 16-bit units, so quantising is one rounding.
    Quanta are (frames, channels): the voice, chimes and tone centred, the bed per channel.
    """

    def __init__(
        self,
        plan: SessionPlan,
        voice: Callable[[str], np.ndarray] | None,
        cache: ClipCache | None = None,
        scale: float = 1.0,
        accompaniment: Accompaniment | None = None,
    ):
        p = plan.profile
        self.plan, self.sr, self.total, self.scale = plan, p.sample_rate, plan.total_samples, scale
        self.channels = p.channels
        self.centre_scale = scale / np.sqrt(p.channels)  # a centred sound, as loud in stereo as in mono
        self._voice_clip, self._cache = voice, cache
        if accompaniment is None:
            tone_gain, bed_gain = layer_gains(plan)
            accompaniment = Accompaniment(
                self.sr, p.ambience, p.seed, tone_gain * scale, bed_gain * scale, p.channels, QUANTUM + 8192, cache
            )
        self.accompaniment = accompaniment
        lines = [e.clips for e in plan.narration]
        # the layers call back into the renderer weakly: no reference cycle keeps its loops
        # (tens of MB) alive after it is dropped, until a full garbage collection finds them
        self.voice = NarrationLayer(lines, voice, self.sr, _weakly(self.quiet_lufs))
        self.breath = BreathEnvelope(plan.breaths)
        self.fade = SessionFade(self.total / self.sr, p.fade_in_s, p.fade_out_s, p.tail_silence_s)
        # a line that returns after a long quiet: the bed rises gently before it
        returning = {line_start for line_start, _ in self.voice.returns.values()}
        self.lead_in = LeadIn(
            [(e.start / self.sr, e.end / self.sr) for e in plan.narration if e.start in returning],
            LEAD_IN_DB,
            LEAD_IN_S,
            release_s=DUCK_RELEASE_S,
            ready_s=QUIET_BEFORE_S[0],
        )
        spans = [(e.start / self.sr, e.end / self.sr) for e in plan.narration]
        # one control step more: the gains between two control points are interpolated
        self.duck = Ducker(spans, DUCK_ATTACK_S, DUCK_RELEASE_S, CLEAR_OF_WORDS_S + CONTROL / self.sr)
        self.chimes = ChimeLayer(plan.cues, self.sr, _weakly(self.under_lufs))  # levelled against the above
        self.ceiling = db_to_gain(MASTER_CEILING_DB) * scale
        # the limiter's reach: 20 ms, rounded so its context stays on the control grid
        self.h = -(-int(0.02 * self.sr) // (CONTROL // 2)) * (CONTROL // 2)
        ramp = np.arange(CONTROL, dtype=np.float32) / CONTROL
        self._ramps = np.tile(ramp, (QUANTUM + 4 * self.h) // CONTROL)
        self._local = threading.local()

    def for_plan(self, plan: SessionPlan) -> SessionRenderer:
        """This session's renderer for another plan of it with the same profile (more of its
        lines placed): the same tone and bed, not made again (a stereo bed is about 40 MB)."""
        if plan.profile != self.plan.profile:
            raise ValueError("another profile needs a renderer of its own")
        return SessionRenderer(plan, self._voice_clip, self._cache, self.scale, self.accompaniment)

    @property
    def quanta(self) -> int:
        return -(-self.total // QUANTUM)

    def _control_times(self, start: int, n: int) -> np.ndarray:
        """The times (s) of the control points covering [start, start + n]."""
        return (start + CONTROL * np.arange(n // CONTROL + 1)) / self.sr

    def _gains(self, start: int, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Tone and bed gains at the control points covering [start, start + n]."""
        t = self._control_times(start, n)
        breath = self.breath(t)
        common = self.duck(t)
        if not self.fade.is_open(t[0], t[-1]):
            common *= self.fade(t)
        tone = (TONE_SWELL_FLOOR + (1 - TONE_SWELL_FLOOR) * breath) * common
        bed = (BED_SWELL_FLOOR + (1 - BED_SWELL_FLOOR) * breath) * common * self.lead_in(t)
        return tone.astype(np.float32), bed.astype(np.float32)

    def _accompaniment_power(self, start: int, stop: int, small_speaker: bool, tone: bool) -> np.ndarray:
        """The K-weighted power of the noise bed (and the tone, when `tone`) at the control
        points within [start, stop), from the gain curves: each layer is at its share of the
        target when its curve's mean square is its swell's; on a small speaker each loses its
        own share (SMALL_SPEAKER_LOSS_DB)."""
        start, stop = max(start, 0), min(stop, self.total)
        tone_g, bed_g = self._gains(start, max(stop - start, CONTROL))
        tone_power, bed_power = layer_powers(self.plan)
        loss = {k: 10 ** (-v / 10) if small_speaker else 1.0 for k, v in SMALL_SPEAKER_LOSS_DB.items()}
        power = np.zeros(len(bed_g))
        if tone:
            power += tone_g.astype(np.float64) ** 2 * tone_power / mean_square(TONE_SWELL_FLOOR) * loss["tone"]
        if self.accompaniment.has_bed:
            bed_loss = loss[self.plan.profile.ambience]
            power += bed_g.astype(np.float64) ** 2 * bed_power / mean_square(BED_SWELL_FLOOR) * bed_loss
        return power

    def under_lufs(self, start: int, stop: int, small_speaker: bool = False, tone: bool = True) -> float:
        """The loudest momentary (400 ms) loudness within [start, stop) of the noise bed, with
        the tone too when `tone`, on headphones or on a small speaker, from the gain curves."""
        power = self._accompaniment_power(start, stop, small_speaker, tone)
        w = max(int(0.4 * self.sr) // CONTROL, 1)
        c = np.concatenate([[0.0], np.cumsum(power)])
        peak = float(((c[w:] - c[:-w]) / w).max()) if len(power) > w else float(power.mean())
        return 10 * np.log10(peak) if peak > 0 else -np.inf

    def quiet_lufs(self, start: int, stop: int, small_speaker: bool = False) -> float:
        """The loudness of the tone and bed over [start, stop) (what is under a returning
        voice), on headphones or on a small speaker, from the gain curves."""
        power = float(self._accompaniment_power(start, stop, small_speaker, True).mean())
        return 10 * np.log10(power) if power > 0 else -np.inf

    def _scratch(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Reusable buffers per rendering thread (centre, gain, one channel, the frames): no
        fresh pages every quantum."""
        bufs = getattr(self._local, "bufs", None)
        if bufs is None or len(bufs[0]) < n:
            one = (np.empty(n, np.float32) for _ in range(3))
            bufs = self._local.bufs = (*one, np.empty((n, self.channels), np.float32))
        return bufs[0][:n], bufs[1][:n], bufs[2][:n], bufs[3][:n]

    def _interpolate(self, g: np.ndarray, n: int, out: np.ndarray) -> np.ndarray:
        """Linear interpolation from the control points to every sample."""
        np.multiply(np.repeat(g[1:] - g[:-1], CONTROL), self._ramps[:n], out=out)
        out += np.repeat(g[:-1], CONTROL)
        return out

    def _mix(self, start: int, n: int, gains: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """The mix of [start, start + n) as (n, channels), in this thread's scratch buffers."""
        tone_g, bed_g = self._gains(start, n) if gains is None else gains
        centre, gain_at, channel, out = self._scratch(n)
        np.multiply(self.accompaniment.tone(start, n), self._interpolate(tone_g, n, gain_at), out=centre)
        self.voice.add_into(centre, start, self.centre_scale)
        if self.chimes.sounding(start, start + n):
            # a chime that rings on towards a line (a script's [chime] comes 3 s before its
            # words) fades out with the tone and bed: nothing sounds under the words
            ring = np.zeros(n, np.float32)
            self.chimes.add_into(ring, start, self.centre_scale)
            duck = self.duck(self._control_times(start, n)).astype(np.float32)
            ring *= self._interpolate(duck, n, np.empty(n, np.float32))
            centre += ring
        if not self.accompaniment.has_bed:
            out[:] = centre[:, None]
            return out
        steady = bed_g[0] == 1.0 and bed_g.min() == bed_g.max()
        bed_gain = None if steady else self._interpolate(bed_g, n, gain_at)
        for c in range(self.channels):  # one channel at a time: contiguous arrays are fastest
            self.accompaniment.bed(c, start, n, out=channel, gain=bed_gain)
            np.add(channel, centre, out=out[:, c])
        return out

    def quantum(self, index: int, pcm16: bool = False) -> np.ndarray:
        start = index * QUANTUM
        n = min(QUANTUM, self.total - start)
        gains = self._gains(start, QUANTUM)
        reach = (start - 2 * self.h, start + QUANTUM + 2 * self.h)
        bound = (
            float(gains[0].max()) * self.accompaniment.tone_peak
            + float(gains[1].max()) * self.accompaniment.bed_peak
            + self.centre_scale * (self.voice.peak(*reach) + self.chimes.peak(*reach))
        )
        if bound <= self.ceiling:  # nearly always: the limiter would leave it untouched
            out = self._mix(start, QUANTUM, gains)[:n]
        else:  # mix with the limiter's context either side, and limit only if a peak is too high
            wide = self._mix(start - 2 * self.h, QUANTUM + 4 * self.h)
            if max(float(wide.max()), -float(wide.min())) <= self.ceiling:
                out = wide[2 * self.h : 2 * self.h + n]
            else:
                out = limit(wide, self.h, self.ceiling)[:n]
        if pcm16:  # already in 16-bit units and under the ceiling: round, no clipping needed
            return np.asarray(np.rint(out, out=np.empty(out.shape, np.int16), casting="unsafe"))
        return out.copy() if out.base is not None else out


P = ParamSpec("P")
R = TypeVar("R")


def _weakly(method: Callable[P, R]) -> Callable[P, R]:
    """A bound method called through a weak reference to its object."""
    ref = weakref.WeakMethod(method)

    def call(*args: P.args, **kwargs: P.kwargs) -> R:
        bound = ref()
        if bound is None:
            raise ReferenceError("the renderer is gone")
        return bound(*args, **kwargs)

    return call


def blocks(
    plan: SessionPlan,
    voice: Callable[[str], np.ndarray] | None,
    cache: ClipCache | None = None,
    blocksize: int = 4096,
    pcm16: bool = False,
) -> Iterator[np.ndarray]:
    """Yield the session as (frames, channels) blocks of `blocksize` (the last may be shorter):
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
            yield joined[a : a + blocksize]
        pending = [joined[cut:]] if cut < len(joined) else []
        held = len(joined) - cut
    if held:
        yield np.concatenate(pending)


def _quanta(renderer: SessionRenderer, pcm16: bool) -> Iterator[np.ndarray]:
    """Quanta in order, on this thread: numpy's operations here are too short for a second
    rendering thread to gain anything over the GIL (measured); the file sink writes on a
    second thread instead, while this one renders."""
    for index in range(renderer.quanta):
        interrupts.check()  # Ctrl-C ends a render here, between quanta
        yield renderer.quantum(index, pcm16)
