"""What the comfort journal holds, as data: the ratings of one moment (0-10, each optional,
with a note and the breath tapped along), the session they belong to, and one row of both.
The file that keeps them is store.py."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from companion.errors import BadInput
from companion.options import LEAST_SCORE, MOST_SCORE, check_text
from companion.plan.profile import check_breath_rate

SYMPTOMS = ("pain", "tiredness", "breathlessness", "anxiety", "wellbeing")
QUESTIONS = {
    "pain": "Pain",
    "tiredness": "Tiredness",
    "breathlessness": "Breathlessness",
    "anxiety": "Anxiety",
    "wellbeing": "Wellbeing (0 best, 10 worst)",
}
TAPPED_WORDS = "Breaths a minute, by tapping"  # a rate tapped along, wherever it is shown (issue 36)
TAPPED_CAVEAT = "a rough count, tapped along with the breath, not a clinical measurement"  # said beside it
MOMENTS = ("before", "after", "alone")
MOMENT_WORDS = {"before": "before a session", "after": "after a session", "alone": "on its own"}
MAX_NOTE = 500


@dataclass(frozen=True)
class Ratings:
    pain: int | None = None
    tiredness: int | None = None
    breathlessness: int | None = None
    anxiety: int | None = None
    wellbeing: int | None = None
    note: str | None = None
    breath_rate: float | None = None  # breaths a minute, by tapping: measured, not a rating

    def check(self) -> Ratings:
        for name in SYMPTOMS:
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or not LEAST_SCORE <= value <= MOST_SCORE
            ):
                raise BadInput(
                    f"a {name} rating is a whole number from {LEAST_SCORE} to {MOST_SCORE}, not '{value}'",
                    field=name,
                    value=value,
                    allowed=(LEAST_SCORE, MOST_SCORE),
                )
        if self.breath_rate is not None:
            check_breath_rate(self.breath_rate, field="breath_rate", how="tap along again")
        if self.note is not None:
            if not isinstance(self.note, str):
                raise BadInput("a note is text", field="note", value=self.note, allowed="text")
            check_text("note", self.note)
            if len(self.note) > MAX_NOTE:
                raise BadInput(
                    f"a note is at most {MAX_NOTE} characters; this one has {len(self.note)}",
                    field="note",
                    value=self.note,
                    allowed=(0, MAX_NOTE),
                )
        return self

    @property
    def empty(self) -> bool:
        return all(getattr(self, n) is None for n in SYMPTOMS) and not self.note and self.breath_rate is None


@dataclass(frozen=True)
class SessionRecord:
    script: str
    energy: str
    mode: str
    minutes_planned: float
    minutes_heard: float | None = None
    ended: str | None = None  # finished, stopped, interrupted, rendered
    energy_score: int | None = None  # the check-in's answers, when it chose the session
    breathless: bool | None = None
    goal: str | None = None
    voice: str | None = None  # a recorded voice's name or a Piper voice file; None: the bundled voice


@dataclass(frozen=True)
class Entry:
    """One row of the journal: a rating, with the session it belongs to (if any)."""

    id: int
    at: str  # local time, ISO 8601, to the second
    moment: str
    ratings: Ratings
    session_id: int | None
    session: SessionRecord | None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "moment": self.moment,
            **{n: getattr(self.ratings, n) for n in SYMPTOMS},
            "note": self.ratings.note,
            "breath_rate": self.ratings.breath_rate,
            "session_id": self.session_id,
            "session": asdict(self.session) if self.session else None,
        }
