"""Many listeners in the app (issue 33), in this process: the bar names whose page it is on
every page, the picker changes it, each person's journal, voices, plans and files reach
nobody else's pages (with two and with fifty people), the People page adds, renames, exports
and removes, and a paired phone limited to one person sees that person's pages alone."""

from __future__ import annotations

import html
import io
import re
import zipfile

import pytest
from starlette.testclient import TestClient

from companion import Journal, Ratings
from companion.app.guard import Owner
from companion.app.server import make_app
from companion.app.web import AppState
from companion.voice.recorded import RecordedVoice

BASE = "http://127.0.0.1:8000"
LAN = "http://127.0.0.2:8000"
OURS = {"origin": BASE}
PAGES = ["/today", "/listen", "/caregiver", "/massage", "/journal", "/voices", "/pack", "/who"]


@pytest.fixture
def app(tmp_path):
    owner = Owner()
    state = AppState(tmp_path / "companion", f"{LAN}/pair")
    made = make_app(state, owner, 8000, "127.0.0.2")
    with (
        TestClient(made, base_url=BASE, follow_redirects=False) as here,
        TestClient(made, base_url=LAN, follow_redirects=False) as phone,
    ):
        assert here.get(f"/start?token={owner.token}").status_code == 303
        yield state, here, phone
    state.close()


def text(answer) -> str:
    assert answer.status_code == 200, answer.text[:500]
    return html.unescape(answer.text)


def whose(page: str) -> str:
    found = re.search(r'<span class="here">([^<]*)</span></summary>\n<div class="menu-list">', page) or re.search(
        r'<p class="whose-only">For <strong>([^<]*)</strong>', page
    )
    assert found is not None, "no name in the bar"
    return found.group(1)


def choose(client: TestClient, person, origin: str = BASE) -> None:
    answer = client.post("/person", data={"person": person.id, "back": "/journal"}, headers={"origin": origin})
    assert answer.status_code == 303 and answer.headers["location"] == "/journal"


def fill(state: AppState, person, marker: str) -> None:
    with Journal(person.journal_path) as journal:
        journal.add(Ratings(pain=3, note=f"note of {marker}"))
    RecordedVoice(f"voice {marker}", person.voices_folder).create()


def test_every_page_names_its_person_and_the_picker_changes_it(app):
    state, here, _ = app
    _, bea = state.people.rename("Listener", "Ada"), state.people.add("Bea")
    for path in PAGES:
        page = text(here.get(path))
        assert whose(page) == "Ada" and f'value="{bea.id}" class="small">Bea</button>' in page, path
        assert 'href="/people"' in page  # this computer manages the people
    choose(here, bea)
    assert all(whose(text(here.get(p))) == "Bea" for p in PAGES)
    refused = here.post("/person", data={"person": "nobody"}, headers=OURS)
    assert refused.status_code == 404 and whose(text(here.get("/today"))) == "Bea"
    state.people.forget(bea.id)
    assert whose(text(here.get("/today"))) == "Ada"  # a choice of someone gone: the default


def check_apart(state: AppState, here: TestClient, people: list) -> None:
    for person in people:
        choose(here, person)
        others = [f"of {p.id}" for p in people if p.id != person.id]
        journal, voices = text(here.get("/journal")), text(here.get("/voices"))
        listen = text(here.get("/listen"))
        assert f"note of {person.id}" in journal and f"voice {person.id}" in voices + listen
        csv = here.get("/journal/export.csv").text
        assert f"note of {person.id}" in csv
        for seen in (journal, voices, listen, csv):
            assert not any(o in seen for o in others)


def test_two_people_see_only_their_own(app):
    state, here, _ = app
    ada, bea = state.people.rename("Listener", "Ada"), state.people.add("Bea")
    fill(state, ada, ada.id)
    fill(state, bea, bea.id)
    check_apart(state, here, [ada, bea])
    choose(here, bea)  # an entry written on Bea's page is Bea's
    assert here.post("/journal", data={"anxiety": "4", "note": "from the page"}, headers=OURS).status_code == 303
    assert [e.ratings.note for e in Journal(bea.journal_path, read_only=True).entries()][0] == "from the page"
    assert "from the page" not in str([e.ratings.note for e in Journal(ada.journal_path, read_only=True).entries()])


@pytest.mark.slow("fifty people's journals and voices, each read through four of the app's pages")
def test_fifty_people_see_only_their_own(app):
    state, here, _ = app
    people = [state.people.default()] + [state.people.add(f"Client {n}") for n in range(2, 51)]
    for person in people:
        fill(state, person, person.id)
    page = text(here.get("/today"))
    assert page.count('name="person" value=') == 49  # everyone else, one tap away
    check_apart(state, here, people)


def test_a_clients_plans_are_listed_played_and_changed_on_the_massage_page(app):
    state, here, _ = app
    _, bea = state.people.rename("Listener", "Ada"), state.people.add("Bea")
    form = {"action": "save", "plan_name": "back and shoulders", "minutes": "60"}
    form |= {"region_0": "back", "minutes_0": "30", "region_1": "shoulders", "minutes_1": "20"}
    kept = text(here.post("/massage", data=form, headers=OURS))
    assert "Kept as Ada's plan: back and shoulders, 60 min." in kept
    page = text(here.get("/massage"))
    assert "Ada: back and shoulders, 60 min</button>" in page and "Ada's plans" in page
    plans = page[page.index('<ul class="plans">') :]
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', plans[: plans.index("</ul>")]))
    assert hidden == {
        "minutes": "60",
        "region_0": "back",
        "minutes_0": "30",
        "region_1": "shoulders",
        "minutes_1": "20",
    }
    change = text(here.get("/massage?plan=back+and+shoulders"))
    assert 'value="shoulders"' in change and 'value="back and shoulders"' in change
    bad = here.post("/massage", data={**form, "minutes_1": "40"}, headers=OURS)
    assert bad.status_code == 400 and "more than the 60-minute track" in html.unescape(bad.text)
    choose(here, bea)
    assert "back and shoulders, 60 min" not in text(here.get("/massage"))


def test_the_people_page_adds_renames_exports_and_removes_one_person(app):
    state, here, _ = app
    assert here.post("/people", data={"action": "add", "name": "Ada"}, headers=OURS).status_code == 303
    ada = state.people.get("Ada")
    fill(state, ada, ada.id)
    fill(state, state.people.default(), "the listener")
    taken = here.post("/people", data={"action": "add", "name": "ada"}, headers=OURS)
    assert taken.status_code == 400 and "already called" in html.unescape(taken.text)
    assert (
        here.post("/people", data={"action": "rename", "person": ada.id, "name": "Ada L"}, headers=OURS).status_code
        == 303
    )
    zipped = here.get(f"/people/{ada.id}/export.zip")
    assert zipped.status_code == 200
    with zipfile.ZipFile(io.BytesIO(zipped.content)) as z:
        everything = b"".join(z.read(n) for n in z.namelist()).decode("latin-1")
    assert f"note of {ada.id}" in everything and "the listener" not in everything
    confirm = text(here.get(f"/people/{ada.id}/remove"))
    assert "Remove Ada L?" in confirm and state.people.by_id(ada.id) is not None  # asked, nothing done
    assert here.post(f"/people/{ada.id}/remove", headers=OURS).status_code == 303
    assert state.people.by_id(ada.id) is None and not ada.folder.exists()
    assert "note of the listener" in text(here.get("/journal"))


def pair_limited(state: AppState, here: TestClient, phone: TestClient, person) -> None:
    code = re.search(r'class="code"[^>]*>(\d{6})<', here.post("/devices/code", headers=OURS).text).group(1)  # type: ignore[union-attr]
    assert phone.post("/pair", data={"code": code, "name": "Bea's phone"}, headers={"origin": LAN}).status_code == 303
    (device,) = state.devices.all()  # type: ignore[union-attr]
    limited = here.post(f"/devices/{device.id}/person", data={"person": person.id}, headers=OURS)
    assert limited.status_code == 303 and state.devices.all()[0].person == person.id  # type: ignore[union-attr]


def test_a_phone_limited_to_one_person_sees_that_person_alone(app):
    state, here, phone = app
    ada, bea = state.people.rename("Listener", "Ada"), state.people.add("Bea")
    fill(state, ada, ada.id)
    fill(state, bea, bea.id)
    pair_limited(state, here, phone, bea)
    for path in PAGES:
        page = text(phone.get(path))
        assert whose(page) == "Bea" and "Ada" not in page and ada.id not in page, path
    assert f"note of {bea.id}" in text(phone.get("/journal"))
    assert ada.id not in phone.get("/journal/export.csv").text
    assert phone.post("/person", data={"person": ada.id}, headers={"origin": LAN}).status_code == 404
    assert phone.get("/people").status_code == 403 and phone.get(f"/people/{ada.id}/export.zip").status_code == 403
    assert whose(text(phone.get("/journal"))) == "Bea"
    state.people.forget(bea.id)  # the person it was for is gone: nobody's data, not the default's
    for path in PAGES[:-1]:
        gone = phone.get(path)
        assert gone.status_code == 404 and ada.id not in gone.text and "Ada" not in gone.text, path


def test_a_phone_limited_to_one_person_reaches_no_one_elses_session(app):
    from companion import SessionRecord
    from companion.app.web import Heard

    state, here, phone = app
    ada, bea = state.people.rename("Listener", "Ada"), state.people.add("Bea")
    pair_limited(state, here, phone, bea)
    record = SessionRecord("settling", "low", "relax", 6.0)
    for someone in (ada, bea):
        job = state.jobs.new("session")
        state.heard[job.id] = Heard(job, state.work / f"{job.id}.wav", record=record, journal=someone.journal_path)
        mine = someone is bea
        assert (phone.get(f"/session/{job.id}").status_code == 200) is mine, someone.name
        rated = phone.post(f"/session/{job.id}/rating", data={"moment": "after", "pain": "2"}, headers={"origin": LAN})
        assert (rated.status_code == 303) is mine, someone.name
    assert Journal(ada.journal_path, read_only=True).entries() == []


def test_a_session_rated_after_its_person_was_removed_brings_back_nothing_of_theirs(app):
    from companion import SessionRecord
    from companion.app.web import Heard

    state, here, _ = app
    bea = state.people.add("Bea")
    job = state.jobs.new("session")
    record = SessionRecord("settling", "low", "relax", 6.0)
    state.heard[job.id] = Heard(job, state.work / f"{job.id}.wav", record=record, journal=bea.journal_path)
    state.people.forget(bea.id)
    rated = here.post(f"/session/{job.id}/rating", data={"moment": "after", "pain": "2"}, headers=OURS)
    assert rated.status_code == 404 and not bea.folder.exists()
    assert Journal(state.people.default().journal_path, read_only=True).entries() == []  # nor in anyone else's


def test_an_export_leaves_nothing_in_the_apps_folder(app):
    state, here, _ = app
    ada = state.people.add("Ada")
    fill(state, ada, ada.id)
    assert here.get(f"/people/{ada.id}/export.zip").status_code == 200
    assert not list(state.work.rglob("*.zip"))
