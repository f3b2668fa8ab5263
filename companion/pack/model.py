"""A pack's data: what was asked for (PackOptions), each track (Track), what the folder
holds (Manifest) and what a run did (PackResult), and how the pack writes its own small
files. Imported by the pack's other modules, it imports none of them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from companion.atomic import written_atomically
from companion.errors import BadInput, OutputError
from companion.options import SessionOptions, check_types

FORMATS = ("mp3", "ogg", "opus", "flac")
DEFAULT_NAME = "Comfort at home"
MANIFEST = ".companion-pack.json"
MANIFEST_VERSION = 1
MAX_NAME = 60


@dataclass
class PackOptions:
    name: str = DEFAULT_NAME  # the album name on every track, and the page's title
    energies: tuple[str, ...] = ("low", "medium", "high")
    scripts: tuple[str, ...] | None = None  # None: the default set (above), a sleep and a breathing-easy track
    format: str = "mp3"
    massage: bool = False  # add a therapist's track
    caregiver: bool = False  # add the caregiver's hand and foot tracks (their safety notes confirmed)
    jobs: int | None = None  # renders at once; None: one per core
    safety_confirmed: bool = False

    def __post_init__(self) -> None:
        check_types(self)
        if self.jobs is not None and self.jobs < 1:
            raise BadInput(
                f"a pack is made by at least one job at a time, not {self.jobs}",
                field="jobs",
                value=self.jobs,
                allowed=(1, None),
            )


@dataclass(frozen=True)
class Track:
    number: int
    group: str  # "Low energy", "Sleep", "Massage", "Caregiver"
    short: str
    purpose: str
    options: SessionOptions
    file: str  # its file name in the pack folder

    @property
    def minutes(self) -> float:
        assert self.options.minutes is not None  # every pack track names its length
        return self.options.minutes

    @property
    def title(self) -> str:
        if self.group.endswith("energy"):
            return f"{self.short} ({self.group.lower()}, {self.minutes:g} min)"
        return f"{self.short} ({self.minutes:g} min)"


@dataclass
class PackResult:
    folder: Path
    tracks: list[Track]
    made: list[str]  # file names rendered this time
    kept: list[str]  # file names already complete
    removed: list[str]  # earlier tracks no longer in the pack
    page: Path
    playlist: Path
    printable: Path


Progress = Callable[[float, int], None]  # (tracks done, fractions included; tracks to make)


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or any(ord(c) < 32 for c in name):
        raise BadInput(
            f"give the pack a name of 1 to {MAX_NAME} characters", field="name", value=name, allowed=(1, MAX_NAME)
        )
    return name


def file_safe(text: str) -> str:
    """A name every player and file system takes: no slashes, colons or other reserved marks."""
    return re.sub(r'[\\/:*?"<>|]+', "-", text).strip(" .") or "pack"


@dataclass
class Manifest:
    """What the folder holds: for each finished track, the hash of its inputs and what the page
    needs (its breath schedule and chapters), so a later run can skip it and still list it."""

    path: Path
    tracks: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == MANIFEST_VERSION and isinstance(data.get("tracks"), dict):
                return cls(path, data["tracks"])
        except (OSError, ValueError, AttributeError):
            pass  # missing or damaged: every track is checked as if new (and remade)
        return cls(path)

    def complete(self, track: Track, inputs: str) -> bool:
        entry = self.tracks.get(track.file)
        if entry is None or entry.get("inputs") != inputs:
            return False
        folder = self.path.parent
        try:
            if (folder / track.file).stat().st_size != entry.get("bytes"):
                return False
        except OSError:
            return False
        notes = entry.get("notes")
        return notes is None or (folder / notes).is_file()

    def save(self) -> None:
        write_file(self.path, json.dumps({"version": MANIFEST_VERSION, "tracks": self.tracks}, sort_keys=True) + "\n")


def write_file(path: Path, data: bytes | str) -> Path:
    """One of the pack's own files, whole or not at all; an unchanged file is left as it is."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.is_file() and path.read_bytes() == content:
            return path
        with written_atomically(path) as tmp:
            tmp.write_bytes(content)
    except OSError as exc:
        raise OutputError(f"could not write '{path}' ({exc.strerror}); run the same command again") from None
    return path
