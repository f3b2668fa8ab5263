"""The library's public API, fuzzed (issue 35): every public function's every argument, every
SessionOptions and PackOptions field and the fields of the tags a caller may give render(),
found by walking companion._EXPORTS and each function's signature, so a new argument is
fuzzed the day it is added.

A door is one argument (or field). Its hostile values are any Python value a caller might
pass: wrong types, NaN, infinities, integers past 64 bits, text with NUL, control characters
and lone surrogates, huge strings, containers, numpy scalars, paths that are folders,
missing, devices, FIFOs... Each call either works or raises the library's own error:
BadInput (or DoesNotFit) naming the field given, or another CompanionError (a full disk's
OutputError, no sound output's NoDevice). Never ValueError, TypeError, OverflowError,
KeyError or any other exception from inside. Found cases are kept in FOUND, explicit
@examples on their door's test.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import companion
from companion.errors import BadInput, CompanionError
from companion.output.tags import Chapter
from tests.cli_fuzz import FLOATS, INTEGERS, PACK_FOLDERS, PATHS, TEXT, hostile_text
from tests.fuzzing import after_listed

# -- the doors -------------------------------------------------------------------------------

OPTION_CLASSES = ("SessionOptions", "PackOptions", "TrackTags")  # a caller fills their fields
INPUT_CLASSES = ("DeviceOutput",)  # made by a caller from their own values


@dataclass(frozen=True)
class Door:
    owner: str  # the public name: a function, or a class whose fields (or arguments) these are
    name: str  # the argument's or field's name
    kind: str  # "argument" or "field"

    @property
    def id(self) -> str:
        return f"{self.owner}.{self.name}"


def _public() -> list[tuple[str, Any]]:
    return [(name, getattr(companion, name)) for name in sorted(companion._EXPORTS)]


# The public names the front ends use to keep their own files and word their own pages (the
# journal, recorded voices, the check-in, scripts, folders): each is reached from the command
# line's and the app's doors, which tests/cli_fuzz.py and tests/app_fuzzing.py fuzz; not here yet.
THROUGH_THE_FRONT_ENDS = frozenset(
    {
        "add_voice", "added_voice_path", "blocks_in_order", "builtin_folder", "builtin_script",
        "check_in", "check_options", "check_output_path", "check_spoken_name", "check_writable", "choose_tracks",
        "claim_warnings", "clock", "confirm_safety", "counted", "cue_words", "end_with_parent",
        "export_journal", "file_safe", "gather_report", "import_takes", "journal_chart", "level_bar",
        "load_script", "numbered_files", "offered_minutes", "options_for_kind", "owner_only",
        "pack_card", "personalise", "phrases_by_energy", "plan_captions", "plan_picture", "play_again",
        "play_back", "plot_journal", "plot_plan", "private_folder", "record_take", "recorded_voices",
        "recording_order", "resolve_script", "script_json", "script_phrases", "short_term_of_blocks", "take_for",
        "text_problem", "unrecorded_phrases", "unrecorded_tracks", "write_report", "written_atomically",
        # a person's own (issue 33): the people commands and the app's picker and Massage page
        "check_person_name", "export_person", "massage_plans", "preferences", "remove_massage_plan",
        "save_massage_plan", "set_preferences",
    }
)  # fmt: skip


def _doors() -> list[Door]:
    doors = []
    for name, obj in _public():
        if name in THROUGH_THE_FRONT_ENDS:
            continue
        if name in OPTION_CLASSES:
            doors += [Door(name, f.name, "field") for f in dataclasses.fields(obj)]
        elif inspect.isfunction(obj) or name in INPUT_CLASSES:
            params = inspect.signature(obj).parameters
            doors += [Door(name, p, "argument") for p in params if p != "self"]
    return doors


DOORS = _doors()


# -- hostile Python values ----------------------------------------------------------------------


class _Odd:
    """An object a caller might pass by mistake: it is nothing the library asked for."""

    def __repr__(self) -> str:
        return "<odd>"


def _values() -> list[Any]:
    return [
        None, True, False, 0, -1, 1, 2**63, 2**64, -(2**64), 10**400, math.nan, math.inf, -math.inf, -0.0, 1e308,
        5e-324, 0.5, "", b"", b"\xff", b"low", [], (), {}, {"a": 1}, ["low"], ("low", 3), ((None,),), set(),
        frozenset({"low"}), object(), _Odd(), Path("/dev/null"), lambda *a, **k: None, ValueError("x"),
        type, Ellipsis, complex(1, 2), Decimal("NaN"), Decimal("1e999"), Fraction(1, 3), np.float64("nan"),
        np.int64(-1), np.array([1.0, 2.0]), np.float32(6.0), range(3), print,
        # regions as pairs, and a caller's own chapters
        (("back", 10**400),), (("back", math.nan),), (("back", -1),), (("", 5.0),), (("back",),), (("back", "15"),),
        _Chapters(math.nan, 1.0), _Chapters(5.0, 1.0), _Chapters(0.0, 1e308), _Chapters(-1.0, 2.0),
        _Chapters(0.0, math.inf), _Chapters(0.0, 2**40),
    ]  # fmt: skip


@dataclass(frozen=True)
class _Chapters:
    """A caller's chapters with these times: made in the call (a bad one is refused as it is made)."""

    start_s: float
    end_s: float

    def made(self) -> tuple:
        return (Chapter(self.start_s, self.end_s, "A chapter"),)


def folders(real: bool) -> st.SearchStrategy[Any]:
    """A pack's folder: as on the command line, only ones where a pack cannot be made (a new
    one is a whole pack made, seconds), and values that are no path at all."""
    found = [p for p in PACK_FOLDERS if "{full}" not in p or real]
    return st.one_of(st.sampled_from(found), st.sampled_from(found).map(Path), st.sampled_from(_values()))


def hostile(real: bool) -> st.SearchStrategy[Any]:
    """Any value a caller might pass: odd objects, numbers and text as the command line's fuzzer
    draws them (parsed), and paths to hostile files ({ws})."""
    numbers = st.sampled_from(INTEGERS + FLOATS).map(_number)
    paths = st.sampled_from([p for p in PATHS + PACK_FOLDERS if "{full}" not in p or real])
    return st.one_of(
        st.sampled_from(_values()),
        st.sampled_from(TEXT),
        hostile_text(),
        numbers,
        st.integers().map(lambda i: i * 10**30),
        st.floats(),
        paths,
        paths.map(Path),
        st.lists(st.one_of(hostile_text(), st.integers(), st.floats()), max_size=4).map(tuple),
    )


def _number(text: str) -> object:
    for kind in (int, float):
        try:
            return kind(text)
        except (ValueError, OverflowError):
            pass
    return text


def default(door: Door) -> Any:
    """What the door takes when the caller says nothing (a value that is no case to fuzz)."""
    owner = getattr(companion, door.owner)
    if door.kind == "field":
        f = next(f for f in dataclasses.fields(owner) if f.name == door.name)
        return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    return inspect.signature(owner).parameters[door.name].default


def is_default(value: Any, given: Any) -> bool:
    if value is given:
        return True
    try:
        return type(value) is type(given) and bool(value == given)
    except (ValueError, TypeError):  # an array's == is an array
        return False


# -- calling a door -----------------------------------------------------------------------------


@dataclass
class Calls:
    """The valid call each door's hostile value is put into (cheap: the fake voice, a two-minute
    low-energy session, a pack already made)."""

    ws: Path
    session: Any  # a made session, to render, play and tag
    pack: Path

    def call(self, door: Door, value: Any) -> Any:
        value = _placed(value, self.ws)
        if isinstance(value, _Chapters) and door.name == "chapters":
            value = value.made()  # elsewhere: an odd object like any other
        if door.owner == "SessionOptions":
            options = companion.SessionOptions(**{**SESSION, door.name: value})
            return companion.make_session(options, confirm=lambda notes: True)
        if door.owner == "PackOptions":
            opts = companion.PackOptions(**{**PACK, door.name: value})
            return companion.make_pack(self.pack, opts)
        if door.owner == "TrackTags":
            tags = companion.TrackTags(**{**TAGS, door.name: value})
            return companion.render(self.session, self.ws / "out" / "tagged.wav", tags)
        function = getattr(companion, door.owner)
        return function(**{**self.valid(door.owner), door.name: value})

    def valid(self, owner: str) -> dict[str, Any]:
        """The arguments of a valid call (besides the door's own)."""
        session_args = {"options": companion.SessionOptions(**SESSION)}
        return {
            "make_plan": session_args,
            "make_session": session_args,
            "prepare_voice": {},
            "voice_ready": {},
            "synthesise_apart": {},  # None, the valid value these calls give, makes the voice here
            "render": {"session": self.session, "path": self.ws / "out" / "s.wav"},
            "track_tags": {"session": self.session},
            "play": {"session": self.session, "output": _QuickOutput()},
            "make_pack": {"folder": self.pack, "opts": companion.PackOptions(**PACK)},
            "DeviceOutput": {},
            "output_devices": {},
            "breath_from_taps": {"taps": [0.0, 4.0, 8.0, 12.0]},
            "breath_from_intervals": {"intervals": [4.0, 4.0, 4.0], "since_last_s": 1.0},
            "rate_words": {"rate": 15.0},
            "check_voice_name": {"voice": "joe"},
            "plan_in_step": {"plan": self.session.plan, "breath_in_s": 1.0},
        }[owner]


SESSION: dict[str, Any] = {"energy": "low", "minutes": 2.0, "mono": True}
PACK: dict[str, Any] = {
    "energies": ("low",),
    "scripts": ("settling",),
    "format": "flac",
    "jobs": 1,
}  # as the pack template
TAGS: dict[str, Any] = {"title": "A title", "album": "An album"}


class _QuickOutput:
    """An output that takes the session at once (a device takes a second even when null)."""

    def play(self, blocks, status) -> None:
        for _ in blocks:
            pass

    def abort(self) -> None: ...


def _placed(value: Any, ws: Path) -> Any:
    if isinstance(value, str) and "{ws}" in value:
        return value.replace("{ws}", str(ws))
    if isinstance(value, Path) and "{ws}" in str(value):
        return Path(str(value).replace("{ws}", str(ws)))
    return value


# -- what every call must show ------------------------------------------------------------------

# A field's error may name the field that mends it: a part is refused as a matter of the mode
# (and a script written for other energy levels, or longer than the session, as a matter of those)
MENDED_BY = {
    "part": {"mode"},
    "regions": {"mode"},
    "chime_every": {"mode"},
    "guided": {"mode"},
    "script": {"energy", "minutes"},
    "chapters": {"start_s", "end_s"},  # a chapter's own fields, refused as it is made
}


def check(door: Door, value: Any, call: Callable[[], Any]) -> None:
    said = f"{door.id} = {value!r:.200}"
    try:
        call()
    except BadInput as exc:
        allowed = {door.name} | MENDED_BY.get(door.name, set())
        assert exc.field in allowed, f"{said}\nBadInput about {exc.field!r}, not {door.name!r}: {exc}"
        shown = exc.message.replace(str(value), "").replace(repr(value), "")
        assert not re.search(r"--[a-z]", shown), f"{said}\na library error names a flag: {exc}"
    except CompanionError:
        pass  # the documented errors: a full disk, no sound output...
    except BaseException as exc:
        raise AssertionError(f"{said}\n{type(exc).__name__} from inside: {exc!s:.300}") from exc


# -- the tests, one per door --------------------------------------------------------------------

# Every case the fuzzer found, by door: each stays an explicit @example on its door's test.
FOUND: dict[str, list[Any]] = {
    "track_tags.session": [None],  # AttributeError: track_tags did not check its session
    # OverflowError: a whole number too large for a float reached math.isfinite
    "SessionOptions.minutes": [10**400],
    "SessionOptions.breath_rate": [10**400],
    "SessionOptions.exhale_ratio": [10**400],
    "SessionOptions.chime_every": [10**400],
    "SessionOptions.regions": [(("back", 10**400),)],
    # ValueError, OverflowError from the tag writer: a chapter's times were never checked
    "TrackTags.chapters": [_Chapters(math.nan, 1.0), _Chapters(-1.0, 2.0), _Chapters(0.0, 1e308)],
    # TypeError: keys that give no context manager reached the with statement
    "play.keys": [type, print],
}


def door_tests(profile, real: bool, sweep: bool = False) -> dict[str, Callable]:
    """A test for each door (with `sweep`, every listed hostile value of its kind is an
    explicit example too: a deep run's hundred draws need not meet each of them)."""
    return {_test_name(door): _door_test(door, profile, real, sweep) for door in DOORS}


def curated(door: Door, real: bool) -> list[Any]:
    """The listed hostile values for a door, by what it takes: odd objects for every door, text
    where it takes text, numbers where it takes numbers, paths where it takes a path."""
    taken = annotation(door)
    found = list(_values())
    if door.id == "make_pack.folder":  # only folders where no pack can be made (see folders())
        return found + [p for p in PACK_FOLDERS if "{full}" not in p or real]
    if "str" in taken:
        found += TEXT
    if "int" in taken or "float" in taken:
        found += [_number(v) for v in INTEGERS + FLOATS]
    if "Path" in taken:
        listed = PACK_FOLDERS if door.id == "make_pack.folder" else PATHS
        found += [p for p in listed if "{full}" not in p or real]
    return found


def annotation(door: Door) -> str:
    owner = getattr(companion, door.owner)
    if door.kind == "field":
        return str(next(f.type for f in dataclasses.fields(owner) if f.name == door.name))
    return str(inspect.signature(owner).parameters[door.name].annotation)


def _test_name(door: Door) -> str:
    return "test_api__" + re.sub(r"\W", "_", f"{door.owner}__{door.name}")


def _door_test(door: Door, profile, real: bool, sweep: bool) -> Callable:
    given_default = default(door)
    flag = isinstance(given_default, bool)
    # a function given where a function is asked for is the caller's to get right: what it raises is its own
    callback = any(kind in annotation(door) for kind in ("Callable", "Progress")) and door.id != "play.keys"

    listed = curated(door, real) if sweep else []

    @after_listed(profile, len(listed))
    @given(value=folders(real) if door.id == "make_pack.folder" else hostile(real))
    def test(value: Any, calls: Calls) -> None:
        if is_default(value, given_default) or (flag and isinstance(value, bool)) or (callback and callable(value)):
            return  # what it takes anyway (opts=None is the whole default pack; massage=True an hour's track)
        check(door, value, lambda: calls.call(door, value))

    for found in FOUND.get(door.id, []) + listed:
        test = example(value=found)(test)
    test.__name__ = _test_name(door)
    test.__doc__ = f"companion.{door.id}: a hostile value is the library's own error, naming it."
    if sweep and door.id in SLOW_DOORS:
        test = pytest.mark.slow(SLOW_DOORS[door.id])(test)
    return test


# Doors whose valid values are many and each some work: slow in a deep run, by nature
SLOW_DOORS = {
    "PackOptions.name": "each valid name keeps the pack and makes its page, playlist and PDF again",
    "PackOptions.jobs": "each valid number keeps the pack and makes its page, playlist and PDF again",
}


@pytest.fixture(name="calls")
def calls_fixture(workspace, in_process, monkeypatch) -> Calls:
    """The workspace of tests/cli_fuzz.py (its hostile files, a pack already made), this
    process set up as there (the fake voice), and a session made."""
    workspace.reset(pack=True)
    monkeypatch.chdir(workspace.cwd)
    # to be rendered, played and tagged: the cheapest there is (no words, no bed), a tenth of a second
    session = companion.make_session(companion.SessionOptions(**SESSION, narration=False, ambience="none"))
    return Calls(workspace.root, session, workspace.root / "pack")
