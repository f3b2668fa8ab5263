"""The people commands and --person (issue 33): each command reads and writes one person's
data alone, and says whose."""

from __future__ import annotations

import json
import zipfile

import numpy as np

from companion import Journal, People
from companion.voice.recorded import RecordedVoice
from tests.helpers import run_main


def ok(*args: str) -> str:
    ran = run_main(*args)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def test_a_therapist_adds_two_clients_and_each_journal_is_their_own(tmp_path):
    assert ok("people", "list") == "* Listener\n"
    assert ok("people", "rename", "Listener", "Ada") == "Listener is now called Ada.\n"
    assert ok("people", "add", "Bea").startswith("Added Bea.")
    assert ok("--person", "Ada", "journal", "add", "--pain", "4", "--note", "Ada's back") == (
        "Noted in Ada's journal (entry 1).\n"
    )
    assert ok("--person", "bea", "journal", "add", "--anxiety", "6", "--note", "Bea's day").startswith(
        "Noted in Bea's journal"
    )
    assert ok("journal", "add", "--wellbeing", "3").startswith("Noted in Ada's journal")  # Ada is the default
    bea = json.loads(ok("--person", "Bea", "journal", "show", "--json"))
    assert [e["note"] for e in bea] == ["Bea's day"]
    shown = ok("journal", "show")
    assert shown.startswith("Ada's journal\n") and "Ada's back" in shown and "Bea's day" not in shown
    assert ok("--person", "Bea", "journal", "export", "--csv", str(tmp_path / "b.csv")).startswith(
        "Wrote 1 entry of Bea"
    )
    assert "Ada" not in (tmp_path / "b.csv").read_text()
    assert ok("people", "default", "Bea") == "Bea is the default person now.\n"
    assert ok("people", "list") == "  Ada\n* Bea\n"


def test_recorded_voices_are_each_persons_own():
    store = People()
    ada, bea = store.default(), store.add("Bea")
    mum = RecordedVoice("mum", bea.voices_folder)
    mum.create()
    mum.keep("Let yourself arrive.", np.zeros(22050, np.float32), 44100)
    assert "mum" not in ok("voice", "list") and "Listener has no recorded voices" in ok("voice", "list")
    assert ok("--person", "Bea", "voice", "list").startswith("Bea's recorded voices:\nmum  (1 take)")
    refused = run_main("voice", "show", "mum")
    assert refused.returncode == 2 and "no recorded voice named 'mum'" in refused.stderr
    assert not ada.voices_folder.exists()


def test_an_unknown_person_is_one_line_naming_the_flag_and_the_people():
    People().add("Ada")
    ran = run_main("--person", "Cy", "journal", "add", "--pain", "2")
    assert ran.returncode == 2 and ran.stderr.count("\n") == 1
    assert "nobody here is called 'Cy'; the people here are Listener, Ada (--person)" in ran.stderr
    assert Journal(People().get("Ada").journal_path, read_only=True).entries() == []


def test_remove_asks_once_and_forgets_one_person_only(tmp_path):
    ok("people", "add", "Ada")
    ok("--person", "Ada", "journal", "add", "--pain", "2")
    ok("journal", "add", "--pain", "5", "--note", "the listener's own")
    refused = run_main("people", "remove", "Ada")
    assert refused.returncode == 2 and "--yes" in refused.stderr and len(People().list()) == 2
    ok("--person", "Ada", "people", "export", "Ada", "-o", str(tmp_path / "ada.zip"))
    with zipfile.ZipFile(tmp_path / "ada.zip") as z:
        assert "journal.csv" in z.namelist() and "the listener's own" not in z.read("journal.csv").decode()
    ada = People().get("Ada")
    assert ok("people", "remove", "ada", "--yes").startswith("Removed Ada:")
    assert not ada.folder.exists() and [p.name for p in People().list()] == ["Listener"]
    assert "the listener's own" in ok("journal", "show")
    last = run_main("people", "remove", "Listener", "--yes")
    assert last.returncode == 2 and "only person" in last.stderr and "(NAME)" in last.stderr


def test_bad_names_are_one_line_each():
    for args in (["people", "add", ""], ["people", "add", "x" * 41], ["people", "rename", "Nobody", "Ada"]):
        ran = run_main(*args)
        assert ran.returncode == 2 and ran.stderr.startswith("Error: ") and ran.stderr.count("\n") == 1, args
    ok("people", "add", "Ada")
    taken = run_main("people", "add", "ADA")
    assert taken.returncode == 2 and "already called" in taken.stderr
