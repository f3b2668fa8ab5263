"""What a caller asks for: one dataclass, the single source of every user-facing default.

The command line's options take their defaults from here, and so does every other caller.
A value of the wrong type is refused where it is given (BadInput naming the field), not
deep inside the work it would have spoiled.
"""

from __future__ import annotations

import os
import types
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

from companion.errors import BadInput

# Each option's choices and range, declared here once: the library checks them, and the command
# line, the app's forms and the docs read them from here (defaults are SessionOptions' own).
AMBIENCES = ("pink", "brown", "none")
MIN_MINUTES, MAX_MINUTES = 2.0, 180.0  # a session's length (a mode may ask for more: modes.py)
MIN_BREATH_RATE, MAX_BREATH_RATE = 4.5, 40.0  # the listener's own rate: anything a person might breathe at
MIN_EXHALE_RATIO, MAX_EXHALE_RATIO = 1.0, 2.0  # the out-breath over the in-breath
MIN_CHIME_EVERY, MAX_CHIME_EVERY = 5.0, 60.0  # minutes between a massage track's chimes (or 0: none)
DEFAULT_CHIME_EVERY = 15.0  # massage tracks without regions: a soft chime every 15 minutes
MIN_REGION_MINUTES = 1.0  # each massage region
LEAST_SCORE, MOST_SCORE = 0, 10  # each journal rating, and the check-in's energy score
MAX_SLEEP_TIMER = 180.0  # minutes: a person's usual sleep timer (0: off)
Regions = tuple[tuple[str, float], ...]  # (region, minutes) in order


@dataclass
class SessionOptions:
    energy: str = "medium"  # low | medium | high
    minutes: float | None = None  # None: by mode, part or energy (6 / 12 / 20)
    script: str | None = None  # a built-in name or a file; None: chosen by mode and energy
    breath_rate: float | None = None  # the listener's own breaths a minute: the tone starts there
    breath_in_s: float | None = None  # seconds from the start to the listener's next breath in (from taps)
    breathless: bool = False
    exhale_ratio: float = 1.5  # out-breath over in-breath, 1 to 2
    voice: str | None = None  # None: the bundled voice; else a recorded voice's name or a Piper .onnx file
    fill_with_tts: bool = False  # a recorded voice: the synthetic voice says the phrases it lacks
    narration: bool = True
    ambience: str = "pink"  # one of AMBIENCES
    seed: int = 0
    mode: str = "relax"  # relax | massage | caregiver (see modes.py)
    part: str | None = None  # caregiver: hands | feet (default hands, or the script's part)
    regions: str | Regions | None = None  # massage: "back:15,legs:10", or (("back", 15), ("legs", 10))
    chime_every: float | None = None  # massage without regions: None means DEFAULT_CHIME_EVERY
    guided: bool = False  # massage: slow the breath as relax sessions do
    name: str | None = None  # fills {name} in scripts that use it
    safety_confirmed: bool = False  # caregiver: the safety notes have been read and confirmed
    mono: bool = False  # one channel, for a single speaker; else stereo (the bed wide, voice and tone centred)
    voices_folder: Path | None = None  # whose recorded voices `voice` names (a Person's); None: the default person's

    def __post_init__(self) -> None:
        check_types(self)


def check_types(options: Any) -> None:
    """Every field of a dataclass of options holds a value of its declared type (an int where
    a float is asked for, and a list where a tuple is, are taken; a bool is not a number),
    and its text is text (see check_text)."""
    hints = get_type_hints(type(options))
    for f in fields(options):
        value = getattr(options, f.name)
        if isinstance(value, list):
            value = _tuples(value)
            object.__setattr__(options, f.name, value)  # a frozen dataclass's too
        if not _matches(value, hints[f.name]):
            raise BadInput(
                f"'{f.name}' takes {_describe(hints[f.name])}, not {shown(value)}",
                field=f.name,
                value=value,
                allowed=_describe(hints[f.name]),
            )
        for text in _texts(value):
            check_text(f.name, text)


def _texts(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, tuple):
        return [t for v in value for t in _texts(v)]
    return []


def text_problem(text: str) -> str | None:
    """What keeps a string from being kept or shown as text: a NUL (no file name, journal or
    tag takes one), or bytes that are not UTF-8 (they reach Python as lone surrogates)."""
    if "\x00" in text:
        return "a NUL character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "bytes that are not UTF-8 text"
    return None


def check_text(field: str, text: str) -> None:
    problem = text_problem(text)
    if problem is not None:
        raise BadInput(
            f"the value given holds {problem}; give it as plain text",
            field=field,
            value=text,
            allowed="text",
        )


def _tuples(value: object) -> object:
    return tuple(_tuples(v) for v in value) if isinstance(value, (list, tuple)) else value


def _matches(value: object, hint: object) -> bool:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_matches(value, h) for h in get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if hint is float:  # a whole number too large for a float (10**400) is no length or rate
        return isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool) and _fits(value))
    if origin is tuple:
        args = get_args(hint)
        if not isinstance(value, tuple):
            return False
        if len(args) == 2 and args[1] is Ellipsis:
            return all(_matches(v, args[0]) for v in value)
        return len(value) == len(args) and all(_matches(v, a) for v, a in zip(value, args))
    if isinstance(hint, type):
        return isinstance(value, hint)
    return True  # a hint this check does not know: the value's own use decides


def _fits(number: int) -> bool:
    try:
        float(number)
    except OverflowError:
        return False
    return True


def shown(value: object) -> str:
    """A value in a message: its type and the start of its repr (which an int of 5,000 digits
    refuses to give)."""
    try:
        text = repr(value)
    except ValueError:
        text = "(too long to show)"
    return f"{type(value).__name__} {text:.60}"


def _describe(hint: object) -> str:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        return " or ".join(_describe(h) for h in get_args(hint))
    if hint is type(None):
        return "None"
    if origin is tuple:
        args = get_args(hint)
        inner = _describe(args[0]) if len(args) == 2 and args[1] is Ellipsis else ", ".join(map(_describe, args))
        return f"a tuple of ({inner})"
    names = {bool: "True or False", int: "a whole number", float: "a number", str: "text"}
    return str(names.get(hint, getattr(hint, "__name__", str(hint))))  # type: ignore[call-overload]


def check_argument(field: str, value: object, ok: bool, allowed: str) -> None:
    """A public call's argument of the wrong kind: one BadInput naming it, before any work."""
    if not ok:
        raise BadInput(
            f"'{field}' takes {allowed}, not {shown(value)}",
            field=field,
            value=value,
            allowed=allowed,
        )


def check_callable(field: str, value: object) -> None:
    check_argument(field, value, value is None or callable(value), "a function or None")


def check_path(field: str, value: object) -> None:
    text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else None
    check_argument(field, value, isinstance(text, str) and text != "", "a file or folder path")
    if "\x00" in str(text):
        raise BadInput("a file or folder path never holds a NUL character", field=field, value=value, allowed="a path")


def user_path(text: str | os.PathLike[str], field: str) -> Path:
    """A path as a person typed it, '~' expanded: one whose home folder is not here
    ('~nobody/x') is refused, not left to fail deep inside."""
    try:
        return Path(text).expanduser()
    except RuntimeError:
        raise BadInput(
            f"'{text}' starts with a home folder that is not on this machine; give the whole path",
            field=field,
            value=str(text),
        ) from None
