"""Every door of a real `companion app --lan`, walked with hostile input through its own HTTP
server (tests/app_fuzzing.py): as its owner on 127.0.0.1, and as a paired phone and a
stranger on the home network's door. No answer is a fault, none carries a traceback, the
server writes nothing on its error stream (watched after every request, and by the app
fixture when it stops), and a refused request leaves the journal's rows as they were.

The work a valid request would start (a session, a file, a pack, a plan) is held back by
one refused field (a length of 1 minute, a pack without an energy level, a part no one
has): the walk takes a minute, not an hour of rendering. Every handler's own logic is
walked in the fast layer with those fields free (tests/fast/test_app_fuzz.py); here it is
the real server, its sockets, its headers and its error stream.
"""

from __future__ import annotations

import os
import re
import select
import time
from typing import Any

import pytest
from hypothesis import given, settings

from companion.journal.entries import Ratings
from companion.journal.store import Journal
from companion.voice.recorded import RecordedVoice
from tests.app_fuzzing import (
    KINDS,
    Case,
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
from tests.fuzzing import DEEP
from tests.helpers import default_person
from tests.real.test_app import LAN_ADDRESS, App, _cookie, app  # noqa: F401  (app: the fixture)

HELD_BACK = {  # one refused field for each door whose valid request starts work
    "/today": {"minutes": "1"},
    "/listen": {"minutes": "1"},
    "/massage": {"minutes": "1"},
    "/caregiver": {"part": "elbows"},
    "/pack": {"energy": "none"},
}
DRAWN = ("/journal/chart.png", "/journal/report.pdf")  # each answer is a picture or a PDF drawn anew
DRAWN_EXAMPLES = 10


class Walk:
    """The running app, its three visitors, and a valid value for each path parameter."""

    def __init__(self, running: App):
        import httpx2

        self.app = running
        self.lan = f"http://{LAN_ADDRESS}:{running.port}"
        # a connection a request: on a kept-alive one, uvicorn's h11 answers each request ~45 ms late
        fresh: dict[str, Any] = {
            "follow_redirects": False,
            "timeout": 30,
            "limits": httpx2.Limits(max_keepalive_connections=0),
        }
        self.clients = {
            "owner": httpx2.Client(base_url=running.base, headers={"cookie": _cookie(running)}, **fresh),
            "paired": httpx2.Client(base_url=self.lan, **fresh),
            "stranger": httpx2.Client(base_url=self.lan, **fresh),
        }
        self.valid: dict[str, str] = {}
        self.data = running.data / "companion"
        self.journal = default_person(running.data) / "journal.sqlite3"
        self._stderr = running.proc.stderr.fileno()  # type: ignore[union-attr]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()

    def post(self, role: str, path: str, data: dict, files=None):
        origin = self.app.base if role == "owner" else self.lan
        return self.clients[role].post(path, data=data, files=files, headers={"origin": origin})

    def pair(self, name: str) -> str:
        """A device paired by its code, as a phone pairs: its cookie."""
        page = self.post("owner", "/devices/code", {}).text
        code = re.search(r'class="code"[^>]*>(\d{6})<', page).group(1)  # type: ignore[union-attr]
        paired = self.post("stranger", "/pair", {"code": code, "name": name})
        assert paired.status_code == 303, paired.text
        self.clients["stranger"].cookies.clear()
        return paired.headers["set-cookie"].split(";")[0]

    def made(self, answer) -> str:
        """The job a page started, once it is done."""
        assert answer.status_code == 303, answer.text[:500]
        job = answer.headers["location"].rsplit("/", 1)[1]
        deadline = time.monotonic() + 120
        while self.clients["owner"].get(f"/jobs/{job}").json()["state"] == "running":
            assert time.monotonic() < deadline, job
            time.sleep(0.2)
        return job

    def said(self) -> str:
        """What the server has written on its error stream since last asked."""
        text = b""
        while select.select([self._stderr], [], [], 0)[0]:
            chunk = os.read(self._stderr, 65536)
            if not chunk:
                break
            text += chunk
        return text.decode(errors="replace")

    def send(self, way: Way, case: Case):
        client = self.clients[case.role]
        values = path_values(way, case, self.valid)
        headers = sendable_headers(case.headers)
        form, files = None, None
        if way.method == "POST":
            headers["origin"] = self.app.base if case.role == "owner" else self.lan
            form = {**case.form, **HELD_BACK.get(way.path, {})}
            if way.path in HELD_BACK:  # a body read as another kind would lose the field that holds it back
                headers.pop("content-type", None)
            files = [(u.field, (u.name, u.content, u.kind)) for u in case.files] or None
        return client.request(
            way.method, way.address(values), params=case.query or None, data=form, files=files, headers=headers
        )


@pytest.mark.lan
@pytest.mark.slow("every door of a real server walked with hundreds of hostile requests each")
def test_no_door_of_the_real_server_fails_on_hostile_input(app):  # noqa: F811  (app: the fixture)
    walk = Walk(app)
    try:
        _walk_every_door(walk)
    finally:
        walk.close()


def _walk_every_door(walk: Walk) -> None:
    phone = walk.pair("Anna's phone")
    walk.clients["paired"].headers["cookie"] = phone
    walk.pair("A spare phone")  # the one the walk may remove
    with Journal(walk.journal) as journal:
        entry = journal.add(Ratings(pain=4, note="a private note"))
        journal.add(Ratings(anxiety=2))
    RecordedVoice("Mum", default_person(walk.app.data) / "voices").create()
    session = walk.made(walk.post("owner", "/today", {"minutes": "2"}))
    made = walk.made(walk.post("owner", "/listen", {"minutes": "2", "action": "download"}))
    drawn = walk.post("owner", "/massage", {"minutes": "10", "action": "plan"}).text
    plan = re.search(r"/massage/plan/([\w-]+)\.png", drawn).group(1)  # type: ignore[union-attr]
    assert walk.clients["owner"].get(f"/massage/plan/{plan}.png").status_code == 200  # drawn
    listing = walk.clients["owner"].get("/devices").text
    spare = re.findall(r'action="/devices/([^/"]+)/remove"', listing)[-1]
    walk.valid = {"session": session, "file": made, "plan": plan, "entry": str(entry), "name": "Mum", "device": spare}
    walk.valid |= {"which": "audio", "i": "0", "path": "app.css"}
    pages = [walk.clients["owner"].get(path).text for path in ("/today", "/listen", "/caregiver", "/massage")]
    pages += [walk.clients["owner"].get(path).text for path in ("/journal", f"/journal/{entry}/edit", "/voices")]
    pages += [walk.clients["owner"].get(path).text for path in (f"/session/{session}", "/pack", "/devices")]
    pages += [walk.clients["owner"].get("/voices/record?voice=Mum&script=settling").text]
    pages += [walk.clients["stranger"].get("/pair").text]
    fields = fields_read_by_handlers(fields_in(pages))
    assert {"pain", "region_7", "energy_score", "heard_s", "code"} <= set(fields.values)
    params = {name: KINDS.get(name, []) for _, names in doors_of(walk) for name in names}
    assert walk.said() == ""
    for door in doors_of(walk):
        _walker(walk, door, fields, params)()


def _walker(walk: Walk, door: tuple[str, tuple[str, ...]], fields, params):
    """The door's own walk: DEEP, fewer where each answer is a picture or a PDF drawn anew."""

    @settings(DEEP, max_examples=DRAWN_EXAMPLES if door[0] in DRAWN else DEEP.max_examples)
    @given(case=cases(fields, params, one_method=True))
    @found_cases
    def walk_the_door(case: Case) -> None:
        for way in ways(door, case):
            before = kept(walk.data)
            answer = walk.send(way, case)
            check(way, case, answer.status_code, answer.content, before, kept(walk.data))
            said = walk.said()
            assert said == "", f"{way} {case!r}\n{said}"

    return walk_the_door


def doors_of(walk: Walk) -> list[tuple[str, tuple[str, ...]]]:
    """The app's routes, as the app itself lists them (the same code the server runs)."""
    from types import SimpleNamespace

    from companion.app.guard import Owner
    from companion.app.server import make_app

    return doors(make_app(SimpleNamespace(devices=None), Owner(), walk.app.port))  # type: ignore[arg-type]
