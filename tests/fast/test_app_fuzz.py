"""Every door of the app, walked with hostile input in this process (tests/app_fuzzing.py):
no answer is a fault (a 500), none carries a traceback, the app counts no fault, and a
refused request leaves the journal's rows as they were. The work a valid request starts
(a session, a file, a pack) is not done here: each job fails at once, as a job whose work
cannot be done does; making sessions is tested in tests/real/."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from companion.app.guard import Owner
from companion.app.jobs import Job
from companion.app.server import make_app
from companion.app.stream import wav_header
from companion.app.web import AppState
from companion.journal.entries import Ratings
from companion.journal.store import Journal
from companion.options import SessionOptions
from companion.paths import data_dir
from companion.plan.catalogue import default_cover
from companion.session import make_plan
from companion.voice.recorded import RecordedVoice
from tests.app_fuzzing import (
    KINDS,
    Case,
    Fields,
    Way,
    cases,
    check,
    doors,
    fields_in,
    fields_read_by_handlers,
    found_cases,
    kept,
    path_values,
    sendable_headers,
    ways,
)
from tests.fast.fake_voice import FakeNarrator
from tests.fuzzing import FAST

BASE, LAN = "http://127.0.0.1:8000", "http://127.0.0.2:8000"
# matplotlib builds its font cache with a subprocess on its first picture: walked in tests/real
DRAWS = ("GET /journal/chart.png", "HEAD /journal/chart.png")
DOORS = doors(make_app(SimpleNamespace(devices=None), Owner(), 8000))  # type: ignore[arg-type]  # the routes only
PARAMS: dict[str, list[str]] = {name: KINDS.get(name, []) for _, params in DOORS for name in params}
PAGE_FIELDS: dict[str, Fields] = {}  # the pages' fields, found by the first app this module makes


def _fail_at_once(job: Job, work) -> Job:
    job.state, job.message = "failed", "not made in the fast layer"
    job.finished.set()
    return job


@dataclass
class Doors:
    state: AppState
    clients: dict[str, TestClient]
    valid: dict[str, str]  # a valid value for each path parameter, and each kind of work's id
    app: object

    def kept(self) -> object:
        """What a person keeps, and the work the app was asked to do."""
        return {**kept(data_dir()), "work": sorted(self.state.jobs.jobs)}  # type: ignore[dict-item]


def _wav(seconds: float = 1.0) -> bytes:
    out = io.BytesIO()
    rng = np.random.default_rng(1)
    sf.write(out, (0.1 * rng.standard_normal(int(22050 * seconds))).astype(np.float32), 22050, format="WAV")
    return out.getvalue()


@pytest.fixture
def app(tmp_path):
    """The app with the home network's door, as its owner, a paired phone and a stranger see
    it, with something behind every address: journal entries, a voice, a session, a file, a
    pack, an import and a plan (their work failed at once)."""
    owner = Owner()
    state = AppState(None, f"{LAN}/pair")  # the data folder: the journal, the voices, the devices
    state.jobs.run = _fail_at_once  # type: ignore[method-assign]
    app = make_app(state, owner, 8000, "127.0.0.2")
    ours, theirs = {"origin": BASE}, {"origin": LAN}
    with (
        TestClient(app, base_url=BASE, follow_redirects=False) as here,
        TestClient(app, base_url=LAN, follow_redirects=False) as phone,
        TestClient(app, base_url=LAN, follow_redirects=False) as stranger,
    ):
        assert here.get(f"/start?token={owner.token}").status_code == 303
        code = re.search(r'class="code"[^>]*>(\d{6})<', here.post("/devices/code", headers=ours).text).group(1)  # type: ignore[union-attr]
        assert phone.post("/pair", data={"code": code, "name": "Anna's phone"}, headers=theirs).status_code == 303
        with Journal(state.people.default().journal_path) as journal:
            entry = journal.add(Ratings(pain=4, note="a private note"))
            journal.add(Ratings(anxiety=2))
        RecordedVoice("Mum").create()
        session = here.post("/today", data={}, headers=ours).headers["location"].rsplit("/", 1)[1]
        made = here.post("/listen", data={"action": "download"}, headers=ours).headers["location"].rsplit("/", 1)[1]
        pack = here.post("/pack", data={"energy": "low"}, headers=ours).headers["location"].rsplit("/", 1)[1]
        imported = here.post(
            "/voices/import", data={"voice": "Mum"}, files=[("takes", ("001.wav", _wav()))], headers=ours
        ).headers["location"]
        planned = re.search(r"/massage/plan/([\w-]+)\.png", here.post("/massage", data={}, headers=ours).text)
        (device,) = state.devices.all()  # type: ignore[union-attr]
        heard = state.heard[session]  # its sound, as a made session's is: served with ranges
        heard.wav.write_bytes(wav_header(44100, 1, 22050) + bytes(44100))
        heard.size = heard.wav.stat().st_size
        heard.job.state = "done"
        plan = state.jobs.jobs[planned.group(1)]  # type: ignore[union-attr]  # drawn, as a plan is
        (state.work / f"{plan.id}.png").write_bytes(default_cover())
        plan.finished.wait(10)  # it fails in this layer (no voice): made again with the fake one
        plan.result = make_plan(SessionOptions(mode="massage"), narrator=FakeNarrator())
        plan.state = "done"
        valid = {
            "session": session,
            "file": made,
            "pack": pack,
            "import": imported.rsplit("/", 1)[1],
            "plan": plan.id,
            "entry": str(entry),
            "name": "Mum",
            "device": device.id,
            "which": "audio",
            "i": "0",
            "path": "app.css",
        }
        if "fields" not in PAGE_FIELDS:
            PAGE_FIELDS["fields"] = _fields(here, valid, state)
        assert app.app.state.faults == []  # type: ignore[attr-defined]
        yield Doors(state, {"owner": here, "paired": phone, "stranger": stranger}, valid, app)
    state.close()


def _fields(here: TestClient, valid: dict[str, str], state: AppState) -> Fields:
    """The fields of every form the owner's pages draw (the caregiver's once its notes are
    confirmed), and what the handlers read by name."""
    pages = []
    for path, params in doors(here.app):
        way = Way("GET", path, params)
        if not path.startswith("/static") and str(way) not in DRAWS:
            answer = here.get(way.address(path_values(way, Case(), valid)))
            pages.append(answer.text if answer.headers.get("content-type", "").startswith("text/html") else "")
    here.post("/caregiver", data={"action": "confirm", "read": "yes"}, headers={"origin": BASE})
    pages += [here.get("/caregiver").text, here.get("/voices/record?voice=Mum&script=settling").text]
    state.safety_confirmed = False
    return fields_read_by_handlers(fields_in(pages))


def test_the_pages_fields_are_found(app):
    """The walk below is only as good as what it finds: the forms' fields, each rating, the
    massage regions, the upload fields and what the handlers read by name."""
    fields = PAGE_FIELDS["fields"]
    expected = {"pain", "wellbeing", "note", "region_0", "region_7", "minutes_7", "energy_score", "heard_s", "part"}
    assert expected | {"code", "since", "until", "kept", "done", "n", "voice", "script"} <= set(fields.values)
    assert fields.files == {"takes", "take"}
    assert {"rest", "after-massage"} <= fields.values["goal"] and "10" in fields.values["pain"]


def _send(app: Doors, way: Way, case: Case):
    client = app.clients[case.role]
    values = path_values(way, case, app.valid)
    headers = sendable_headers(case.headers)
    if way.method == "POST":
        headers["origin"] = BASE if case.role == "owner" else LAN
    files = [(u.field, (u.name, u.content, u.kind)) for u in case.files] if way.method == "POST" else None
    return client.request(
        way.method,
        way.address(values),
        params=case.query or None,
        data=case.form if way.method == "POST" else None,
        files=files or None,
        headers=headers,
    )


@pytest.mark.parametrize("door", DOORS, ids=lambda door: door[0])
@FAST
@given(case=st.deferred(lambda: cases(PAGE_FIELDS["fields"], PARAMS)))
@found_cases
def test_no_door_fails_on_hostile_input(app, door, case):
    for way in ways(door, case):  # none when the example was found at another door
        if str(way) in DRAWS:
            continue
        before = app.kept()
        answer = _send(app, way, case)
        check(way, case, answer.status_code, answer.content, before, app.kept())
        assert app.app.app.state.faults == [], (str(way), case)
