"""A session's sound, already made whole, re-timed to taps while it is heard (issue 36): for a
player that is handed the samples ahead of its playhead (a page's own <audio>, served a file),
not pulled by a sound card as `play` is.

The plan is the same up to a junction just past what the listener already has (`retimed`),
so the samples from the re-timed plan join the old ones with no click; they are made a
quantum at a time, as the player reaches them, so a tap costs a few milliseconds of
rendering, not the rest of the session.
"""

from __future__ import annotations

import numpy as np

from companion.plan.model import SessionPlan
from companion.plan.retime import retimed
from companion.plan.taps import in_step
from companion.session import Session
from companion.sound.renderer import PCM16_SCALE, QUANTUM, SessionRenderer

JUNCTION_S = 0.1  # the re-timed plan changes no sooner than this past the junction (the limiter looks 20 ms)


class FollowedSound:
    """The plan a session's sound follows now, and its 16-bit samples from any frame on."""

    def __init__(self, session: Session):
        self.session = session
        self.plan = session.plan
        self._renderer: SessionRenderer | None = None

    @property
    def sample_rate(self) -> int:
        return self.plan.sample_rate

    def retime(self, junction: int, breath_in_s: float, rate: float) -> SessionPlan:
        """Glide the tone to `rate` breaths a minute, in step with a breath in at `breath_in_s`
        (session seconds), changing nothing before frame `junction`. BadInput (with the
        library's words) when the tone cannot reach it."""
        self.plan = retimed(self.plan, junction / self.sample_rate + JUNCTION_S, breath_in_s, rate)
        return self.plan

    def in_step(self, breath_in_s: float) -> SessionPlan:
        """The tone's first rise `breath_in_s` after the start, the rest as planned (nothing heard yet)."""
        self.plan = in_step(self.plan, breath_in_s)
        return self.plan

    def pcm16(self, plan: SessionPlan, frame: int) -> bytes:
        """Little-endian 16-bit frames of `plan` from `frame` to the end of its quantum, the
        samples `render` writes for that plan. One caller at a time."""
        k = frame // QUANTUM
        block = self._renderer_for(plan).quantum(k, pcm16=True)[frame - k * QUANTUM :]
        return np.ascontiguousarray(block).astype("<i2", copy=False).tobytes()

    def rest(self) -> None:
        """Nothing more to make for now: the tone and bed (tens of MB) are let go, made again if asked."""
        self._renderer = None

    def _renderer_for(self, plan: SessionPlan) -> SessionRenderer:
        if self._renderer is None:
            self._renderer = self.session.renderer(plan, PCM16_SCALE)
        elif self._renderer.plan is not plan:  # the tone and bed made once: a re-timing changes only the breath
            accompaniment = self._renderer.accompaniment
            session = self.session
            self._renderer = SessionRenderer(plan, session.voice_clip(), session.cache, PCM16_SCALE, accompaniment)
        return self._renderer
