"""A pack's data: what was asked for (PackOptions), each track (Track), what the folder
holds (Manifest) and what a run did (PackResult), and how the pack writes its own small
files. Imported by the pack's other modules, it imports none of them.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from companion.atomic import write_failed, written_atomically
from companion.errors import BadInput
from companion.options import SessionOptions, check_types

FORMATS = ("mp3", "ogg", "opus", "flac")
DEFAULT_NAME = "Comfort at home"
MANIFEST = ".companion-pack.json"
MANIFEST_VERSION = 2  # 2: the sound's hash apart from the tags, and the content's hash
MAX_NAME = 60


@dataclass
class PackOptions:
    name: str = DEFAULT_NAME  # the album name on every track, and the page's title
    energies: tuple[str, ...] = ("low", "medium", "high")
    scripts: tuple[str, ...] | None = None  # None: the default set (above), a sleep and a breathing-easy track
    format: str = "mp3"
    massage: bool = False  # add a therapist's track
    caregiver: bool = False  # add the caregiver's hand and foot tracks (their safety notes confirmed)
    voice: str | None = None  # None: the bundled voice; else a recorded voice's name (the bundled voice
    # says the phrases it lacks) or a Piper .onnx file, as SessionOptions.voice
    jobs: int | None = None  # renders at once; None: one per core
    voices_folder: Path | None = None  # whose recorded voices `voice` names (a Person's); None: the default person's
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
    kept: list[str]  # file names already complete (re-tagged ones included)
    removed: list[str]  # earlier tracks no longer in the pack (or there under another name)
    page: Path
    playlist: Path
    printable: Path
    retagged: list[str] = field(default_factory=list)  # kept, with new tags or a new name: not rendered again
    notes: list[str] = field(default_factory=list)  # what the person should know (a record set aside)


Progress = Callable[[float, int], None]  # (tracks done, fractions included; tracks to make)


def check_name(name: str) -> str:
    name = " ".join(name.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():  # a line break or a control sequence
        raise BadInput(
            f"give the pack a name of 1 to {MAX_NAME} characters", field="name", value=name, allowed=(1, MAX_NAME)
        )
    return name


SEPARATORS = re.compile(r"\s*[\\/:|]+\s*")  # marks that part a name: " - " in their place
DROPPED = re.compile(r"[*?<>\x00-\x1f\x7f]")  # marks no file system takes, and control characters
DASHES_AND_SPACES = re.compile(r"[ -]*(?: -|- )[ -]*")  # a run of both: one dash between spaces
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"{d}{i}" for d in ("COM", "LPT") for i in range(1, 10))}
MAX_FILE_NAME = 120  # bytes: a file name's stem, with room for a suffix and a folder on any file system


def file_safe(text: str, fallback: str = "pack") -> str:
    """A file or folder name every player and file system takes (FAT, NTFS, ext4, APFS), with
    no stray punctuation: "Massage: welcome and closing" is "Massage - welcome and closing".
    A colon, slash or bar parts the words with a dash; question marks, stars, angle brackets
    and control characters go; double quotes become single ones. No dot, space or dash at
    either end, no name Windows keeps for a device (CON, NUL, COM1...), at most
    MAX_FILE_NAME bytes; `fallback` when nothing is left."""
    name = unicodedata.normalize("NFC", text).replace('"', "'")
    name = SEPARATORS.sub(" - ", DROPPED.sub(" ", name))
    name = " ".join(name.split())
    name = DASHES_AND_SPACES.sub(" - ", name)  # "welcome- and", "a -- b": "welcome - and", "a - b"
    encoded = name.encode("utf-8")[:MAX_FILE_NAME]
    name = encoded.decode("utf-8", errors="ignore").strip(" .-")
    if name.split(".")[0].strip().upper() in WINDOWS_DEVICES:
        name = f"File {name}"
    return name or fallback


# What a finished track's manifest entry holds, and of what type (anything else: damaged).
ENTRY_FIELDS: dict[str, type | tuple[type, ...]] = {
    "sound": str,  # the hash of everything its sound depends on (not its tags)
    "tags": list,  # [album, title, number, total, purpose]: changed by a re-tag, not a render
    "sha256": str,  # the file's own content, checked before it is kept
    "bytes": int,
    "notes": (str, type(None)),  # the safety notes beside a caregiver track
    "title": str,
    "duration_s": (int, float),
    "breaths": list,  # the page's breathing guide: [start, in, out] seconds
    "chapters": list,  # [start seconds, title]
}


@dataclass
class Manifest:
    """What the folder holds: for each finished track, the hash of what its sound depends
    on, its tags, its content's hash and what the page needs (its breath schedule and
    chapters), so a later run keeps it (or only re-tags it) and still lists it. `earlier`
    names files an older record listed: removed once the pack is complete, never before."""

    path: Path
    tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    earlier: dict[str, str | None] = field(default_factory=dict)  # file -> its notes
    set_aside: Path | None = None  # a damaged record, moved aside to be rebuilt

    @classmethod
    def load(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        except OSError:
            raw = b""
        try:
            data = json.loads(raw.decode("utf-8"))
        except ValueError:
            data = None
        if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION and _entries_ok(data.get("tracks")):
            earlier = data.get("earlier", {})
            if isinstance(earlier, dict) and all(isinstance(n, (str, type(None))) for n in earlier.values()):
                return cls(path, data["tracks"], earlier)
        if isinstance(data, dict) and isinstance(data.get("version"), int) and data["version"] < MANIFEST_VERSION:
            tracks = data.get("tracks")  # an older release's record: its files are tidied away at the end
            earlier = {
                file: entry["notes"] if isinstance(entry, dict) and isinstance(entry.get("notes"), str) else None
                for file, entry in (tracks.items() if isinstance(tracks, dict) else ())
                if isinstance(file, str)
            }
            return cls(path, earlier=earlier)
        aside = path.with_name(MANIFEST + ".damaged")
        try:
            path.replace(aside)
        except OSError:
            aside = path
        return cls(path, set_aside=aside)

    def intact(self, file: str, sound: str) -> dict[str, Any] | None:
        """The entry of a finished track with this sound whose file is as it was written."""
        entry = self.tracks.get(file)
        if entry is None or entry["sound"] != sound:
            return None
        folder = self.path.parent
        try:
            if (folder / file).stat().st_size != entry["bytes"] or file_hash(folder / file) != entry["sha256"]:
                return None
        except OSError:
            return None
        beside = [entry["notes"], entry.get("captions")]  # the safety notes, the words
        return entry if all(name is None or (folder / name).is_file() for name in beside) else None

    def same_sound(self, sound: str, besides: str) -> str | None:
        """Another finished file with this very sound (the same track under an earlier name)."""
        for file, entry in self.tracks.items():
            if file != besides and entry["sound"] == sound and self.intact(file, sound) is not None:
                return file
        return None

    def save(self) -> None:
        record = {"version": MANIFEST_VERSION, "tracks": self.tracks, "earlier": self.earlier}
        write_file(self.path, json.dumps(record, sort_keys=True) + "\n")


def _entries_ok(tracks: object) -> bool:
    if not isinstance(tracks, dict):
        return False
    for file, entry in tracks.items():
        if not (isinstance(file, str) and Path(file).name == file and isinstance(entry, dict)):
            return False
        if any(not isinstance(entry.get(k), kind) for k, kind in ENTRY_FIELDS.items()):
            return False
        if isinstance(entry["bytes"], bool) or (
            entry["notes"] is not None and Path(entry["notes"]).name != entry["notes"]
        ):
            return False
        words = entry.get("captions")  # issue 30: optional, so an earlier release's record still holds
        if not (words is None or isinstance(words, str) and Path(words).name == words):
            return False
        if not isinstance(entry.get("lines", []), list):
            return False
    return True


def file_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_file(path: Path, data: bytes | str) -> Path:
    """One of the pack's own files, whole or not at all; an unchanged file is left as it is."""
    content = data.encode("utf-8") if isinstance(data, str) else data
    try:
        if path.is_file() and path.read_bytes() == content:
            return path
        with written_atomically(path) as tmp:
            tmp.write_bytes(content)
    except OSError as exc:
        raise write_failed(exc, path, "the tracks made are kept: run the same command again") from None
    return path
