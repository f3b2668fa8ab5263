"""Many listeners on one companion (issue 33), in the library: the people store, the move of
an older install's files into the first person, and each person kept apart from every other
(their journal rows, voices, preferences, plans, exports, and forgetting one), with two and
with fifty people."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

import companion
from companion import BadInput, Journal, MassagePlan, People, Preferences, Ratings, SessionRecord
from companion.voice.recorded import RecordedVoice, list_voices

OLDER_INSTALL = Path(__file__).parent.parent / "data" / "older-install"  # made by that release's commands


def data_root() -> Path:
    return Path(os.environ["XDG_DATA_HOME"]) / "companion"


def every_file(root: Path) -> dict[str, str]:
    """Each file under `root` by its path, with a hash of its bytes."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != ".people.lock"
    }


def every_row(path: Path) -> dict[str, list[dict]]:
    """Every row of every table of a journal, read with SQLite itself, by column name."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {t: [dict(row) for row in db.execute(f"SELECT * FROM {t} ORDER BY id")] for t in tables}


def kept(after: dict[str, list[dict]], before: dict[str, list[dict]]) -> bool:
    """Every table, row and value of `before` is in `after` as it was (a newer schema may add
    columns of its own, as the tapped breath did)."""
    return all(
        len(after.get(t, ())) == len(rows) and all(a.items() >= b.items() for a, b in zip(after[t], rows, strict=True))
        for t, rows in before.items()
    )


def fill(person: companion.Person, marker: str) -> None:
    """A person's whole record, each part carrying `marker`: journal rows (a session with its
    check-in, and ratings), a recorded voice, preferences and a massage plan."""
    with Journal(person.journal_path) as journal:
        sid = journal.start_session(
            SessionRecord(f"settling-{marker}", "low", "relax", 6, energy_score=3, goal="rest"), Ratings(pain=4)
        )
        journal.finish_session(sid, 6.0, "finished")
        journal.add(Ratings(anxiety=2, note=f"note of {marker}"), "after", sid)
    voice = RecordedVoice(f"voice {marker}", person.voices_folder)
    voice.create()
    (voice.folder / "take.flac").write_bytes(f"a take of {marker}".encode())
    companion.set_preferences(person, Preferences(energy="low", minutes=12, sleep_timer=20, voice=f"voice {marker}"))
    companion.save_massage_plan(person, MassagePlan(f"back of {marker}", 60, (("back", 30), ("shoulders", 20))))


def test_a_new_install_has_one_listener_and_a_read_makes_nothing():
    people = People()
    assert people.default(made=False).name == "Listener" and not data_root().exists()
    assert Journal(read_only=True).entries() == [] and list_voices() == [] and not data_root().exists()
    first = people.default()
    assert [p.name for p in people.list()] == ["Listener"] and people.get(None) == first
    assert stat.S_IMODE(first.folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(data_root().stat().st_mode) == 0o700
    assert stat.S_IMODE((data_root() / "people.json").stat().st_mode) == 0o600


def test_people_are_added_renamed_found_and_made_default():
    people = People()
    ada = people.add("  Ada  Lovelace ")
    assert ada.name == "Ada Lovelace" and ada.folder.is_dir() and ada.folder.name == ada.id
    assert people.get("ada lovelace") == ada and people.get(ada.id) == ada
    renamed = people.rename("ada lovelace", "Ada")
    assert renamed.id == ada.id and renamed.folder == ada.folder  # a name is only shown: nothing moves
    assert people.make_default("Ada").id == ada.id and people.default().id == ada.id
    assert [p.name for p in People().list()] == ["Listener", "Ada"]  # kept, as another process reads it


@pytest.mark.parametrize("name", ["", "   ", "x" * 41, "bell\x07", 7, None])
def test_a_name_that_cannot_be_kept_is_refused_with_its_field(name):
    with pytest.raises(BadInput) as refused:
        People().add(name)
    assert refused.value.field == "person"


def test_a_name_taken_or_unknown_is_refused_and_the_last_person_stays():
    people = People()
    people.add("Ada")
    with pytest.raises(BadInput, match="already called"):
        people.add("ADA")
    with pytest.raises(BadInput, match="already called"):
        people.rename("Listener", "ada")
    with pytest.raises(BadInput) as unknown:
        people.get("Bea")
    assert unknown.value.allowed == ("Listener", "Ada") and unknown.value.field == "person"
    people.forget("Listener")
    assert people.default().name == "Ada"  # the default moves to someone still here
    with pytest.raises(BadInput, match="only person"):
        people.forget("Ada")


def test_a_damaged_list_of_people_is_one_error_and_left_alone():
    People().add("Ada")
    index = data_root() / "people.json"
    index.write_text("{ not json")
    with pytest.raises(companion.PeopleError, match="damaged"):
        People().list()
    assert index.read_text() == "{ not json"


def test_a_list_of_people_from_a_newer_companion_is_not_called_damaged():
    People().add("Ada")
    index = data_root() / "people.json"
    newer = json.loads(index.read_text())
    newer["version"] = 7
    index.write_text(json.dumps(newer))
    before = index.read_bytes()
    with pytest.raises(companion.PeopleError) as refused:
        People().list()
    assert "newer companion (version 7)" in refused.value.message and "damaged" not in refused.value.message
    assert index.read_bytes() == before


def older_install() -> Path:
    root = data_root()
    shutil.copytree(OLDER_INSTALL, root)
    return root


def test_an_older_install_becomes_the_first_person_with_nothing_lost():
    root = older_install()
    journal_before = every_row(root / "journal.sqlite3")
    voice_before = every_file(root / "voices")
    assert len(journal_before["ratings"]) == 3 and len(journal_before["sessions"]) == 1  # as that release made them
    first = People().default()
    assert first.name == "Listener"
    assert not (root / "journal.sqlite3").exists() and not (root / "voices").exists()  # moved, not copied
    assert kept(every_row(first.journal_path), journal_before) and every_file(first.voices_folder) == voice_before
    with Journal(first.journal_path) as journal:  # and the library reads them as before
        notes = [e.ratings.note for e in journal.entries()]
        assert notes == ["after the rest", None, "kept before there were people"]
        assert [r.ended for _, r in journal.sessions()] == ["rendered"]
    assert [v.name for v in list_voices(first.voices_folder)] == ["Mum"] and RecordedVoice.known("Mum")
    assert [v.name for v in list_voices()] == ["Mum"]  # the default person's, named by nobody
    for path in [first.folder, *first.folder.rglob("*")]:
        assert stat.S_IMODE(path.stat().st_mode) == (0o700 if path.is_dir() else 0o600), path
    People().add("Ada")
    assert People().default() == first and kept(every_row(first.journal_path), journal_before)  # done once


def test_a_move_cut_short_finishes_next_time():
    root = older_install()
    first_id = "0a1b2c3d"
    (root / "people.json").write_text(
        json.dumps({"version": 1, "default": first_id, "people": [{"id": first_id, "name": "Mum"}], "migrated": False})
    )
    (root / "people" / first_id).mkdir(parents=True)
    os.replace(root / "voices", root / "people" / first_id / "voices")  # the voices went, then the machine stopped
    journal_before = every_row(root / "journal.sqlite3")
    person = People().get("Mum")
    assert kept(every_row(person.journal_path), journal_before) and [v.name for v in list_voices(person.voices_folder)]
    assert json.loads((root / "people.json").read_text())["migrated"] is True


def test_preferences_and_plans_are_checked_kept_and_replaced_by_name():
    ada = People().add("Ada")
    assert companion.preferences(ada) == Preferences()
    kept = companion.set_preferences(ada, Preferences(energy="high", breath_rate=14, ambience="brown"))
    assert companion.preferences(ada) == kept
    for wrong, field in [(Preferences(energy="loud"), "energy"), (Preferences(minutes=0), "minutes")]:
        with pytest.raises(BadInput) as refused:
            companion.set_preferences(ada, wrong)
        assert refused.value.field == field
    plan = companion.save_massage_plan(ada, MassagePlan("Back and shoulders", 60, (("back", 30), ("shoulders", 20))))
    assert plan.label == "Back and shoulders, 60 min"
    companion.save_massage_plan(ada, MassagePlan("back AND shoulders", 45, (("back", 40),)))
    assert [(p.name, p.minutes) for p in companion.massage_plans(ada)] == [("back AND shoulders", 45.0)]
    with pytest.raises(BadInput) as too_long:
        companion.save_massage_plan(ada, MassagePlan("legs", 30, (("legs", 40),)))
    assert too_long.value.field == "regions"
    with pytest.raises(BadInput) as unknown:
        companion.remove_massage_plan(ada, "feet")
    assert unknown.value.allowed == ("back AND shoulders",)
    companion.remove_massage_plan(ada, "Back and shoulders")
    assert companion.massage_plans(ada) == []


def names_in_zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {name: z.read(name) for name in z.namelist()}


def check_apart(people: list[companion.Person], tmp_path: Path) -> None:
    """Each person's journal, voices, preferences, plans and export hold theirs and nobody else's."""
    markers = {p.id: f"m{p.id}" for p in people}
    for person in people:
        mine, others = markers[person.id], [m for i, m in markers.items() if i != person.id]
        with Journal(person.journal_path, read_only=True) as journal:
            rows = json.dumps([e.to_json() for e in journal.entries()]) + json.dumps(
                journal.session_rows(), default=str
            )
        assert mine in rows and not any(m in rows for m in others)
        assert [v.name for v in list_voices(person.voices_folder)] == [f"voice {mine}"]
        assert companion.preferences(person).voice == f"voice {mine}"
        assert [p.name for p in companion.massage_plans(person)] == [f"back of {mine}"]
    for person in people[:3]:  # an export each (a PDF is drawn for each: three show it)
        mine = markers[person.id]
        exported = companion.export_person(person, tmp_path / f"{person.id}.zip")
        assert stat.S_IMODE(exported.stat().st_mode) == 0o600
        files = names_in_zip(exported)
        assert {"journal.csv", "report.pdf", "plans.json", "preferences.json", "README.txt"} <= set(files)
        assert f"voices/voice {mine}/take.flac" in files
        everything = b"".join(files.values()) + "".join(files).encode()
        assert mine.encode() in everything
        assert not any(m.encode() in everything for i, m in markers.items() if i != person.id)
        report = tmp_path / "report.pdf"
        report.write_bytes(files["report.pdf"])
        assert f"{person.name}: " in " ".join(PdfReader(report).pages[0].extract_text().split())


def check_forget(store: People, people: list[companion.Person], gone: list[companion.Person]) -> None:
    """Forgetting some leaves every file and table row of the others as it was."""
    kept = [p for p in people if p not in gone]
    rows_before = {p.id: every_row(p.journal_path) for p in kept}  # its log put into the file, first
    files_before = {p.id: every_file(p.folder) for p in kept}
    for person in gone:
        store.forget(person.name)
    root = data_root() / "people"
    assert sorted(p.name for p in root.iterdir()) == sorted(p.id for p in kept)
    assert [p.id for p in store.list()] == [p.id for p in kept]
    for person in kept:
        assert every_file(person.folder) == files_before[person.id]
        assert every_row(person.journal_path) == rows_before[person.id]
    for person in gone:
        assert not person.folder.exists()
        with pytest.raises(BadInput):
            store.get(person.id)


def test_two_people_are_kept_apart_and_one_is_forgotten(tmp_path):
    store = People()
    ada, bea = store.rename("Listener", "Ada"), store.add("Bea")
    fill(ada, f"m{ada.id}")
    fill(bea, f"m{bea.id}")
    check_apart([ada, bea], tmp_path)
    check_forget(store, [ada, bea], [ada])
    assert store.default().id == bea.id


@pytest.mark.slow("fifty people's journals, voices and plans written, read and half of them forgotten")
def test_fifty_people_are_kept_apart_and_half_forgotten(tmp_path):
    store = People()
    people = [store.rename("Listener", "Client 1")] + [store.add(f"Client {n}") for n in range(2, 51)]
    assert len({p.id for p in people}) == 50 and len(store.list()) == 50
    for person in people:
        fill(person, f"m{person.id}")
    check_apart(people, tmp_path)
    check_forget(store, people, people[::2])


def test_the_care_team_report_names_its_person(tmp_path):
    ada = People().add("Ada")
    with Journal(ada.journal_path) as journal:
        journal.add(Ratings(pain=3))
        report = companion.gather_report(journal, person=ada.name)
    companion.write_report(report, tmp_path / "r.pdf")
    assert "Ada: " in " ".join(PdfReader(tmp_path / "r.pdf").pages[0].extract_text().split())
