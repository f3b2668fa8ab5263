"""A session plan: pure data saying what happens when, to the sample (layout.py makes it)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from companion.plan.breathing import BreathCycle
from companion.plan.profile import Profile


@dataclass(frozen=True)
class PlacedClip:
    start: int  # sample index in the session
    length: int
    key: str  # content address of the clip in the cache
    text: str

    @property
    def end(self) -> int:
        return self.start + self.length


@dataclass(frozen=True)
class NarrationEntry:
    start: int
    end: int
    text: str
    section: str
    clips: tuple[PlacedClip, ...]


@dataclass(frozen=True)
class Cue:
    at: int
    kind: str  # region, interval, two-minutes (a therapist's track) or chime (a script's [chime])
    region: str | None = None  # a region cue: the region that starts here


@dataclass
class SessionPlan:
    profile: Profile
    script_name: str
    script_title: str
    total_samples: int
    narration: list[NarrationEntry]
    breaths: list[BreathCycle]
    cues: list[Cue] = field(default_factory=list)
    sections: list[tuple[int, str]] = field(default_factory=list)
    dropped_optional: int = 0

    @property
    def sample_rate(self) -> int:
        return self.profile.sample_rate

    @property
    def duration_s(self) -> float:
        return self.total_samples / self.sample_rate

    @property
    def regions(self) -> list[tuple[int, str]]:
        """A therapist's regions in order, each with the sample where it starts."""
        names = [name for name, _ in self.profile.regions]
        starts = [0] + [c.at for c in self.cues if c.kind == "region"]
        return list(zip(starts, names))

    def section_at(self, position: int) -> str:
        """The script's section, or on a therapist's track the region, at a sample."""
        current = ""
        for start, name in self.regions or self.sections:
            if start <= position:
                current = name
        return current

    def next_cue(self, position: int) -> Cue | None:
        return next((c for c in self.cues if c.at > position), None)

    @property
    def clips(self) -> list[PlacedClip]:
        return [c for e in self.narration for c in e.clips]

    def fingerprint(self) -> str:
        """A digest of everything the session's sound is made from (every time, text and
        clip of the plan): the same plan, the same digest, on any machine."""
        blob = json.dumps([self.to_json(), [c.key for c in self.clips]], sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()

    def to_json(self) -> dict[str, Any]:
        sr = self.sample_rate
        p = self.profile
        return {
            "duration_s": self.total_samples / sr,
            "total_samples": self.total_samples,
            "sample_rate": sr,
            "channels": p.channels,
            "energy": p.energy.value,
            "script": self.script_name,
            "script_title": self.script_title,
            "breathless": p.breathless,
            "ambience": p.ambience,
            "seed": p.seed,
            "fade_in_s": p.fade_in_s,
            "fade_out_s": p.fade_out_s,
            "breath_rate": {"start": p.start_rate, "target": p.target_rate, "floor": p.floor_rate},
            "first_breath_in_s": self.breaths[0].end_s if self.breaths[0].start_s < 0 else self.breaths[0].start_s,
            "narration": [
                {
                    "start_s": e.start / sr,
                    "end_s": e.end / sr,
                    "text": e.text,
                    "section": e.section,
                    "phrases": [{"start_s": c.start / sr, "end_s": c.end / sr, "text": c.text} for c in e.clips],
                }
                for e in self.narration
            ],
            "breaths": [
                {"start_s": b.start_s, "inhale_s": b.inhale_s, "exhale_s": b.exhale_s, "hold_s": b.hold_s}
                for b in self.breaths
            ],
            "cues": [
                {"at_s": c.at / sr, "kind": c.kind, **({"region": c.region} if c.region else {})} for c in self.cues
            ],
            "regions": [{"start_s": s / sr, "name": n} for s, n in self.regions],
            "sections": [{"start_s": s / sr, "name": n} for s, n in self.sections],
            "dropped_optional_lines": self.dropped_optional,
        }
