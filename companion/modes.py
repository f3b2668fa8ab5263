"""What each kind of session means, in one table: read everywhere a mode matters.

A mode is chosen with `--for`. Each row says how long its sessions are by default,
which script it speaks, where its accompaniment sits, whether the breath slows,
which cues sound, where words may fall, and whether a safety screen comes first.
The reasons for these numbers are in docs/defaults.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from companion.errors import BadInput
from companion.options import MIN_MINUTES


@dataclass(frozen=True)
class Part:
    """What a caregiver massages: its script and its length (about 5 minutes a hand, 7 a foot)."""

    name: str
    script: str
    minutes: float


@dataclass(frozen=True)
class Mode:
    name: str
    summary: str
    minutes: float | None  # default length; None: by energy level (or by the part massaged)
    least_minutes: float  # the shortest session of this mode
    script: str | None  # default script; None: chosen by energy level (or by the part)
    bed_under_words: bool  # the bed sits 10 LU under the voice between words (narrated), or at the tones-only level
    guided: bool  # the breath slows towards the energy's target unless told otherwise
    cues: bool  # region, interval and two-minute cues (a therapist's track)
    words_within_s: float | None  # words only in the first and last this many seconds
    safety_notes: bool  # the caregiver safety screen, confirmed before anything is made
    parts: tuple[Part, ...] = ()

    def part(self, name: str | None) -> Part | None:
        """The named part (or the first, when none is named); None for modes without parts."""
        if not self.parts:
            return None
        for part in self.parts:
            if name is None or part.name == name:
                return part
        names = tuple(p.name for p in self.parts)
        raise BadInput(f"unknown part '{name}'; use {' or '.join(names)}", field="part", value=name, allowed=names)

    def part_for_script(self, script: str) -> Part | None:
        """The part whose script this is (so `--script caregiver-feet` is 16 minutes, as feet are)."""
        return next((p for p in self.parts if p.script == script), None)


RELAX = Mode(
    name="relax",
    summary="a guided relaxation for the listener",
    minutes=None,
    least_minutes=MIN_MINUTES,
    script=None,
    bed_under_words=True,
    guided=True,
    cues=False,
    words_within_s=None,
    safety_notes=False,
)
MASSAGE = Mode(
    name="massage",
    summary="a therapist's track: instrumental, words only at the opening and close",
    minutes=60.0,  # tracks are commonly 30, 60 or 90 minutes
    least_minutes=10.0,
    script="therapist",
    bed_under_words=False,  # mostly instrumental: the bed stays at the tones-only level
    guided=False,  # an accompanying, resting pace unless the options ask for a guided one
    cues=True,
    words_within_s=180.0,
    safety_notes=False,
)
CAREGIVER = Mode(
    name="caregiver",
    summary="a guided, very light hand or foot massage by a family member",
    minutes=None,
    least_minutes=MIN_MINUTES,
    script=None,
    bed_under_words=True,
    guided=True,
    cues=False,
    words_within_s=None,
    safety_notes=True,
    parts=(Part("hands", "caregiver-hands", 12.0), Part("feet", "caregiver-feet", 16.0)),
)

MODES: dict[str, Mode] = {m.name: m for m in (RELAX, MASSAGE, CAREGIVER)}
PART_NAMES = tuple(p.name for m in MODES.values() for p in m.parts)


def get_mode(name: str) -> Mode:
    try:
        return MODES[name]
    except KeyError:
        raise BadInput(
            f"unknown mode '{name}'; use {', '.join(MODES)}", field="mode", value=name, allowed=tuple(MODES)
        ) from None
