"""A person's usual choices in the app (issue 33): Listen, Today and Massage open filled in
with the page's person's usual energy, length, bed, pace and voice; a tick on Listen ("Keep
these as Ada's usual", never ticked by itself) keeps what was chosen; the session page's
sleep timer starts at their usual; the People page shows each person's. Nothing changes
them behind anyone's back: only that tick, or the command line's `people prefer`."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request

from companion import MASSAGE, Person, Preferences, SessionOptions, preferences, set_preferences
from companion.app.whose import person_of

SLEEP_CHOICES = (15.0, 30.0, 45.0, 60.0)  # the player's own; a usual one besides them is added


def usual(request: Request) -> Preferences:
    """The page's person's usual choices (none for a page that has no person)."""
    return preferences(person_of(request))


def lengths_with(lengths: tuple[int, ...], minutes: float | None, least: float = 0.0) -> list[str]:
    """The lengths a page offers, with the person's usual one among them (when it fits here)."""
    offered = {float(m) for m in lengths}
    if minutes is not None and minutes >= least:
        offered.add(float(minutes))
    return [f"{m:g}" for m in sorted(offered)]


def picked_for_listen(request: Request, voices: list[str]) -> dict[str, Any]:
    """What Listen opens with: a voice and energy the address names (after recording), else
    the person's usual ones, else the usual defaults (the template's)."""
    kept = usual(request)
    voice = request.query_params.get("voice") or (kept.voice if kept.voice in voices else None)
    return {
        "energy": request.query_params.get("energy") or kept.energy,
        "minutes": None if kept.minutes is None else f"{kept.minutes:g}",
        "voice": voice,
        "ambience": kept.ambience,
        "breath_rate": None if kept.breath_rate is None else f"{kept.breath_rate:g}",
    }


def massage_form(request: Request, form: dict[str, str] | None) -> dict[str, str]:
    """The Massage form as it opens: the person's usual bed, and their usual length where it is
    a therapist's track's; a saved plan the address names over them."""
    kept, opened = usual(request), dict[str, str]()
    if kept.ambience is not None:
        opened["ambience"] = kept.ambience
    if kept.minutes is not None and kept.minutes >= MASSAGE.least_minutes:
        opened["minutes"] = f"{kept.minutes:g}"
    return {**opened, **(form or {})}


def keep_if_asked(someone: Person, form: FormData, options: SessionOptions, breath_rate: float | None) -> str | None:
    """Listen's tick: the choices made (the length as chosen, the pace as typed, not tapped) kept
    as the person's usual; the sleep timer stays as it was. The words that say so, or None."""
    if form.get("keep") != "yes":
        return None
    chosen = str(form.get("minutes") or "").strip()
    kept = set_preferences(
        someone,
        preferences(someone).but(
            energy=options.energy,
            minutes=options.minutes if chosen else None,
            ambience=options.ambience,
            breath_rate=breath_rate,
            voice=options.voice,
        ),
    )
    return f"Kept as {someone.name}'s usual: {kept.said or 'the defaults'}."


def sleep_choices(request: Request) -> tuple[list[tuple[str, str]], str]:
    """The session page's sleep timer: its choices (the usual one among them) and the one it
    starts on ('' off)."""
    minutes = usual(request).sleep_timer
    offered = set(SLEEP_CHOICES) | ({minutes} if minutes else set())
    choices = [(f"{m:g}", f"{m:g} minutes") for m in sorted(offered)]
    return choices, f"{minutes:g}" if minutes else ""
