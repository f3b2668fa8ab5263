"""The session options every command shares, declared once: their defaults come from
SessionOptions and their ranges from the library's own limits."""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from companion import (
    AMBIENCES,
    DEFAULT_CHIME_EVERY,
    GENTLE_FLOOR,
    MASSAGE,
    MAX_BREATH_RATE,
    MAX_CHIME_EVERY,
    MAX_EXHALE_RATIO,
    MAX_MINUTES,
    MIN_BREATH_RATE,
    MIN_CHIME_EVERY,
    MIN_EXHALE_RATIO,
    MIN_MINUTES,
    MODES,
    PACING,
    PART_NAMES,
    SPOKEN_NAME_CHARS,
    CompanionError,
    Energy,
    ScriptError,
    SessionOptions,
    text_problem,
)

DEFAULTS = SessionOptions()  # every default below comes from here
F = TypeVar("F", bound=Callable[..., Any])
BY_ENERGY_MINUTES = " / ".join(f"{p.default_minutes:g}" for p in PACING.values())


class FiniteFloat(click.ParamType[float, object]):
    """A number; 'nan' and 'inf' are not numbers a person means. Its range is the library's
    to check (one check, one message, for every front end)."""

    name = "float"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> float:
        try:
            number = float(value)  # type: ignore[arg-type]  # a str, or a number given as the default
        except (TypeError, ValueError):
            self.fail(f"'{value}' is not a number", param, ctx)
        if not math.isfinite(number):
            self.fail(f"'{value}' is not a number", param, ctx)
        return number


def session_options(f: F) -> F:
    """The SESSION OPTIONS shared by plan and render."""
    options = [
        click.option(
            "--energy",
            type=click.Choice([e.value for e in Energy]),
            default=DEFAULTS.energy,
            show_default=True,
            help="How much energy the listener has today.",
        ),
        click.option(
            "--minutes",
            type=FiniteFloat(),
            default=None,
            help=f"Session length, {MIN_MINUTES:g} to {MAX_MINUTES:g} minutes (default by energy: {BY_ENERGY_MINUTES}; "
            f"massage {MASSAGE.minutes:g}, at least {MASSAGE.least_minutes:g}).",
        ),
        click.option(
            "--script",
            "script",
            metavar="NAME|FILE",
            default=None,
            help="A built-in script name or a script file (default chosen for the energy).",
        ),
        click.option(
            "--breath-rate",
            type=FiniteFloat(),
            default=None,
            help=f"Your own breaths per minute ({MIN_BREATH_RATE:g} to {MAX_BREATH_RATE:g}): the pace starts there.",
        ),
        click.option(
            "--breathless", is_flag=True, help=f"Breathlessness-safe pacing (never below {GENTLE_FLOOR:g}/min)."
        ),
        click.option(
            "--exhale-ratio",
            type=FiniteFloat(),
            default=DEFAULTS.exhale_ratio,
            show_default=True,
            help=f"How much longer each out-breath is than the in-breath "
            f"({MIN_EXHALE_RATIO:g} to {MAX_EXHALE_RATIO:g}).",
        ),
        click.option(
            "--voice",
            metavar="NAME|FILE",
            default=None,
            help="'joe' (bundled, default), a recorded voice (see 'companion voice list') or a Piper .onnx file.",
        ),
        click.option(
            "--fill-with-tts", is_flag=True, help="A recorded voice: the bundled voice says the phrases it lacks."
        ),
        click.option("--no-narration", is_flag=True, help="Tones and ambience only."),
        click.option(
            "--ambience",
            type=click.Choice(AMBIENCES),
            default=DEFAULTS.ambience,
            show_default=True,
            help="The soft noise bed under the tone.",
        ),
        click.option(
            "--for",
            "mode",
            type=click.Choice(list(MODES)),
            default=DEFAULTS.mode,
            show_default=True,
            help="relax; massage (a therapist's track); caregiver (a guided hand or foot massage).",
        ),
        click.option(
            "--part",
            type=click.Choice(PART_NAMES),
            default=None,
            help=f"Caregiver: {' or '.join(PART_NAMES)} (default {PART_NAMES[0]}).",
        ),
        click.option(
            "--regions",
            metavar="NAME:MIN,...",
            default=None,
            help="Massage: regions in order, e.g. 'back:15,legs:10' (a chime at each change).",
        ),
        click.option(
            "--chime-every",
            type=FiniteFloat(),
            default=None,
            help=f"Massage without regions: minutes between chimes, {MIN_CHIME_EVERY:g} to {MAX_CHIME_EVERY:g} "
            f"(default {DEFAULT_CHIME_EVERY:g}; 0 for none).",
        ),
        click.option("--mono", is_flag=True, help="One channel, for a single speaker (default: stereo, the bed wide)."),
        click.option("--guided", is_flag=True, help="Massage: slow the breath gently, as relax sessions do."),
        click.option(
            "--name",
            default=None,
            help=f"A first name (up to {SPOKEN_NAME_CHARS} letters), for scripts that greet the listener by name.",
        ),
        click.option(
            "--seed",
            type=click.IntRange(0, 2**63 - 1),
            metavar="INTEGER",
            default=DEFAULTS.seed,
            help="Any whole number from 0: the same options and seed give the same bytes.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def options(kw: dict[str, Any]) -> SessionOptions:
    """SessionOptions from the session options' values (all of them, by name)."""
    values = {k: v for k, v in kw.items() if k != "no_narration"}
    return SessionOptions(**values, narration=not kw["no_narration"])


class UserPath(click.Path):
    """A file or folder as typed: click's, with a NUL refused in words (the system would raise)."""

    def __init__(self) -> None:
        super().__init__(path_type=Path)

    def convert(
        self, value: str | os.PathLike[str], param: click.Parameter | None, ctx: click.Context | None
    ) -> str | bytes | os.PathLike[str]:
        if isinstance(value, str) and "\x00" in value:
            self.fail("a file or folder path never holds a NUL character", param, ctx)
        return super().convert(value, param, ctx)


class Device(click.ParamType[int | str, object]):
    """A sound output as sounddevice takes it: a small whole number is an index, anything else
    part of a name (whether there is such an output is the library's to check)."""

    name = "device"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> int | str:
        if isinstance(value, int):
            return value
        if not isinstance(value, str):
            self.fail(f"'{value}' is not a sound output", param, ctx)
        problem = text_problem(value)
        if problem is not None:
            self.fail(f"a sound output's name never holds {problem}", param, ctx)
        return int(value) if value.isascii() and value.isdigit() and len(value) < 10 else value


class Address(click.ParamType[str, object]):
    """This computer's address on a network, as the app listens there: four numbers (IPv4)."""

    name = "address"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> str:
        import ipaddress

        try:
            return str(ipaddress.IPv4Address(str(value)))
        except ValueError:
            self.fail(f"'{value}' is not an address such as 192.168.1.20", param, ctx)


# A library error names the field that was wrong; here is how a person types it on the
# command line, where that is not simply the field's name with dashes (or, for an argument,
# in capitals): the first of these the command has.
FLAG_FOR_FIELD = {
    "mode": ("--for",),
    "safety_confirmed": ("--yes",),
    "narration": ("--no-narration",),
    "folder": ("OUT_DIR", "FOLDER"),
    "recordings": ("FOLDER",),
    "mapping": ("--map",),
    "ids": ("--id",),
    "voice": ("--voice", "NAME"),
    "script": ("--script", "SCRIPT", "NAME", "FILE"),
    "path": ("--output", "PATH"),
}


def flag_for(exc: CompanionError, known: set[str]) -> str | None:
    """The flag (with its value, where one value would do) that mends what `exc` is about;
    `known` holds the command's flags and its arguments' names."""
    if exc.field is None or isinstance(exc, ScriptError):  # a script's own line, not an option
        return None
    one = exc.allowed[0] if isinstance(exc.allowed, tuple) and len(exc.allowed) == 1 else None
    if exc.field == "mode" and one is not None:
        return f"--for {one}"
    if exc.field == "scripts" and one is not None:
        return f"--{one}"  # a therapist's or caregiver's script comes with --massage or --caregiver
    names = (*FLAG_FOR_FIELD.get(exc.field, ()), "--" + exc.field.replace("_", "-"), exc.field.upper())
    return next((name for name in names if name in known), None)


def in_terms_of_flags(exc: CompanionError, known: set[str]) -> str:
    flag = flag_for(exc, known)
    return f"{exc.message} ({flag})" if flag else exc.message


def plainly(text: str) -> str:
    """Text on one line of the terminal, as typed: a line break, a tab, a control sequence or a
    byte that is not UTF-8 is shown escaped (\\n, \\x1b, \\udcff), never acted on (no faked
    lines, no changed window title)."""
    return "".join(
        ch if ch == " " or unicodedata.category(ch)[0] not in "CZ" else ch.encode("unicode_escape").decode("ascii")
        for ch in text
    )
