"""The people: `people.json` in the user's data folder names each person (a stable id, the
name shown) and which of them is the default; each person's files are in `people/<id>/`,
owner-only. A name is only shown, never part of a path, so any name is safe and a rename
moves nothing.

Every change is one locked read-change-write of the index, written atomically, so two
windows adding people at once both keep theirs. An older install's journal and recorded
voices become the first person's, once (migrate.py)."""

from __future__ import annotations

import fcntl
import json
import secrets
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from companion.atomic import DISK_FULL, written_atomically
from companion.errors import BadInput, CompanionError, OutputError
from companion.options import check_text
from companion.paths import data_dir, owner_only, private_folder
from companion.people.migrate import MOVED, move_older_files

INDEX = "people.json"
FOLDER = "people"
LOCK = ".people.lock"
FIRST_NAME = "Listener"  # a new install's one person, until renamed
NAME_CHARS = 40
INDEX_VERSION = 1
UNMADE = "unmade"  # the folder a new install's first person would read from: never made


class PeopleError(CompanionError):
    """The people's index cannot be read or written (a damaged file, a full disk)."""

    exit_code = 1


@dataclass(frozen=True)
class Person:
    """One listener: their id (stable, their folder's name), the name shown, and their folder."""

    id: str
    name: str
    folder: Path

    @property
    def journal_path(self) -> Path:
        return self.folder / "journal.sqlite3"

    @property
    def voices_folder(self) -> Path:
        """Their recorded voices, one folder each (voice/recorded.py's layout)."""
        return self.folder / "voices"

    @property
    def preferences_path(self) -> Path:
        return self.folder / "preferences.json"

    @property
    def plans_path(self) -> Path:
        return self.folder / "plans.json"

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name}


def check_person_name(name: object) -> str:
    """A person's name as kept: text, 1-40 characters once trimmed."""
    if not isinstance(name, str):
        raise BadInput("a person's name is text", field="person", value=name, allowed="text")
    check_text("person", name)
    if any(unicodedata.category(c) == "Cc" and not c.isspace() for c in name):  # shown on terminals and pages
        raise BadInput("a person's name holds no control characters", field="person", value=name, allowed="text")
    name = " ".join(name.split())
    if not 1 <= len(name) <= NAME_CHARS:
        raise BadInput(
            f"a person's name is 1 to {NAME_CHARS} characters, not '{name}'",
            field="person",
            value=name,
            allowed=(1, NAME_CHARS),
        )
    return name


class People:
    """The people of one user data folder (`root`, by default the user's own)."""

    def __init__(self, root: Path | None = None):
        self.root = root or data_dir()
        self.index = self.root / INDEX

    # -- reading -----------------------------------------------------------------
    def list(self) -> list[Person]:
        """Everyone, in the order they were added (made, or moved from an older install, once)."""
        return [self._person(p) for p in self._ready()["people"]]

    def default(self, made: bool = True) -> Person:
        """The person a caller means when it names nobody. `made` False: for reading only, so
        a new install stays untouched (its one person, not yet made, has no files to read)."""
        if not made and self._unmade():
            return self._person({"id": UNMADE, "name": FIRST_NAME})
        if not made and not self.index.exists():  # an older install, perhaps on a read-only disk
            try:
                self._ready()
            except (PeopleError, OutputError):  # it cannot be moved: it is read where it is
                return Person(UNMADE, FIRST_NAME, self.root)
        data = self._ready()
        return self._person(next(p for p in data["people"] if p["id"] == data["default"]))

    def get(self, who: str | None, made: bool = True) -> Person:
        """A person by name (any case) or id; None: the default one (`made` as default's)."""
        if who is None or (not made and self._unmade()):
            unmade = {"default": UNMADE, "people": [{"id": UNMADE, "name": FIRST_NAME}]}
            return self.default(made) if who is None else self._find(unmade, who)
        return self._find(self._ready(), who)

    def _unmade(self) -> bool:
        """A new install that nothing has written to yet."""
        return not self.index.exists() and not any((self.root / item).exists() for item in MOVED)

    def by_id(self, person_id: str) -> Person | None:
        return next((p for p in self.list() if p.id == person_id), None)

    # -- changing ----------------------------------------------------------------
    def add(self, name: str) -> Person:
        name = check_person_name(name)

        def change(data: dict[str, Any]) -> Person:
            self._refuse_taken(data, name)
            entry = {"id": _new_id(data), "name": name}
            data["people"].append(entry)
            person = self._person(entry)
            private_folder(person.folder)
            return person

        return self._change(change)

    def rename(self, who: str, name: str) -> Person:
        name = check_person_name(name)

        def change(data: dict[str, Any]) -> Person:
            person = self._find(data, who)
            self._refuse_taken(data, name, but=person.id)
            entry = next(p for p in data["people"] if p["id"] == person.id)
            entry["name"] = name
            return self._person(entry)

        return self._change(change)

    def make_default(self, who: str) -> Person:
        def change(data: dict[str, Any]) -> Person:
            person = self._find(data, who)
            data["default"] = person.id
            return person

        return self._change(change)

    def forget(self, who: str) -> Person:
        """Remove one person and everything of theirs (their folder), in one step; the others
        are not touched. The last person stays: there is always someone to listen."""

        def change(data: dict[str, Any]) -> Person:
            person = self._find(data, who)
            if len(data["people"]) == 1:
                raise BadInput(
                    f"{person.name} is the only person here; add another person before removing them",
                    field="person",
                    value=who,
                )
            data["people"] = [p for p in data["people"] if p["id"] != person.id]
            if data["default"] == person.id:
                data["default"] = data["people"][0]["id"]
            return person

        person = self._change(change)  # out of the index first: a half-removed folder is no one's
        shutil.rmtree(person.folder, ignore_errors=True)
        return person

    # -- the index ---------------------------------------------------------------
    def _person(self, entry: dict[str, str]) -> Person:
        return Person(entry["id"], entry["name"], self.root / FOLDER / entry["id"])

    def _find(self, data: dict[str, Any], who: str) -> Person:
        if not isinstance(who, str):
            raise BadInput("a person is named by text", field="person", value=who, allowed="text")
        wanted = " ".join(who.split()).casefold()
        for entry in data["people"]:
            if entry["id"] == who or entry["name"].casefold() == wanted:
                return self._person(entry)
        names = tuple(p["name"] for p in data["people"])
        raise BadInput(
            f"nobody here is called '{who}'; the people here are {', '.join(names)}",
            field="person",
            value=who,
            allowed=names,
        )

    @staticmethod
    def _refuse_taken(data: dict[str, Any], name: str, but: str | None = None) -> None:
        if any(p["name"].casefold() == name.casefold() and p["id"] != but for p in data["people"]):
            raise BadInput(f"someone here is already called '{name}'; give another name", field="person", value=name)

    def _ready(self) -> dict[str, Any]:
        """The index, made (moving an older install's files in) when there is none yet."""
        data = self._read()
        if data is None or not data.get("migrated", True):
            with self._locked():
                data = self._read()
                if data is None or not data.get("migrated", True):
                    data = self._migrate(data)
        return data

    def _migrate(self, data: dict[str, Any] | None) -> dict[str, Any]:
        """The first person, named before anything of theirs moves; then an older install's
        files moved into their folder (migrate.py); then the index says it is done."""
        if data is None:
            first = _new_id(None)
            data = {"default": first, "people": [{"id": first, "name": FIRST_NAME}], "migrated": False}
            self._write(data)
        person = self._person(next(p for p in data["people"] if p["id"] == data["default"]))
        move_older_files(self.root, person.folder, person.name)
        data["migrated"] = True
        self._write(data)
        return data

    def _change(self, change: Callable[[dict[str, Any]], Person]) -> Person:
        self._ready()
        with self._locked():
            data = self._read()
            assert data is not None  # made by _ready, and never removed
            person = change(data)
            self._write(data)
        return person

    def _read(self) -> dict[str, Any] | None:
        try:
            text = self.index.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PeopleError(f"the list of people '{self.index}' cannot be read ({exc.strerror})") from None
        try:
            data = json.loads(text)
            _check_index(data)
        except _Newer as exc:
            raise PeopleError(
                f"the list of people '{self.index}' was written by a newer companion (version {exc.version}); "
                "update companion to read it (it was left unchanged)"
            ) from None
        except (ValueError, KeyError, TypeError, StopIteration):
            raise PeopleError(
                f"the list of people '{self.index}' is damaged; move it aside, and each person's folder "
                f"in '{self.root / FOLDER}' can be added again"
            ) from None
        return dict(data)

    def _write(self, data: dict[str, Any]) -> None:
        data["version"] = INDEX_VERSION
        try:
            private_folder(self.root)
            with written_atomically(self.index, private=True) as tmp:
                tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
        except (OSError, BadInput, OutputError) as exc:  # a read-only or full disk, a folder not the user's
            raise self._cannot_write(exc) from None

    def _cannot_write(self, exc: Exception) -> PeopleError:
        if (isinstance(exc, OSError) and exc.errno in DISK_FULL) or isinstance(exc, OutputError):
            return PeopleError(
                f"the disk holding the list of people in '{self.root}' is full; free some space, then try again "
                "(nothing was changed)"
            )
        why = exc.strerror if isinstance(exc, OSError) else str(exc)
        return PeopleError(f"the list of people in '{self.root}' cannot be written ({why}); check that folder")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """One process changes the index at a time (another window, the app)."""
        try:
            private_folder(self.root)
            handle = open(self.root / LOCK, "a", opener=owner_only)
        except OSError as exc:
            raise self._cannot_write(exc) from None
        with handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


class _Newer(Exception):
    def __init__(self, version: int):
        self.version = version


def _check_index(data: Any) -> None:
    version = data["version"]
    if isinstance(version, int) and not isinstance(version, bool) and version > INDEX_VERSION:
        raise _Newer(version)  # not damaged: a later release's, to be left alone
    if version != INDEX_VERSION:
        raise ValueError("not a version this release knows")
    ids = [p["id"] for p in data["people"]]
    if not ids or data["default"] not in ids or not all(isinstance(p["name"], str) for p in data["people"]):
        raise ValueError("incomplete")
    if any(not isinstance(i, str) or not i.isalnum() for i in ids):
        raise ValueError("an id that is not a folder name")


def _new_id(data: dict[str, Any] | None) -> str:
    taken = {p["id"] for p in data["people"]} if data else set()
    while True:
        candidate = secrets.token_hex(4)
        if candidate not in taken:
            return candidate
