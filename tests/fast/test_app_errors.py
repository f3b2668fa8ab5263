"""The app's one error path (companion.app.faults), in this process: a damaged journal said as
the command line says it, on every page that reads it, with the file left as it was; a
fetch answered in JSON; an address that names nothing; a fault of ours as a calm page that
the tests still see; a refused upload gone at once; an import whose every take fails
leaving no voice. The real server's stderr and the browser are in tests/real/."""

from __future__ import annotations

import html
import io
import re

import numpy as np
import pytest
import soundfile as sf
from starlette.testclient import TestClient

from companion.app.devices import FREE_TRIES
from companion.app.guard import Owner
from companion.app.room import OWNER_FILE
from companion.app.server import make_app
from companion.app.web import AppState
from companion.journal.entries import Ratings
from companion.journal.store import Journal
from companion.voice.recorded import RecordedVoice, list_voices
from tests.helpers import run_main

BASE = "http://127.0.0.1:8000"
OURS = {"origin": BASE}


@pytest.fixture
def state():
    state = AppState(None)  # the command line's journal too
    yield state
    state.close()


@pytest.fixture
def client(state):
    owner = Owner()
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as client:
        assert client.get(f"/start?token={owner.token}").status_code == 303
        yield client
    assert client.app.app.state.faults == []  # no page failed on our side


def _alert(answer) -> str:
    found = re.search(r'role="alert">(.*?)</p>', answer.text, re.S)
    return html.unescape(found.group(1)) if found else ""


def _garbage(path) -> None:
    path.write_bytes(b"this is not a database" * 100)


def _cut_short(path) -> None:
    """A journal cut off half-way, as a copy interrupted or a disk gone bad leaves it."""
    with Journal(path) as journal:
        for i in range(300):
            journal.add(Ratings(pain=i % 11, note="a note long enough to fill the pages " * 3))
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _page_overwritten(path) -> None:
    """A page in the middle of the file overwritten: the header is fine, a table is not."""
    with Journal(path) as journal:
        for i in range(300):
            journal.add(Ratings(anxiety=i % 11, note="another note to fill the file's pages " * 3))
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 5] = b"\xff" * 8192
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _cut_short, _page_overwritten])
def test_a_damaged_journal_is_said_as_the_command_line_says_it_and_left_alone(client, state, damage):
    path = state.people.default().journal_path
    path.parent.mkdir(parents=True, exist_ok=True)
    damage(path)
    before = path.read_bytes()
    cli = run_main("journal", "show")
    said = cli.stderr.strip().removeprefix("Error: ")
    assert cli.returncode == 1 and "damaged" in said and "move it aside" in said
    adding = run_main("journal", "add", "--pain", "3")  # a damaged page met while writing, too
    assert adding.returncode == 1 and adding.stderr.strip().removeprefix("Error: ") == said
    answers = {
        "Journal page": client.get("/journal"),
        "adding an entry": client.post("/journal", data={"pain": "3", "note": "kept?"}, headers=OURS),
        "the report": client.get("/journal/report.pdf"),
        "the chart": client.get("/journal/chart.png"),
        "the export": client.get("/journal/export.csv"),
        "changing an entry": client.post("/journal/1/edit", data={"pain": "1"}, headers=OURS),
        "deleting an entry": client.post("/journal/1/delete", headers=OURS),
    }
    for what, answer in answers.items():
        assert answer.status_code == 503, what
        assert _alert(answer) == said[:1].upper() + said[1:] + ".", what  # the command line's sentence
        assert answer.headers["retry-after"] and "Traceback" not in answer.text, what
        assert 'href="/journal">Back to Journal' in answer.text
    assert path.read_bytes() == before  # nothing in the file was changed
    fetched = client.get("/journal/export.csv", headers={"accept": "application/json"})
    assert fetched.status_code == 503 and fetched.json()["error"].startswith("The journal '")


@pytest.mark.parametrize(
    "page, form, words",
    [
        ("/today", {"minutes": "1"}, "A session lasts 2 to 180 minutes, not 1."),
        ("/listen", {"minutes": "181"}, "A session lasts 2 to 180 minutes, not 181."),
        ("/massage", {"minutes": "5", "action": "plan"}, "A massage track lasts 10 to 180 minutes, not 5."),
        ("/massage", {"minutes": "nan", "action": "plan"}, "A massage track lasts 10 to 180 minutes, not nan."),
    ],
)
def test_a_length_is_the_librarys_rule_in_its_words(client, state, page, form, words):
    answer = client.post(page, data=form, headers=OURS)
    assert answer.status_code == 400 and _alert(answer) == words
    assert not state.jobs.jobs  # nothing was begun


def test_a_length_the_library_takes_is_taken(client, state):
    for page, form in (("/listen", {"minutes": "120"}), ("/massage", {"minutes": "180", "action": "plan"})):
        answer = client.post(page, data=form, headers=OURS)
        assert answer.status_code in (200, 303) and not _alert(answer), page  # 1-90 and 1-600 no more
    assert len(state.jobs.jobs) == 2


def test_a_fetch_is_answered_in_json_and_a_page_as_a_page(client):
    gone = client.get("/jobs/nothing-here")  # the pages' script asks here
    assert gone.status_code == 404 and gone.json()["error"]
    assert client.get("/session/nothing-here").status_code == 404
    assert "This page is not here" in client.get("/session/nothing-here").text
    refused = client.post("/journal", data={"pain": "11"}, headers={**OURS, "accept": "application/json"})
    assert refused.status_code == 400 and "pain" in refused.text  # the form says it on its own page
    wrong = client.post("/voices", headers=OURS)  # a method the address does not take
    assert wrong.status_code == 405 and "That cannot be done at this address." == _alert(wrong)


@pytest.mark.parametrize("name", ["%2E", "%2E%2E", "%00", "x" * 300, "Nobody"])
def test_a_voice_name_that_names_no_voice_is_not_here(client, name):
    for method in ("GET", "POST"):
        answer = client.request(method, f"/voices/{name}/remove", headers=OURS)
        assert answer.status_code == 404 and "This page is not here" in answer.text, (method, name)


@pytest.mark.parametrize("entry", ["9" * 19, "9" * 30, "9" * 5000])
def test_an_entry_id_too_long_for_any_entry_is_not_here(client, state, entry):
    with Journal(state.people.default().journal_path) as journal:
        journal.add(Ratings(pain=2))
    for method, path in (("GET", "edit"), ("POST", "edit"), ("POST", "delete")):
        assert client.request(method, f"/journal/{entry}/{path}", headers=OURS).status_code == 404
    assert len(Journal(state.people.default().journal_path, read_only=True).entries()) == 1


def test_a_fault_of_ours_is_a_calm_page_that_the_tests_still_see(client, monkeypatch, capsys):
    import companion.app.journal as journal_page

    def broken(state):
        return dict[str, int]()["a key a defect looks for"]

    monkeypatch.setattr(journal_page, "_entries", broken)
    answer = client.get("/journal")
    assert answer.status_code == 500 and "Something went wrong inside companion" in _alert(answer)
    assert "Traceback" not in answer.text and "KeyError" not in answer.text and "a key" not in answer.text
    assert client.get("/journal", headers={"accept": "application/json"}).json()["status"] == 500
    faults = client.app.app.state.faults
    assert len(faults) == 2 and all(f.startswith("KeyError at companion/app/journal.py:") for f in faults)
    err = capsys.readouterr().err
    assert err.count("Error: a page failed inside companion (KeyError at") == 2 and "a key" not in err
    faults.clear()  # seen: the fixture's own check would fail on them


def _wav(seconds: float, loud: float) -> bytes:
    out = io.BytesIO()
    audio = loud * np.random.default_rng(3).standard_normal(int(22050 * seconds)).astype(np.float32)
    sf.write(out, audio, 22050, format="WAV")
    return out.getvalue()


def test_refused_uploads_are_gone_at_once(client, state):
    junk = b"not a recording at all " * 40_000  # about 1 MB
    takes = [("takes", ("001.wav", _wav(1.0, 0.1))), ("takes", ("002.wav", junk)), ("takes", ("bad name.wav", junk))]
    for files in (takes[:2], takes, [takes[0], ("takes", ("003.wav", junk))]):
        answer = client.post("/voices/import", data={"voice": "Mum"}, files=files, headers=OURS)
        assert answer.status_code == 400
    record = {"voice": "Mum", "script": "settling", "n": "1"}
    answer = client.post("/voices/record", data=record, files={"take": ("t.wav", junk, "audio/wav")}, headers=OURS)
    assert answer.status_code == 400
    assert [p.name for p in state.work.iterdir()] == [OWNER_FILE]  # nothing of them stays in the app's folder
    assert list_voices() == []


def test_an_import_whose_every_take_fails_leaves_no_voice(client, state):
    silent = [("takes", (f"00{i}.wav", _wav(2.0, 0.0))) for i in (1, 2)]
    answer = client.post("/voices/import", data={"voice": "Mum"}, files=silent, headers=OURS)
    assert answer.status_code == 303
    job = state.jobs.jobs[answer.headers["location"].rsplit("/", 1)[1]]
    assert job.finished.wait(30) and job.state == "done", job.message
    assert job.result["kept"] == 0 and len(job.result["problems"]) == 2
    assert list_voices() == [] and not RecordedVoice("Mum").folder.exists()
    page = client.get(answer.headers["location"]).text
    assert "No voice called Mum was made" in page
    assert [p.name for p in state.work.iterdir()] == [OWNER_FILE]  # the uploaded takes went with the work


def test_a_head_is_read_as_the_get_it_stands_for_never_a_change():
    """Starlette gives every GET route a HEAD, and the guard lets it through as safe (no
    Origin): each page that reads on GET and changes on anything else took a HEAD as a POST."""
    lan = "http://127.0.0.2:8000"
    owner = Owner()
    state = AppState(None, f"{lan}/pair")
    app = make_app(state, owner, 8000, "127.0.0.2")
    with (
        TestClient(app, base_url=BASE, follow_redirects=False) as here,
        TestClient(app, base_url=lan, follow_redirects=False) as phone,
    ):
        assert here.get(f"/start?token={owner.token}").status_code == 303
        with Journal(state.people.default().journal_path) as journal:
            entry = journal.add(Ratings(pain=3))
        RecordedVoice("Mum").create()
        pages = ["/today", "/listen", "/caregiver", "/massage", "/pack", "/journal", "/voices/Mum/remove"]
        for path in [*pages, f"/journal/{entry}/edit", f"/journal/{entry}/delete"]:
            answer = here.head(path)
            assert answer.status_code == 200 and answer.content == b"", path
        for _ in range(FREE_TRIES + 1):  # as many wrong codes would make the next right one wait
            assert phone.head("/pair").status_code == 200
        code = re.search(r'class="code"[^>]*>(\d{6})<', here.post("/devices/code", headers=OURS).text).group(1)  # type: ignore[union-attr]
        assert (
            phone.post("/pair", data={"code": code, "name": "Anna's phone"}, headers={"origin": lan}).status_code == 303
        )
        assert app.app.state.faults == []  # type: ignore[attr-defined]
    assert [e.id for e in Journal(state.people.default().journal_path, read_only=True).entries()] == [entry]
    assert [v.name for v in list_voices()] == ["Mum"] and not state.jobs.jobs and not state.heard
    state.close()
