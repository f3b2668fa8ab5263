"""Energy level -> pacing, lengths and pauses. docs/defaults.md gives the reasons for each number."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from companion.errors import BadInput
from companion.modes import Mode, Part, get_mode
from companion.options import (
    AMBIENCES,
    DEFAULT_CHIME_EVERY,
    MAX_BREATH_RATE,
    MAX_CHIME_EVERY,
    MAX_EXHALE_RATIO,
    MAX_MINUTES,
    MIN_BREATH_RATE,
    MIN_CHIME_EVERY,
    MIN_EXHALE_RATIO,
    MIN_MINUTES,
    MIN_REGION_MINUTES,
    Regions,
    SessionOptions,
    shown,
)

SAMPLE_RATE = 44100


class Energy(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class Pacing:
    """How one energy level speaks and pauses (seconds unless named otherwise)."""

    default_minutes: float
    start_rate: float  # breaths/min when the listener's own rate is not given
    target_rate: float  # where the guided ramp heads
    max_ramp: float  # breaths/min per minute, at most
    instruction_pause: tuple[float, float, float]  # (min, default, max) between entries
    sentence_pause: tuple[float, float]  # (min, max) between the sentences of one entry
    target_wpm: float  # words per minute of one entry, pauses between its phrases included
    breathe_min: float  # shortest breathing-only stretch when a script gives none


# A lower energy slows a session with longer quiet, not dragged words (docs/defaults.md,
# "Phrasing"): whole sentences at one unhurried pace, with short breaths at commas, and the
# pauses bring each line to 85-140 wpm.
PACING: dict[Energy, Pacing] = {
    Energy.LOW: Pacing(6, 14, 10, 0.25, (4.0, 6.0, 8.0), (0.8, 2.0), 100, 20),
    Energy.MEDIUM: Pacing(12, 12, 8, 0.5, (2.0, 3.5, 5.0), (0.7, 1.8), 110, 20),
    Energy.HIGH: Pacing(20, 10, 6, 0.5, (1.5, 2.5, 4.0), (0.6, 1.6), 115, 15),
}
# Piper's phoneme length for every energy: about 3 syllables a second. One pace means one clip
# serves every energy level, so a phrase once made is ready whatever the day's energy.
SPEAKING_PACE = 1.75
COMMA_PAUSE = (0.3, 0.6)  # after a phrase that ends at a comma (' / ' after a comma)

ABSOLUTE_FLOOR = 4.5  # breaths/min, never slower
GENTLE_FLOOR = 8.0  # never slower on low energy or when breathless
GENTLE_TARGET_FLOOR = 10.0  # low/breathless target: 2 below the start, never below 10
SETTLE_S = 60.0  # at the listener's own pace before any ramp


@dataclass(frozen=True)
class Profile:
    """Everything that shapes a session apart from the script's words. Made by make_profile
    from SessionOptions, where every user-facing default lives."""

    energy: Energy
    minutes: float
    mode: Mode
    breathless: bool
    breath_rate: float | None  # the listener's own rate, if given
    breath_in_s: float  # where the tone's first rise is: the listener's next breath in (from taps), else 0
    exhale_ratio: float
    narration: bool
    ambience: str
    seed: int
    guided: bool  # the breath slows towards the target (massage: only when asked)
    regions: tuple[tuple[str, float], ...]  # massage: (region, minutes) in order
    chime_every: float  # massage without regions: minutes between chimes, 0 for none
    sample_rate: int = SAMPLE_RATE
    channels: int = 2  # stereo, or 1 (mono)
    fade_in_s: float = 3.0
    fade_out_s: float = 9.0
    tail_silence_s: float = 0.75  # digital silence after the fade-out
    lead_in_s: float = 3.0  # tone only before the first words: the fade-in, then the voice
    closing_quiet_s: float = 6.0  # tone only between the last words and the fade-out

    @property
    def pacing(self) -> Pacing:
        return PACING[self.energy]

    @property
    def gentle(self) -> bool:
        """Low energy or breathless: the gentlest breathing rules apply."""
        return self.energy is Energy.LOW or self.breathless

    @property
    def floor_rate(self) -> float:
        return GENTLE_FLOOR if self.gentle else ABSOLUTE_FLOOR

    @property
    def start_rate(self) -> float:
        rate = self.breath_rate if self.breath_rate is not None else self.pacing.start_rate
        return max(rate, self.floor_rate)

    @property
    def target_rate(self) -> float:
        start = self.start_rate
        if not self.guided:
            return start  # an accompanying, resting pace: no ramp
        if self.gentle:
            target = max(start - 2.0, GENTLE_TARGET_FLOOR)
        else:
            target = self.pacing.target_rate
        # Never push a listener faster than their own pace, never below the floor.
        return max(min(target, start), self.floor_rate)

    @property
    def max_ramp(self) -> float:
        return 0.25 if self.gentle else self.pacing.max_ramp

    @property
    def total_samples(self) -> int:
        return round(self.minutes * 60 * self.sample_rate)

    @property
    def closing_samples(self) -> int:
        """The closing quiet, the fade-out and the digital silence after it: no words here."""
        return int(round((self.closing_quiet_s + self.fade_out_s + self.tail_silence_s) * self.sample_rate))

    def with_(self, **changes: Any) -> Profile:
        return replace(self, **changes)


def parse_energy(name: str, field: str = "energy") -> Energy:
    """An energy level by its name (BadInput about `field`, the option that gave it)."""
    try:
        return Energy(name)
    except ValueError:
        raise BadInput(
            f"unknown energy level '{name}'; use low, medium or high",
            field=field,
            value=name,
            allowed=tuple(e.value for e in Energy),
        ) from None


def default_minutes(mode: Mode, energy: Energy, part: Part | None = None) -> float:
    """How long a session is when no length is asked for: the part massaged (caregiver), else
    the mode's own length (a therapist's hour), else the energy level's. The one place."""
    if part is not None:
        return part.minutes
    return mode.minutes or PACING[energy].default_minutes


def make_profile(opts: SessionOptions, part: Part | None = None) -> Profile:
    """Validate the options' values and build a Profile (raises BadInput with a clear message).
    `part` is the caregiver's part massaged, whose length is the default."""
    level = parse_energy(opts.energy)
    mode = get_mode(opts.mode)
    minutes = opts.minutes if opts.minutes is not None else default_minutes(mode, level, part)
    check_minutes(minutes, mode)
    breath_rate = opts.breath_rate
    if breath_rate is not None:
        check_breath_rate(breath_rate)
    breath_in_s = check_breath_in(opts.breath_in_s)
    if not (math.isfinite(opts.exhale_ratio) and MIN_EXHALE_RATIO <= opts.exhale_ratio <= MAX_EXHALE_RATIO):
        raise BadInput(
            f"the out-breath is {MIN_EXHALE_RATIO:g} to {MAX_EXHALE_RATIO:g} times the in-breath, "
            f"not {opts.exhale_ratio:g}",
            field="exhale_ratio",
            value=opts.exhale_ratio,
            allowed=(MIN_EXHALE_RATIO, MAX_EXHALE_RATIO),
        )
    if opts.ambience not in AMBIENCES:
        raise BadInput(
            f"unknown ambience '{opts.ambience}'; use {', '.join(AMBIENCES)}",
            field="ambience",
            value=opts.ambience,
            allowed=AMBIENCES,
        )
    if opts.seed < 0:
        raise BadInput("the seed is zero or a positive whole number", field="seed", value=opts.seed, allowed=(0, None))
    chime_every = DEFAULT_CHIME_EVERY if opts.chime_every is None else opts.chime_every
    return Profile(
        energy=level,
        minutes=float(minutes),
        mode=mode,
        breath_rate=breath_rate,
        breath_in_s=breath_in_s,
        breathless=opts.breathless,
        narration=opts.narration,
        ambience=opts.ambience,
        seed=opts.seed,
        exhale_ratio=opts.exhale_ratio,
        guided=mode.guided or opts.guided,
        regions=parse_regions(opts.regions, minutes) if opts.regions else (),
        chime_every=_check_chime_every(chime_every),
        channels=1 if opts.mono else 2,
    )


def check_breath_rate(rate: float, field: str = "breath_rate", how: str = "count your breaths for one minute") -> None:
    """The one check of a listener's own rate, however it was found (`how`: the way to find it again)."""
    try:
        number = isinstance(rate, (int, float)) and not isinstance(rate, bool) and math.isfinite(rate)
    except OverflowError:  # a whole number too large for a float
        number = False
    if not (number and MIN_BREATH_RATE <= rate <= MAX_BREATH_RATE):
        given = f"{round(rate, 1):g}" if number else shown(rate)
        raise BadInput(
            f"your own breathing rate is {MIN_BREATH_RATE:g} to {MAX_BREATH_RATE:g} breaths a minute, "
            f"not {given} ({how})",
            field=field,
            value=rate,
            allowed=(MIN_BREATH_RATE, MAX_BREATH_RATE),
        )


def check_breath_in(seconds: float | None) -> float:
    """The first breath in comes within one breath of the start, at the slowest pace there is."""
    longest = 60.0 / MIN_BREATH_RATE
    if seconds is None:
        return 0.0
    try:
        number = isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and math.isfinite(seconds)
    except OverflowError:  # a whole number too large for a float
        number = False
    if not (number and 0 <= seconds <= longest):
        given = f"{seconds:g}" if number else shown(seconds)
        raise BadInput(
            f"the first breath in comes 0 to {longest:.3g} seconds after the start, not {given}",
            field="breath_in_s",
            value=seconds,
            allowed=(0.0, longest),
        )
    return float(seconds)


def parse_regions(regions: str | Regions, minutes: float) -> Regions:
    """'back:15,legs:10' (or (('back', 15), ('legs', 10))) -> (('back', 15.0), ('legs', 10.0));
    the rest of the time goes to the last."""
    pairs = [part.partition(":")[::2] for part in regions.split(",")] if isinstance(regions, str) else regions
    parsed = []
    for name, value in pairs:
        name = name.strip()
        try:
            length = float(value)
        except ValueError:
            length = float("nan")
        if not name or not (math.isfinite(length) and length >= MIN_REGION_MINUTES):
            raise BadInput(
                f"cannot read the region '{name}:{value}'; give each region a name and its minutes, "
                f'like "back:15,legs:10,feet:10" (each at least {MIN_REGION_MINUTES:g} minute)',
                field="regions",
                value=regions,
            )
        parsed.append((name, length))
    total = sum(m for _, m in parsed)
    if total > minutes + 1e-9:
        raise BadInput(
            f"the regions add up to {total:g} minutes, more than the {minutes:g}-minute track; "
            "shorten them or choose a longer track",
            field="regions",
            value=regions,
            allowed=(None, minutes),
        )
    return tuple(parsed)


def check_minutes(minutes: float, mode: Mode) -> None:
    """The one check of a session's length, for every caller."""
    if not (math.isfinite(minutes) and mode.least_minutes <= minutes <= MAX_MINUTES):
        what = f"a {mode.name} track" if mode.least_minutes > MIN_MINUTES else "a session"
        raise BadInput(
            f"{what} lasts {mode.least_minutes:g} to {MAX_MINUTES:g} minutes, not {minutes:g}",
            field="minutes",
            value=minutes,
            allowed=(mode.least_minutes, MAX_MINUTES),
        )


def _check_chime_every(minutes: float) -> float:
    if not (math.isfinite(minutes) and (minutes == 0 or MIN_CHIME_EVERY <= minutes <= MAX_CHIME_EVERY)):
        raise BadInput(
            f"a chime comes every {MIN_CHIME_EVERY:g} to {MAX_CHIME_EVERY:g} minutes (or 0 for none), "
            f"not every {minutes:g}",
            field="chime_every",
            value=minutes,
            allowed=(MIN_CHIME_EVERY, MAX_CHIME_EVERY),
        )
    return float(minutes)
