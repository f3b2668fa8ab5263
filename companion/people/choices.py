"""A person's own choices, kept in their folder: their preferences (what their sessions
start from) and their saved massage plans (named region lists with minutes), each one JSON
file, owner-only, written whole or not at all. Each value is checked by the rule that checks
it in a session (plan/profile.py), so a saved plan always plays."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from companion.atomic import written_atomically
from companion.errors import BadInput
from companion.modes import MASSAGE
from companion.options import (
    AMBIENCES,
    MAX_BREATH_RATE,
    MAX_MINUTES,
    MAX_SLEEP_TIMER,
    MIN_BREATH_RATE,
    MIN_MINUTES,
    check_text,
)
from companion.paths import private_folder
from companion.people.store import Person
from companion.plan.profile import check_minutes, parse_regions

ENERGIES = ("low", "medium", "high")
PLAN_NAME_CHARS = 60
MOST_PLANS = 200  # a therapist's plans for one client: more is a mistake, not a practice


@dataclass(frozen=True)
class Preferences:
    """What a person's sessions start from; None: the usual default."""

    energy: str | None = None
    minutes: float | None = None
    ambience: str | None = None  # the bed
    breath_rate: float | None = None
    voice: str | None = None  # a recorded voice's name or a Piper voice; None: the bundled one
    sleep_timer: float | None = None  # minutes, for the player's sleep timer

    def check(self) -> Preferences:
        _choice("energy", self.energy, ENERGIES)
        _choice("ambience", self.ambience, AMBIENCES)
        _number("minutes", self.minutes, MIN_MINUTES, MAX_MINUTES)
        _number("breath_rate", self.breath_rate, MIN_BREATH_RATE, MAX_BREATH_RATE)
        _number("sleep_timer", self.sleep_timer, 0.0, MAX_SLEEP_TIMER)
        if self.voice is not None:
            if not isinstance(self.voice, str):
                raise BadInput("a voice is named by text", field="voice", value=self.voice, allowed="text")
            check_text("voice", self.voice)
        return self

    @property
    def said(self) -> str:
        """The choices in words, for any front end: 'low energy, 10 minutes, brown noise'
        ('' when there are none)."""
        said = [
            f"{self.energy} energy" if self.energy is not None else None,
            f"{self.minutes:g} minutes" if self.minutes is not None else None,
            ("no noise bed" if self.ambience == "none" else f"{self.ambience} noise") if self.ambience else None,
            f"{self.breath_rate:g} breaths a minute" if self.breath_rate is not None else None,
            f"{self.voice}'s voice" if self.voice is not None else None,
            _sleep_words(self.sleep_timer),
        ]
        return ", ".join(s for s in said if s)

    def but(self, **changes: Any) -> Preferences:
        """These with some changed (None: back to the usual default), checked."""
        known = {f.name for f in fields(Preferences)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise BadInput(f"there is no preference '{unknown[0]}'", field="preferences", value=unknown[0])
        return Preferences(**{**asdict(self), **changes}).check()


def _sleep_words(minutes: float | None) -> str | None:
    if minutes is None:
        return None
    return "no sleep timer" if minutes == 0 else f"sleep timer {minutes:g} minutes"


@dataclass(frozen=True)
class MassagePlan:
    """A saved massage: its name ('back and shoulders'), its length and its regions in order."""

    name: str
    minutes: float
    regions: tuple[tuple[str, float], ...]

    def check(self) -> MassagePlan:
        if not isinstance(self.name, str):
            raise BadInput("a plan's name is text", field="plan", value=self.name, allowed="text")
        check_text("plan", self.name)
        name = " ".join(self.name.split())
        if not 1 <= len(name) <= PLAN_NAME_CHARS:
            raise BadInput(
                f"a plan's name is 1 to {PLAN_NAME_CHARS} characters, not '{name}'",
                field="plan",
                value=self.name,
                allowed=(1, PLAN_NAME_CHARS),
            )
        _number("minutes", self.minutes, MASSAGE.least_minutes, MAX_MINUTES)
        check_minutes(float(self.minutes), MASSAGE)
        if not isinstance(self.regions, (tuple, list)) or not self.regions:
            raise BadInput("a plan names at least one region", field="regions", value=self.regions)
        regions = parse_regions(tuple((str(r), m) for r, m in self.regions), float(self.minutes))
        return MassagePlan(name, float(self.minutes), regions)

    @property
    def label(self) -> str:
        """How a list shows it: 'back and shoulders, 60 min'."""
        return f"{self.name}, {self.minutes:g} min"


def preferences(person: Person) -> Preferences:
    data = _load(person.preferences_path, {})
    known = {f.name for f in fields(Preferences)}
    try:
        return Preferences(**{k: v for k, v in data.items() if k in known}).check()
    except (BadInput, TypeError):  # edited by hand, or damaged: the usual defaults, nothing else lost
        return Preferences()


def set_preferences(person: Person, prefs: Preferences) -> Preferences:
    if not isinstance(prefs, Preferences):
        raise BadInput("preferences are a Preferences", field="preferences", value=prefs, allowed="Preferences")
    prefs = prefs.check()
    _save(person.preferences_path, {k: v for k, v in asdict(prefs).items() if v is not None})
    return prefs


def massage_plans(person: Person) -> list[MassagePlan]:
    """A person's saved plans, in the order they were saved (one that no longer reads is left out)."""
    found = []
    for item in _load(person.plans_path, []):
        try:
            found.append(MassagePlan(item["name"], item["minutes"], tuple(map(tuple, item["regions"]))).check())
        except (BadInput, KeyError, TypeError, ValueError):
            continue
    return found


def save_massage_plan(person: Person, plan: MassagePlan) -> MassagePlan:
    """Keep a plan for this person; one of the same name (any case) is replaced."""
    if not isinstance(plan, MassagePlan):
        raise BadInput("a plan is a MassagePlan", field="plan", value=plan, allowed="MassagePlan")
    plan = plan.check()
    plans = [p for p in massage_plans(person) if p.name.casefold() != plan.name.casefold()]
    if len(plans) >= MOST_PLANS:
        raise BadInput(f"{person.name} has {MOST_PLANS} plans; remove one first", field="plan", value=plan.name)
    _save_plans(person, [*plans, plan])
    return plan


def remove_massage_plan(person: Person, name: str) -> MassagePlan:
    plans = massage_plans(person)
    gone = next((p for p in plans if isinstance(name, str) and p.name.casefold() == name.casefold()), None)
    if gone is None:
        raise BadInput(
            f"{person.name} has no plan called '{name}'",
            field="plan",
            value=name,
            allowed=tuple(p.name for p in plans),
        )
    _save_plans(person, [p for p in plans if p is not gone])
    return gone


def _save_plans(person: Person, plans: list[MassagePlan]) -> None:
    _save(person.plans_path, [{"name": p.name, "minutes": p.minutes, "regions": p.regions} for p in plans])


def _choice(field: str, value: object, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise BadInput(
            f"{field} is one of {', '.join(allowed)}, not '{value}'", field=field, value=value, allowed=allowed
        )


def _number(field: str, value: object, low: float, high: float) -> None:
    if value is None:
        return
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or not low <= value <= high:  # type: ignore[arg-type, operator]
        raise BadInput(
            f"{field} is from {low:g} to {high:g}, not '{value}'", field=field, value=value, allowed=(low, high)
        )


def _load(path: Path, empty: Any) -> Any:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return empty
    return data if isinstance(data, type(empty)) else empty


def _save(path: Path, data: Any) -> None:
    private_folder(path.parent)
    with written_atomically(path, private=True) as tmp:
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
