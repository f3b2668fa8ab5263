"""One person's whole record as one .zip, for them or their care team: their journal as CSV,
the care-team report as PDF (over their whole journal), their recorded voices, preferences
and saved massage plans. Written whole or not at all, owner-only (it is health data), from
their folder alone: nothing of anyone else's can reach it."""

from __future__ import annotations

import tempfile
import zipfile
from datetime import date
from pathlib import Path

from companion.atomic import written_atomically
from companion.errors import OutputError
from companion.journal.export import export_csv
from companion.journal.report import gather, write_report
from companion.journal.store import Journal
from companion.people.store import Person

README = (
    "{name}'s record from companion, exported {day}.\n\n"
    "journal.csv: every comfort journal entry, oldest first.\n"
    "report.pdf: a one-page summary of the journal for the care team.\n"
    "voices/: recorded voices, one folder each (voice.json and one WAV a phrase).\n"
    "preferences.json, plans.json: what their sessions start from, and saved massage plans.\n"
)


def export_person(person: Person, path: Path) -> Path:
    """Write `person`'s record to `path` (a .zip); returns it."""
    path = Path(path)
    try:
        with tempfile.TemporaryDirectory(prefix="companion-export-") as work:  # made owner-only
            folder = Path(work)
            _journal_files(person, folder)
            with written_atomically(path, private=True) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("README.txt", README.format(name=person.name, day=date.today().isoformat()))
                for name in ("journal.csv", "report.pdf"):
                    z.write(folder / name, name)
                for own in (person.preferences_path, person.plans_path):
                    if own.is_file():
                        z.write(own, own.name)
                if person.voices_folder.is_dir():
                    for file in sorted(person.voices_folder.rglob("*")):
                        if file.is_file():
                            z.write(file, f"voices/{file.relative_to(person.voices_folder)}")
    except OSError as exc:
        raise OutputError(f"could not write '{path}' ({exc.strerror}); nothing was written") from None
    return path


def _journal_files(person: Person, folder: Path) -> None:
    with Journal(person.journal_path, read_only=True) as journal:
        export_csv(journal, folder / "journal.csv")
        entries = journal.entries()
        first = min((date.fromisoformat(e.at[:10]) for e in entries), default=None)
        last = max((date.fromisoformat(e.at[:10]) for e in entries), default=None)
        today = date.today()
        until = max(last, today) if last else today
        write_report(gather(journal, since=first, until=until, person=person.name), folder / "report.pdf")
