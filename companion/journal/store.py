"""The comfort journal: how a listener felt, before and after a session or on its own.

One SQLite file in the user's data folder, readable by its owner only. Ratings are 0-10 in
the style of the revised Edmonton Symptom Assessment System ("how do you feel now"): pain,
tiredness, breathlessness, anxiety (0 none, 10 worst) and wellbeing (0 best, 10 worst), each
optional, with an optional short note. Nothing here scores or ranks: it is a record for the
listener and their care team, never a streak or a target.

Every write is one short transaction in WAL mode, so a second terminal (or a plot being
drawn) never corrupts the file, and a process killed mid-write loses nothing committed. The
schema has a version (PRAGMA user_version) and migrations from the first release; a file made
by a newer companion is refused, not changed.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from companion.atomic import DISK_FULL, disk_full
from companion.errors import BadInput, CompanionError
from companion.journal.entries import MOMENTS, SYMPTOMS, Entry, Ratings, SessionRecord
from companion.paths import OWNER_ONLY_FILE, private_folder

SQLITE_IOERR, SQLITE_FULL = 10, 13  # SQLite's primary result codes (sqlite3.h)
BUSY_TIMEOUT_S = 10.0  # another writer holds the file: wait this long before saying so
ENTRY_HOLDS = (*SYMPTOMS, "note", "breath_rate")  # an entry holds any of these, at least one
NOTHING_GIVEN = "one rating (0-10), a note or a breath tapped along"

# Each entry takes the schema from version i to i + 1. Never edit one that has shipped: add one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        script TEXT NOT NULL,
        energy TEXT NOT NULL,
        mode TEXT NOT NULL,
        minutes_planned REAL NOT NULL,
        minutes_heard REAL,
        ended TEXT,
        energy_score INTEGER CHECK (energy_score BETWEEN 0 AND 10),
        breathless INTEGER,
        goal TEXT
    );
    CREATE TABLE ratings (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        session_id INTEGER REFERENCES sessions(id) ON DELETE CASCADE,
        moment TEXT NOT NULL CHECK (moment IN ('before', 'after', 'alone')),
        pain INTEGER CHECK (pain BETWEEN 0 AND 10),
        tiredness INTEGER CHECK (tiredness BETWEEN 0 AND 10),
        breathlessness INTEGER CHECK (breathlessness BETWEEN 0 AND 10),
        anxiety INTEGER CHECK (anxiety BETWEEN 0 AND 10),
        wellbeing INTEGER CHECK (wellbeing BETWEEN 0 AND 10),
        note TEXT CHECK (length(note) <= 500)
    );
    CREATE INDEX ratings_at ON ratings(at);
    """,
    # the voice a session spoke in (None: the bundled one), so "play again" keeps a loved one's
    """
    ALTER TABLE sessions ADD COLUMN voice TEXT;
    """,
    # issue 36: breaths a minute measured by tapping along, beside the ratings (before, after)
    """
    ALTER TABLE ratings ADD COLUMN breath_rate REAL CHECK (breath_rate IS NULL OR breath_rate BETWEEN 4.5 AND 40);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class JournalError(CompanionError):
    """The journal file cannot be used (locked too long, from a newer version, damaged)."""

    exit_code = 1


def default_path(made: bool = True) -> Path:
    """The default person's journal (an older install's own is moved there first, once);
    `made` False: for reading, so a new install's data folder is not made by a read."""
    from companion.people.store import People

    return People().default(made).journal_path


def now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


class Journal:
    """The journal file, opened (and created or migrated) for one command's work."""

    def __init__(self, path: Path | None = None, *, read_only: bool = False):
        """`read_only`: for a command that only reads; it never creates the journal (one that
        does not exist yet reads as empty) and reads one on a read-only disk."""
        self.path = path or default_path(made=not read_only)
        self._db = self._open_to_read() if read_only else self._open()

    def _open_to_read(self) -> sqlite3.Connection:
        if not self.path.exists():
            db = sqlite3.connect(":memory:", isolation_level=None)  # nothing written: an empty journal
            self._migrate(db)
            return db
        for flags in ("mode=ro", "immutable=1"):  # immutable: a read-only disk, where no lock can be taken
            try:
                db = sqlite3.connect(f"{self.path.as_uri()}?{flags}", uri=True, timeout=BUSY_TIMEOUT_S)
                self._check_version(db)
                db.execute("SELECT count(*) FROM ratings").fetchone()
                return db
            except sqlite3.OperationalError as exc:
                problem: sqlite3.Error = exc
                db.close()
            except sqlite3.DatabaseError as exc:
                db.close()
                raise _explain(exc, self.path) from None
        raise _explain(problem, self.path)

    def _open(self) -> sqlite3.Connection:
        try:
            private_folder(self.path.parent)
            # made owner-only before SQLite opens it: its WAL and shared-memory files take its mode
            os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, OWNER_ONLY_FILE))
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        except OSError as exc:
            if exc.errno in DISK_FULL:
                raise _full(self.path) from None
            raise JournalError(
                f"the journal '{self.path}' cannot be opened ({exc.strerror}); check that folder"
            ) from None
        except sqlite3.Error as exc:
            raise _explain(exc, self.path) from None
        try:
            try:
                os.chmod(self.path, OWNER_ONLY_FILE)
            except OSError as exc:
                raise JournalError(
                    f"the journal '{self.path}' cannot be written ({exc.strerror}); check that folder"
                ) from None
            self._check_version(db)  # before anything else touches the file
            db.execute("PRAGMA foreign_keys = ON")
            mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise JournalError(f"the journal '{self.path}' cannot keep a write-ahead log here")
            self._migrate(db)
        except sqlite3.DatabaseError as exc:
            db.close()
            raise _explain(exc, self.path) from None
        except BaseException:
            db.close()
            raise
        return db

    def _check_version(self, db: sqlite3.Connection) -> int:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise JournalError(
                f"the journal '{self.path}' was written by a newer companion (schema {version}); "
                "update companion to read it (it was left unchanged)"
            )
        return int(version)

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = self._check_version(db)
        if version == SCHEMA_VERSION:
            return
        db.execute("BEGIN IMMEDIATE")  # one migrating process at a time
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]  # another may have done it meanwhile
            for step in MIGRATIONS[version:]:
                for statement in step.split(";"):
                    if statement.strip():
                        db.execute(statement)
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:  # SQLite has rolled back itself after a failed write
                db.execute("ROLLBACK")
            raise

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short transaction: all of it or nothing."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _explain(exc, self.path) from None
        try:
            yield self._db
            self._db.execute("COMMIT")
        except BaseException as exc:
            # SQLite ends the transaction itself when a write fails (a full disk): then there
            # is nothing to roll back, and trying would hide why it failed
            if self._db.in_transaction:
                self._rollback()
            if isinstance(exc, sqlite3.DatabaseError):  # a damaged page, a full disk: nothing is kept
                raise _explain(exc, self.path) from None
            raise

    def _rollback(self) -> None:
        try:
            self._db.execute("ROLLBACK")
        except sqlite3.Error:  # none open: SQLite ended it itself on the error
            pass

    # -- writing ---------------------------------------------------------------
    def start_session(self, record: SessionRecord, before: Ratings | None = None) -> int:
        """A session's row, with how the listener felt before it (when any rating was given)."""
        with self._write() as db:
            cur = db.execute(
                "INSERT INTO sessions (started_at, script, energy, mode, minutes_planned, minutes_heard, ended, "
                "energy_score, breathless, goal, voice) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now(), *astuple(record)),
            )
        session_id = int(cur.lastrowid or 0)
        if before is not None and not before.empty:
            self.add(before, "before", session_id)
        return session_id

    def finish_session(self, session_id: int, minutes_heard: float | None, ended: str) -> None:
        """How it ended; `minutes_heard` None for a session written to a file."""
        heard = None if minutes_heard is None else round(minutes_heard, 2)
        with self._write() as db:
            db.execute("UPDATE sessions SET minutes_heard = ?, ended = ? WHERE id = ?", (heard, ended, session_id))

    def add(self, ratings: Ratings, moment: str = "alone", session_id: int | None = None) -> int:
        """An entry: any of the ratings, a note, the breaths a minute tapped along, or all of them."""
        ratings = ratings.check()
        if ratings.empty:
            raise BadInput(f"give at least {NOTHING_GIVEN}", field="ratings", value=None, allowed=ENTRY_HOLDS)
        if moment not in MOMENTS:
            raise BadInput(f"a rating is taken {', '.join(MOMENTS)}, not '{moment}'")
        values = [getattr(ratings, n) for n in SYMPTOMS]
        with self._write() as db:
            cur = db.execute(
                f"INSERT INTO ratings (at, session_id, moment, {', '.join(SYMPTOMS)}, note, breath_rate) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (now(), session_id, moment, *values, ratings.note, _rate(ratings)),
            )
        return int(cur.lastrowid or 0)

    def edit(self, entry_id: int, ratings: Ratings) -> None:
        """Put these ratings, note and tapped rate in place of an entry's, all of them (a rate
        left out is removed: to keep it, pass it); its time, moment and session stay."""
        ratings = ratings.check()
        if ratings.empty:
            raise BadInput(
                f"give at least {NOTHING_GIVEN}; to remove an entry, forget it",
                field="ratings",
                value=None,
                allowed=ENTRY_HOLDS,
            )
        with self._write() as db:
            changed = db.execute(
                f"UPDATE ratings SET {', '.join(f'{n} = ?' for n in SYMPTOMS)}, note = ?, breath_rate = ? WHERE id = ?",
                (*(getattr(ratings, n) for n in SYMPTOMS), ratings.note, _rate(ratings), entry_id),
            ).rowcount
        if not changed:
            raise BadInput(f"no entry has the id {entry_id}", field="ids", value=entry_id)

    def entry(self, entry_id: int) -> Entry | None:
        return next((e for e in self.entries(entry_id=entry_id)), None)

    def forget(self, ids: Sequence[int] | None = None) -> int:
        """Remove these entries (None: everything, sessions too); returns how many ratings went.
        An id that names no entry is refused, and then nothing is removed."""
        if ids is not None:
            wrong = [i for i in ids if isinstance(i, bool) or not isinstance(i, int) or not 0 < i < 2**63]
            if wrong:
                raise BadInput(f"no entry has the id {wrong[0]}", field="ids", value=wrong[0], allowed=(1, 2**63 - 1))
        with self._write() as db:
            if ids is not None:
                marks = ", ".join("?" * len(ids))
                found = {row[0] for row in db.execute(f"SELECT id FROM ratings WHERE id IN ({marks})", list(ids))}
                missing = [i for i in ids if i not in found]
                if missing:
                    raise BadInput(f"no entry has the id {missing[0]}", field="ids", value=missing[0])
            if ids is None:
                gone = db.execute("DELETE FROM ratings").rowcount
                db.execute("DELETE FROM sessions")
            else:
                marks = ", ".join("?" * len(ids))
                gone = db.execute(f"DELETE FROM ratings WHERE id IN ({marks})", list(ids)).rowcount
                # a session with no ratings left is only a trace of the listener: it goes too
                db.execute(
                    "DELETE FROM sessions WHERE id NOT IN (SELECT session_id FROM ratings WHERE session_id IS NOT NULL)"
                )
        return gone

    # -- reading ---------------------------------------------------------------
    def entries(self, since: str | None = None, limit: int | None = None, entry_id: int | None = None) -> list[Entry]:
        """Latest first; `since` an ISO date (or date and time), `limit` the most to give,
        `entry_id` only that one."""
        query = (
            "SELECT r.id, r.at, r.moment, r.pain, r.tiredness, r.breathlessness, r.anxiety, r.wellbeing, r.note, "
            "r.session_id, s.script, s.energy, s.mode, s.minutes_planned, s.minutes_heard, s.ended, "
            "s.energy_score, s.breathless, s.goal, s.voice, r.breath_rate "
            "FROM ratings r LEFT JOIN sessions s ON s.id = r.session_id"
        )
        args: list[object] = []
        if since is not None:
            query += " WHERE r.at >= ?"
            args.append(since)
        if entry_id is not None:
            query += " AND r.id = ?" if args else " WHERE r.id = ?"
            args.append(entry_id)
        query += " ORDER BY r.at DESC, r.id DESC"
        if limit is not None:
            query += " LIMIT ?"
            args.append(limit)
        try:
            rows = self._db.execute(query, args).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _explain(exc, self.path) from None
        found = []
        for row in rows:
            ratings = Ratings(row[3], row[4], row[5], row[6], row[7], row[8], row[20])
            session = None
            if row[9] is not None and row[10] is not None:
                session = _session_from(row[10:20])
            found.append(Entry(row[0], row[1], row[2], ratings, row[9], session))
        return found

    def sessions(self, since: str | None = None, until: str | None = None) -> list[tuple[str, SessionRecord]]:
        """Each session's start (local time, ISO 8601) and record, oldest first; `since` and
        `until` ISO dates or times (`until` itself excluded)."""
        query = (
            "SELECT started_at, script, energy, mode, minutes_planned, minutes_heard, ended, energy_score, "
            "breathless, goal, voice FROM sessions WHERE started_at >= ? AND started_at < ? ORDER BY started_at, id"
        )
        try:
            rows = self._db.execute(query, (since or "", until or "\uffff")).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _explain(exc, self.path) from None
        return [(row[0], _session_from(row[1:])) for row in rows]

    def session_rows(self) -> list[tuple[int, str, SessionRecord]]:
        """Every session as (id, start in local time, record), oldest first."""
        query = (
            "SELECT id, started_at, script, energy, mode, minutes_planned, minutes_heard, ended, energy_score, "
            "breathless, goal, voice FROM sessions ORDER BY started_at, id"
        )
        try:
            rows = self._db.execute(query).fetchall()
        except sqlite3.DatabaseError as exc:
            raise _explain(exc, self.path) from None
        return [(row[0], row[1], _session_from(row[2:])) for row in rows]


def _rate(ratings: Ratings) -> float | None:
    """Breaths a minute as kept: to a tenth (a tapped rate is a rough count)."""
    return None if ratings.breath_rate is None else round(float(ratings.breath_rate), 1)


def _session_from(columns: Sequence[Any]) -> SessionRecord:
    """A session's columns, script to voice in the table's order, as its record."""
    script, energy, mode, planned, heard, ended, score, breathless, goal, voice = columns
    breathless = None if breathless is None else bool(breathless)
    return SessionRecord(script, energy, mode, planned, heard, ended, score, breathless, goal, voice)


def _explain(exc: sqlite3.Error, path: Path) -> CompanionError:
    text = str(exc)
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary result code
    # a full disk is SQLITE_FULL while writing pages, but only "disk I/O error" while the
    # write-ahead log or its index grows: look at the disk to say why
    if code == SQLITE_FULL or (code == SQLITE_IOERR and disk_full(path.parent)):
        return _full(path)
    if "locked" in text or "busy" in text:
        return JournalError(f"the journal is busy in another window for over {BUSY_TIMEOUT_S:g} s; try again")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return JournalError(f"the journal '{path}' cannot be written or opened here ({text}); check that folder")
    if "not a database" in text or "malformed" in text:
        return JournalError(f"the journal '{path}' is damaged ({text}); move it aside to start a new one")
    return JournalError(f"the journal '{path}' cannot be used ({text})")


def _full(path: Path) -> JournalError:
    return JournalError(
        f"the disk holding the journal '{path}' is full; free some space, then try again (nothing was changed)"
    )
