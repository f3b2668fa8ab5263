"""The cues a mode sounds at fixed times: region changes, intervals, two minutes left."""

from __future__ import annotations

from companion.plan.model import Cue
from companion.plan.profile import Profile

TWO_MINUTES_S = 120
CUE_WORDS = {"region": "chime", "interval": "chime", "two-minutes": "chime: two minutes left", "chime": "chime"}


def cue_words(cue: Cue) -> str:
    """A cue as a person says it: "chime: legs" (the region that begins), "chime: two minutes left"."""
    if cue.kind == "region" and cue.region:
        return f"chime: {cue.region}"
    return CUE_WORDS.get(cue.kind, "chime")


def mode_cues(profile: Profile) -> list[Cue]:
    """A therapist's track: a chime at each region change (or every few minutes) and a distinct
    cue two minutes before the end. Other modes have none (a script's [chime] is placed by the layout)."""
    if not profile.mode.cues:
        return []
    sr, total = profile.sample_rate, profile.total_samples
    two_minutes = total - TWO_MINUTES_S * sr
    cues = [Cue(two_minutes, "two-minutes")]
    if profile.regions:
        at = 0.0
        for (_, minutes), (following, _) in zip(profile.regions, profile.regions[1:]):
            at += minutes
            cues.append(Cue(int(round(at * 60 * sr)), "region", region=following))
    elif profile.chime_every:
        step = int(round(profile.chime_every * 60 * sr))
        cues += [Cue(at, "interval") for at in range(step, two_minutes - 30 * sr, step)]
    return sorted(cues, key=lambda c: c.at)
