"""The journal as CSV for the care team: every entry, oldest first, with its session."""

from __future__ import annotations

import csv
from dataclasses import astuple, fields
from pathlib import Path

from companion.atomic import written_atomically
from companion.errors import OutputError
from companion.journal.entries import SYMPTOMS, SessionRecord
from companion.journal.store import Journal

# A spreadsheet runs a cell that starts with one of these as a formula (OWASP, CSV injection)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
HEADER = [
    "id", "at", "moment", *SYMPTOMS, "note", "session_id", "script", "energy", "mode",
    "minutes_planned", "minutes_heard", "ended", "energy_score", "breathless", "goal", "voice",
    "breaths_a_minute_by_tapping",
]  # fmt: skip


def export_csv(journal: Journal, path: Path) -> int:
    """Every entry, oldest first; written whole or not at all, owner-only. Returns how many."""
    entries = list(reversed(journal.entries()))
    try:
        # health data: the copy is the owner's only, as the journal is
        with written_atomically(path, private=True) as tmp, open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            for e in entries:
                s = e.session
                session_cols = ["" if v is None else v for v in astuple(s)] if s else [""] * len(fields(SessionRecord))
                ratings = ["" if getattr(e.ratings, n) is None else getattr(e.ratings, n) for n in SYMPTOMS]
                rate = "" if e.ratings.breath_rate is None else e.ratings.breath_rate
                row = [e.id, e.at, e.moment, *ratings, e.ratings.note or "", e.session_id or "", *session_cols, rate]
                writer.writerow([_inert(cell) for cell in row])
    except OSError as exc:
        raise OutputError(f"could not write '{path}' ({exc.strerror}); nothing was written") from None
    return len(entries)


def _inert(cell: object) -> object:
    """A text cell that a spreadsheet would run as a formula, made plain text with a leading
    apostrophe (OWASP's rule); numbers stay numbers."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell
