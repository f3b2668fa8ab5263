"""Today's check-in: three or four short answers choose the session, and say why.

The whole mapping is the table below (its reasons are in docs/defaults.md, "Check-in"):
how much energy today picks the level and so the length and pace; short of breath now picks
the breathing-easy script with the gentlest pacing, whatever else was answered; otherwise
what the session is for picks the script. Every answer may be skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from companion.errors import BadInput
from companion.modes import RELAX
from companion.options import LEAST_SCORE, MOST_SCORE, SessionOptions
from companion.plan.catalogue import builtin_script, default_script_name, script_for_group
from companion.plan.profile import Energy, default_minutes

GOALS = {"rest": "to rest", "sleep": "for sleep", "after-massage": "after a massage"}

# energy score (0-10, 10 = plenty) -> level: the lowest score of each band
ENERGY_BANDS = ((7, Energy.HIGH), (4, Energy.MEDIUM), (0, Energy.LOW))
ENERGY_NAMES = {Energy.LOW: "Low", Energy.MEDIUM: "Some", Energy.HIGH: "Good"}  # as a person says how much they have
ENERGY_WORDS = {level: f"{name} energy" for level, name in ENERGY_NAMES.items()}
# lengths offered for each level (the middle one is the level's usual length)
OFFERED_MINUTES = {Energy.LOW: (4.0, 6.0, 10.0), Energy.MEDIUM: (8.0, 12.0, 15.0), Energy.HIGH: (15.0, 20.0, 30.0)}


@dataclass(frozen=True)
class Answers:
    energy_score: int | None = None  # 0-10; None: skipped
    breathless: bool | None = None
    goal: str | None = None  # one of GOALS
    minutes: float | None = None

    def check(self) -> Answers:
        if self.energy_score is not None and not LEAST_SCORE <= self.energy_score <= MOST_SCORE:
            raise BadInput(
                f"the energy score is {LEAST_SCORE} (none) to {MOST_SCORE} (plenty), not {self.energy_score}",
                field="energy_score",
                value=self.energy_score,
                allowed=(LEAST_SCORE, MOST_SCORE),
            )
        if self.goal is not None and self.goal not in GOALS:
            raise BadInput(
                f"a session is for {', '.join(GOALS)}; not '{self.goal}'",
                field="goal",
                value=self.goal,
                allowed=tuple(GOALS),
            )
        return self


@dataclass(frozen=True)
class Choice:
    answers: Answers
    energy: Energy
    script: str
    minutes: float
    breathless: bool
    reason: str

    def options(self, **more: Any) -> SessionOptions:
        return SessionOptions(
            energy=self.energy.value, minutes=self.minutes, script=self.script, breathless=self.breathless, **more
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "energy": self.energy.value,
            "script": self.script,
            "minutes": self.minutes,
            "breathless": self.breathless,
            "reason": self.reason,
            "answers": {
                "energy_score": self.answers.energy_score,
                "breathless": self.answers.breathless,
                "goal": self.answers.goal,
                "minutes": self.answers.minutes,
            },
        }


def energy_level(score: int | None) -> Energy:
    if score is None:
        return Energy.MEDIUM  # skipped: the middle, neither pushing nor holding back
    return next(level for lowest, level in ENERGY_BANDS if score >= lowest)


def offered_minutes(score: int | None) -> tuple[float, ...]:
    return OFFERED_MINUTES[energy_level(score)]


def choose(answers: Answers) -> Choice:
    answers = answers.check()
    level = energy_level(answers.energy_score)
    breathless = bool(answers.breathless)
    if answers.goal in ("sleep", "after-massage") and not breathless:
        script = script_for_group(answers.goal)
    else:  # short of breath: easing the breath comes first, whatever it is for (the one rule)
        script = builtin_script(default_script_name(RELAX, level, breathless=breathless))
    minutes = answers.minutes if answers.minutes is not None else default_minutes(RELAX, level)
    why = ENERGY_WORDS[level] if answers.energy_score is not None else "No energy level given"
    if breathless:
        why += " and short of breath"
    if answers.goal is not None and not breathless:
        why += f", {GOALS[answers.goal]}"
    reason = f"{why}: {script.short}, {minutes:g} minutes"
    return Choice(answers, level, script.name, minutes, breathless, reason)


# What a listener may ask for by name (the app's Listen page), and what each plays
KINDS = {"relax": "Relax", "sleep": "Sleep", "breathing": "Breathing easy", "after-massage": "After a massage"}


def options_for_kind(kind: str, **more: Any) -> SessionOptions:
    """A relax session of this kind: its own script, or for breathing easy the gentlest
    pacing (which chooses the breathing-easy script); `more` are the other options."""
    if kind not in KINDS:
        raise BadInput(
            f"a session is one of {', '.join(KINDS)}; not '{kind}'", field="kind", value=kind, allowed=tuple(KINDS)
        )
    if kind == "breathing":
        return SessionOptions(breathless=True, **more)
    if kind == "relax":
        return SessionOptions(**more)
    return SessionOptions(script=script_for_group(kind).name, **more)
