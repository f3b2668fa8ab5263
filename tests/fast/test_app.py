"""The app's rules in this process (Starlette's TestClient, a real SQLite journal): the guard
in front of every page, the journal's pages, the caregiver's rule, a form's bad answers, and
the growing WAV's header and ranges. The browser, the voice and the server's own process are
in tests/real/test_app.py."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import html
import io
import re
import stat
import struct

import numpy as np
import pytest
import soundfile as sf
from starlette.testclient import TestClient

from companion.app.devices import (
    FIRST_PAUSE_S,
    FREE_TRIES,
    MAX_NAME,
    MAX_PAUSE_S,
    Devices,
    Pairing,
    TooSoon,
    device_name,
)
from companion.app.guard import CONTENT_POLICY, Owner
from companion.app.jobs import Job
from companion.app.room import OWNER_FILE
from companion.app.server import make_app
from companion.app.stream import HEADER_BYTES, _bytes, wav_header
from companion.app.web import AppState
from companion.errors import BadInput
from companion.journal.entries import Ratings
from companion.journal.store import Journal
from companion.voice.recorded import list_voices

BASE = "http://127.0.0.1:8000"
OURS = {"origin": BASE}


@pytest.fixture
def state(tmp_path):
    state = AppState(tmp_path)
    yield state
    state.close()
    assert not state.work.exists()  # the app's folder of sessions goes with it


@pytest.fixture
def owner():
    return Owner()


@pytest.fixture
def client(state, owner):
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as client:
        assert client.get(f"/start?token={owner.token}").status_code == 303
        yield client


def test_the_one_time_address_gives_a_private_cookie_once(state, owner):
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as browser:
        token = owner.token
        assert browser.get("/today").status_code == 403  # not yet opened from the address
        first = browser.get(f"/start?token={token}")
        assert first.status_code == 303 and first.headers["location"] == "/"
        cookie = first.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        assert browser.get("/today").status_code == 200
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as other:
        again = other.get(f"/start?token={token}")
        assert again.status_code == 403 and "used already" in again.text  # once only
        assert other.get("/start?token=wrong").status_code == 403
        assert other.get("/journal").status_code == 403


def test_a_browser_already_in_goes_straight_in_and_the_spare_address_opens_once(state, owner):
    told = []
    owner.spare_changed = lambda: told.append(owner.spare)
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as browser:
        start = f"/start?token={owner.token}"
        assert browser.get(start).status_code == 303
        again = browser.get(start)  # the used address, in the browser that holds the cookie
        assert again.status_code == 303 and again.headers["location"] == "/" and "set-cookie" not in again.headers
    spare = owner.spare
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as other:
        assert other.get(f"/start?token={spare}").status_code == 303  # what a second `companion app` opens
        assert other.get("/journal").status_code == 200
    assert told == [owner.spare] and owner.spare != spare
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as third:
        assert third.get(f"/start?token={spare}").status_code == 403  # once only


def test_every_answer_carries_the_content_policy_and_private_ones_are_not_kept(client):
    page = client.get("/today")
    assert page.headers["content-security-policy"] == CONTENT_POLICY
    assert "default-src 'none'" in CONTENT_POLICY and "http" not in CONTENT_POLICY  # nothing from elsewhere
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    style = client.get("/static/player.css")
    assert style.status_code == 200 and "cache-control" not in style.headers
    assert client.get("/static/app.js").status_code == 200  # the app's own, beside the pack's
    assert client.get("/nowhere").status_code == 404


def test_another_address_for_this_computer_meets_a_page_that_says_what_to_do(client):
    answer = client.get("/journal", headers={"host": "my-laptop.lan:8000"})
    assert answer.status_code == 421 and answer.headers["content-type"].startswith("text/html")
    assert "companion app</strong> opened or printed" in answer.text and "<html lang='en'>" in answer.text
    assert "/static/" not in answer.text  # its styles are its own: that address gets nothing else
    assert "journal" not in answer.text.lower()


@pytest.mark.parametrize(
    "headers, status",
    [
        ({"host": "evil.example:8000", **OURS}, 421),  # DNS rebinding: another name for this address
        ({"host": "127.0.0.1:9999", **OURS}, 421),
        ({"origin": "http://evil.example"}, 403),  # a form on another site
        ({}, 403),  # no Origin
        ({**OURS, "sec-fetch-site": "cross-site"}, 403),
        ({**OURS, "cookie": "companion=guessed"}, 403),  # a wrong session
    ],
)
def test_the_guard_refuses_a_change_from_elsewhere(client, state, headers, status):
    if "cookie" in headers:
        client.cookies.clear()
    answer = client.post("/journal", data={"pain": "3"}, headers=headers)
    assert answer.status_code == status
    assert Journal(state.people.default().journal_path, read_only=True).entries() == []


def test_a_body_too_large_is_refused_before_it_is_read(client, state):
    answer = client.post("/journal", content=b"note=" + b"x" * 70_000, headers={**OURS})
    assert answer.status_code == 413
    # a person meets a calm page that says what to do, in the app's own style
    assert answer.headers["content-type"].startswith("text/html") and "Go back, and send fewer" in answer.text
    assert Journal(state.people.default().journal_path, read_only=True).entries() == []


def test_journal_add_change_delete_and_export(client, state):
    added = client.post("/journal", data={"anxiety": "6", "note": "=1+1 <script>"}, headers=OURS)
    assert added.status_code == 303 and added.headers["location"] == "/journal?kept=1"
    (entry,) = Journal(state.people.default().journal_path, read_only=True).entries()
    assert entry.ratings == Ratings(anxiety=6, note="=1+1 <script>") and entry.moment == "alone"
    page = client.get("/journal").text
    assert "Anxiety 6" in page and "=1+1 &lt;script&gt;" in page and "<script>" not in page.split("<main")[1]
    assert client.post(f"/journal/{entry.id}/edit", data={"anxiety": "4"}, headers=OURS).status_code == 303
    assert Journal(state.people.default().journal_path, read_only=True).entry(entry.id).ratings == Ratings(anxiety=4)  # type: ignore[union-attr]
    rows = list(csv.DictReader(io.StringIO(client.get("/journal/export.csv").text)))
    assert [r["anxiety"] for r in rows] == ["4"]
    assert "Delete this entry?" in client.get(f"/journal/{entry.id}/delete").text  # asked once, first
    assert Journal(state.people.default().journal_path, read_only=True).entries() != []
    assert client.post(f"/journal/{entry.id}/delete", headers=OURS).status_code == 303
    assert Journal(state.people.default().journal_path, read_only=True).entries() == []
    assert client.get(f"/journal/{entry.id}/edit").status_code == 404
    assert [p.name for p in state.work.iterdir()] == [OWNER_FILE]  # the export's file did not stay behind


@pytest.mark.parametrize(
    "form, words",
    [
        ({"pain": "11"}, "pain is 0 to 10, not 11"),
        ({"pain": "2.5"}, "a pain rating is a whole number"),
        ({"pain": "lots"}, "'lots' is not a number"),
        ({}, "at least one rating"),
        ({"note": "x" * 501}, "at most 500 characters"),
    ],
)
def test_a_bad_rating_is_said_on_the_page_and_nothing_is_kept(client, state, form, words):
    answer = client.post("/journal", data=form, headers=OURS)
    assert answer.status_code == 400 and words.lower() in html.unescape(answer.text).lower()
    assert 'role="alert"' in answer.text
    assert Journal(state.people.default().journal_path, read_only=True).entries() == []


def test_the_report_of_an_empty_period_writes_nothing(client, state):
    with Journal(state.people.default().journal_path) as journal:
        journal.add(Ratings(pain=3))
    empty = client.get("/journal/report.pdf?since=2020-01-01&until=2020-01-31")
    assert empty.status_code == 400 and "has nothing from 01 Jan 2020" in empty.text
    assert client.get("/journal/report.pdf?since=someday").status_code == 400
    report = client.get("/journal/report.pdf")
    assert report.status_code == 200 and report.content.startswith(b"%PDF")
    assert "attachment" in report.headers["content-disposition"]


@pytest.mark.parametrize(
    "form, words",
    [
        ({"energy_score": "11"}, "energy score is 0 to 10, not 11"),
        ({"minutes": "abc"}, "'abc' is not a number"),
        ({"goal": "work"}, "'work' is not one of rest, sleep, after-massage"),
    ],
)
def test_a_bad_check_in_answer_is_said_on_the_page(client, state, form, words):
    answer = client.post("/today", data=form, headers=OURS)
    assert answer.status_code == 400 and words.lower() in html.unescape(answer.text).lower()
    assert not state.heard


def test_the_caregiver_track_is_refused_until_the_notes_are_confirmed(client, state):
    page = client.get("/caregiver").text
    assert page.index('class="notes"') < page.index('value="confirm"') and 'name="part"' not in page
    refused = client.post("/caregiver", data={"action": "play", "part": "hands"}, headers=OURS)
    assert refused.status_code == 400 and "Not confirmed; nothing was made" in refused.text
    unticked = client.post("/caregiver", data={"action": "confirm"}, headers=OURS)
    assert unticked.status_code == 400 and not state.safety_confirmed
    assert not state.heard and not state.made
    confirmed = client.post("/caregiver", data={"action": "confirm", "read": "yes"}, headers=OURS)
    assert confirmed.status_code == 303 and state.safety_confirmed
    assert 'name="part"' in client.get("/caregiver").text


def test_the_wav_header_says_the_whole_length_from_the_start():
    frames, rate = 48_000 * 3 + 17, 48_000
    body = np.zeros((frames, 2), dtype="<i2").tobytes()
    info = sf.info(io.BytesIO(wav_header(rate, 2, frames) + body))
    assert (info.frames, info.samplerate, info.channels, info.subtype) == (frames, rate, 2, "PCM_16")
    assert len(wav_header(rate, 2, frames)) == HEADER_BYTES
    assert struct.unpack("<I", wav_header(rate, 1, 10)[40:44]) == (20,)


def test_a_range_not_yet_written_waits_for_it(tmp_path):
    """The reader follows the writer: bytes are given as they land, and the answer ends where
    the range does."""
    path = tmp_path / "growing.wav"
    job = Job("j", "session")

    async def read_while_writing() -> bytes:
        async def write() -> None:
            with open(path, "wb") as f:
                for i in range(10):
                    f.write(bytes([i]) * 1000)
                    f.flush()
                    await asyncio.sleep(0.01)
            job.finished.set()

        writer = asyncio.create_task(write())
        got = b"".join([chunk async for chunk in _bytes(path, 2500, 7499, job)])
        await writer
        return got

    got = asyncio.run(read_while_writing())
    assert got == b"".join(bytes([i]) * 1000 for i in range(10))[2500:7500]


@pytest.mark.parametrize(
    "form, words",
    [
        ({"region_0": "back"}, "give the minutes for 'back'"),
        ({"minutes_0": "10"}, "give each region with minutes a name"),
        (
            {"region_0": "back", "minutes_0": "50", "region_1": "legs", "minutes_1": "20", "minutes": "60"},
            "add up to 70",
        ),
        ({"minutes": "60", "ambience": "rain"}, "'rain' is not one of pink, brown, none"),
    ],
)
def test_a_massage_track_that_cannot_be_made_is_said_on_the_page(client, state, form, words):
    answer = client.post("/massage", data={"action": "plan", **form}, headers=OURS)
    assert answer.status_code == 400 and words.lower() in html.unescape(answer.text).lower()
    assert state.live is None and not state.made
    assert html.escape(form.get("region_0", "")) in answer.text  # what was typed is kept


@pytest.mark.parametrize(
    "fields, files, words",
    [
        ({"voice": ""}, [("takes", ("001.wav", b"x"))], "give the voice a name"),
        ({"voice": "../mum"}, [("takes", ("001.wav", b"x"))], "a voice name is 1-40 letters"),
        ({"voice": "Mum"}, [("takes", ("take one.wav", b"x"))], "is not named by its phrase's number"),
        ({"voice": "Mum"}, [("takes", ("001.wav", b"not a recording"))], "cannot be read as audio"),
        ({"voice": "Mum"}, [], "no recordings named by phrase number"),
    ],
)
def test_takes_that_cannot_be_imported_are_refused_before_a_voice_is_made(client, state, fields, files, words):
    answer = client.post("/voices/import", data=fields, files=files or None, headers=OURS)
    assert answer.status_code == 400 and words.lower() in html.unescape(answer.text).lower()
    assert not state.made
    assert "Mum ·" not in client.get("/voices").text
    assert list_voices() == []


@pytest.mark.parametrize("path", ["/today", "/listen", "/caregiver", "/massage", "/journal", "/pack", "/voices"])
def test_every_page_is_there_and_names_itself_in_the_menu(client, path):
    answer = client.get(path)
    assert answer.status_code == 200
    assert f'<a href="{path}" aria-current="page">' in answer.text  # where you are, for a screen reader too
    assert "<h1>" in answer.text and 'lang="en"' in answer.text


def test_the_phrases_to_record_are_numbered(client):
    answer = client.get("/voices/phrases?script=settling")
    assert answer.status_code == 200 and "<strong>001</strong>" in answer.text
    assert client.get("/voices/phrases?script=nothing").status_code == 400


# -- The home network (--lan): pairing, and trust by the door a request comes through ----
LAN = "http://127.0.0.2:8000"


class Clock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_code_pairs_once_within_five_minutes():
    clock = Clock()
    pairing = Pairing(clock)
    code = pairing.new_code()
    assert len(code) == 6 and code.isdigit()
    clock.t += 299
    assert pairing.try_code(code) is True
    assert pairing.try_code(code) is False  # one use
    late = pairing.new_code()
    clock.t += 301
    assert pairing.try_code(late) is False  # five minutes, no more


def test_wrong_codes_bring_a_pause_for_their_sender_alone_that_grows_to_five_minutes():
    clock = Clock()
    pairing = Pairing(clock)
    code = pairing.new_code()
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(FREE_TRIES - 1):
        assert pairing.try_code(wrong, "10.0.0.66") is False
    assert pairing.try_code(wrong, "10.0.0.66") is False  # the fifth: a pause begins
    with pytest.raises(TooSoon) as first:
        pairing.try_code(code, "10.0.0.66")  # even the right code waits, from that sender
    assert first.value.seconds == pytest.approx(FIRST_PAUSE_S)
    assert pairing.try_code(code, "10.0.0.7") is True  # the owner's phone, elsewhere, pairs at once
    waits: list[float] = []
    for _ in range(8):  # 60, 120, 240 s, then five minutes at most
        clock.t += waits[-1] if waits else FIRST_PAUSE_S
        assert pairing.try_code(wrong, "10.0.0.66") is False
        with pytest.raises(TooSoon) as paused:
            pairing.try_code(code, "10.0.0.66")
        waits.append(paused.value.seconds)
    assert waits == pytest.approx([60, 120, 240, MAX_PAUSE_S, MAX_PAUSE_S, MAX_PAUSE_S, MAX_PAUSE_S, MAX_PAUSE_S])


def test_a_new_code_starts_every_count_afresh():
    clock = Clock()
    pairing = Pairing(clock)
    pairing.new_code()
    for _ in range(FREE_TRIES + 3):
        with contextlib.suppress(TooSoon):
            pairing.try_code("000000", "10.0.0.66")
    with pytest.raises(TooSoon):
        pairing.try_code("000000", "10.0.0.66")
    code = pairing.new_code()
    assert pairing.try_code(code, "10.0.0.66") is True


def test_a_device_name_is_kept_tidy_and_a_blank_one_is_refused():
    assert device_name("  Anna's \t phone\x00 ") == "Anna's phone"
    assert len(device_name("x" * 300)) == MAX_NAME
    for blank in ("", "   ", "\x00\t"):
        with pytest.raises(BadInput, match="give the device a name"):
            device_name(blank)


def test_paired_devices_are_kept_owner_only_with_a_record_of_each_change(tmp_path):
    folder = tmp_path / "companion"
    devices = Devices(folder)
    device, token = devices.add("Anna's   phone")
    assert device.name == "Anna's phone" and token not in devices.path.read_text()  # only its hash
    assert Devices(folder).find(token) is not None and Devices(folder).find("guess") is None
    assert stat.S_IMODE(devices.path.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert devices.remove(device.id) and Devices(folder).find(token) is None
    record = devices.record.read_text().splitlines()
    assert [line.split("  ")[1:] for line in record] == [["paired", "Anna's phone"], ["removed", "Anna's phone"]]
    assert stat.S_IMODE(devices.record.stat().st_mode) == 0o600
    devices.path.write_text("{damaged")
    assert Devices(folder).all() == []  # a damaged list trusts nobody


@pytest.fixture
def lan(tmp_path, owner):
    state = AppState(tmp_path / "companion", f"{LAN}/pair")
    app = make_app(state, owner, 8000, "127.0.0.2")
    with (
        TestClient(app, base_url=BASE, follow_redirects=False) as here,
        TestClient(app, base_url=LAN, follow_redirects=False) as phone,
    ):
        assert here.get(f"/start?token={owner.token}").status_code == 303
        yield state, here, phone
    state.close()


def _pair(state, here, phone) -> None:
    page = here.post("/devices/code", headers=OURS).text
    code = _pairing_code(page)
    paired = phone.post("/pair", data={"code": code, "name": "Anna's phone"}, headers={"origin": LAN})
    assert paired.status_code == 303 and "HttpOnly" in paired.headers["set-cookie"]


def every_route(app) -> list[tuple[str, str]]:
    """(method, path) for every route the app has, its parameters filled in."""
    from starlette.routing import Route

    found = []
    for route in app.app.routes:  # the guard's app: the Starlette router behind it
        if isinstance(route, Route):
            path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: "1" if m.group(2) == ":int" else "x", route.path)
            found += [(method, path) for method in sorted(route.methods or ()) if method != "HEAD"]
    return found


def test_an_unpaired_device_reaches_the_pairing_page_and_nothing_else(lan):
    state, here, phone = lan
    with Journal(state.people.default().journal_path) as journal:
        journal.add(Ratings(pain=7, note="a private note"))
    routes = every_route(phone.app)
    assert len(routes) > 30
    for method, path in routes:
        answer = phone.request(method, path, headers={"origin": LAN}, data={"pain": "1"} if method == "POST" else None)
        if path == "/pair":
            assert answer.status_code in (200, 400), path
        elif path.startswith(("/devices", "/people")):
            assert answer.status_code == 403, path  # the codes, the list, the people: this computer only
        else:
            assert answer.status_code == 303 and answer.headers["location"] == "/pair", (method, path)
        assert b"private note" not in answer.content and b"Mum" not in answer.content
    assert phone.get(f"/start?token={here.cookies.get('companion')}").status_code == 403
    phone.cookies.set("companion", here.cookies.get("companion"))  # the owner's key does not open this door
    assert phone.get("/journal").status_code == 303
    pair_page = phone.get("/pair")
    assert pair_page.status_code == 200 and 'href="/journal"' not in pair_page.text  # no menu to go anywhere
    for form in ({"anxiety": "3"}, {"action": "confirm", "read": "yes"}):
        assert phone.post("/journal", data=form, headers={"origin": LAN}).status_code == 303
    journal = Journal(state.people.default().journal_path, read_only=True)
    assert not state.safety_confirmed and len(journal.entries()) == 1


def test_a_paired_device_works_until_it_is_removed(lan):
    state, here, phone = lan
    assert "companion can be reached from your home network" in here.get("/devices").text
    assert "<svg" in here.get("/devices").text  # the address as a QR code
    _pair(state, here, phone)
    assert phone.get("/journal").status_code == 200
    assert phone.post("/journal", data={"pain": "2"}, headers={"origin": LAN}).status_code == 303
    assert (
        phone.post("/journal", data={"pain": "2"}, headers={"origin": BASE}).status_code == 403
    )  # the other door's origin
    assert phone.get("/journal", headers={"host": "evil.example:8000"}).status_code == 421
    (device,) = state.devices.all()
    listed = here.get("/devices").text
    assert "Anna&#39;s phone" in listed and "last used" in listed
    assert here.post(f"/devices/{device.id}/remove", headers=OURS).status_code == 303
    assert phone.get("/journal").status_code == 303  # refused at once
    assert "Remove" not in here.get("/devices").text


def test_wrong_codes_on_the_pairing_page_pause_their_sender_and_a_new_code_starts_afresh(lan):
    state, here, phone = lan
    page = here.post("/devices/code", headers=OURS).text
    code = _pairing_code(page)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(FREE_TRIES):
        assert phone.post("/pair", data={"code": wrong, "name": "x"}, headers={"origin": LAN}).status_code == 400
    paused = phone.post("/pair", data={"code": code, "name": "x"}, headers={"origin": LAN})
    assert paused.status_code == 429 and "wait 30 seconds" in paused.text
    with TestClient(phone.app, base_url=LAN, follow_redirects=False, client=("10.0.0.7", 50000)) as other:
        paired = other.post("/pair", data={"code": code, "name": "Anna's phone"}, headers={"origin": LAN})
        assert paired.status_code == 303  # another device is not made to wait
    page = here.post("/devices/code", headers=OURS).text
    code = _pairing_code(page)
    assert phone.post("/pair", data={"code": code, "name": "Ben's tablet"}, headers={"origin": LAN}).status_code == 303
    assert [d.name for d in state.devices.all()] == ["Anna's phone", "Ben's tablet"]


@pytest.mark.parametrize("name", ["", "   ", "\t\x00"])
def test_a_blank_device_name_is_refused_and_the_code_still_pairs(lan, name):
    state, here, phone = lan
    page = here.post("/devices/code", headers=OURS).text
    code = _pairing_code(page)
    refused = phone.post("/pair", data={"code": code, "name": name}, headers={"origin": LAN})
    assert refused.status_code == 400 and "Give the device a name" in html.unescape(refused.text)
    assert state.devices.all() == []
    paired = phone.post("/pair", data={"code": code, "name": "Anna's phone"}, headers={"origin": LAN})
    assert paired.status_code == 303  # the one-time code was not used up


def test_the_walk_through_starts_at_the_first_phrase_without_a_take(client):
    page = client.get("/voices/record?voice=Mum&script=settling")
    assert page.status_code == 200 and "Phrase 1 of " in page.text and "capture" in page.text  # the phone's recorder
    assert page.text.index('class="stop"') < page.text.index('id="phrase"')  # the consent first
    assert client.get("/voices/record?script=settling").status_code == 400  # whose voice?


@pytest.mark.parametrize(
    "take, n, words",
    [
        (("take.wav", np.zeros((22050, 1), "<i2").tobytes(), "audio/x-raw"), "1", "'001.wav' cannot be read as audio"),
        (("take.txt", b"hello", "text/plain"), "1", "a take is one of"),
        (None, "1", "record the phrase first"),
        (("take.wav", b"x", "audio/wav"), "999", "the script has phrases 1 to"),
    ],
)
def test_a_take_that_cannot_be_kept_is_refused_and_nothing_is_kept(client, take, n, words):
    files = {"take": take} if take else None
    data = {"voice": "Mum", "script": "settling", "n": n}
    answer = client.post("/voices/record", data=data, files=files, headers=OURS)
    assert answer.status_code == 400 and words.lower() in html.unescape(answer.text).lower()
    assert list_voices() == []


def test_a_silent_take_is_asked_for_again_at_the_same_phrase(client):
    silent = io.BytesIO()
    sf.write(silent, np.zeros(22050 * 2, np.float32), 22050, format="WAV")
    answer = client.post(
        "/voices/record",
        data={"voice": "Mum", "script": "settling", "n": "2"},
        files={"take": ("take.wav", silent.getvalue(), "audio/wav")},
        headers=OURS,
    )
    assert answer.status_code == 400 and "Please record it again" in answer.text and "Phrase 2 of " in answer.text


def test_a_websocket_is_refused_at_the_guard(client):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/journal"):
        pass
    assert closed.value.code == 1008


def test_only_the_latest_sessions_keep_their_sound_on_disk(state):
    from companion.app.web import KEPT_SOUNDS, Heard

    made = []
    for i in range(KEPT_SOUNDS + 2):
        job = state.jobs.new("session")
        job.finished.set()
        heard = Heard(job, state.work / f"{i}.wav")
        heard.wav.write_bytes(b"RIFF")
        state.heard[job.id] = heard
        made.append(heard)
    state.forget_old_sounds()
    assert [h.wav.exists() for h in made] == [False, False] + [True] * KEPT_SOUNDS
    assert list(state.heard.values()) == made[2:]


def _pairing_code(page: str) -> str:
    """The six-digit code the owner's pairing page shows."""
    shown = re.search(r'class="code"[^>]*>(\d{6})<', page)
    assert shown is not None, "no pairing code on the page"
    return shown.group(1)


# -- issue 36: tap along ---------------------------------------------------------------------
@pytest.mark.parametrize(
    "form, status, said",
    [
        ({"tap_intervals": "4,4,4", "tap_since": "0.5"}, 200, "About 15 breaths a minute."),
        ({"tap_intervals": "1.4,3.4,1.4", "tap_since": "0"}, 200, "Please tap again"),
        ({"tap_intervals": "1,1,1"}, 400, "4.5 to 40 breaths a minute"),
        ({"tap_intervals": "4,x,4"}, 400, "could not be read"),
        ({"tap_intervals": "4,4"}, 400, "at least 4"),
        ({"tap_intervals": ""}, 200, ""),
    ],
)
def test_the_circles_taps_get_the_librarys_words(client, form, status, said):
    answer = client.post("/taps", data=form, headers={**OURS, "accept": "application/json"})
    assert answer.status_code == status
    body = answer.json()
    assert said in (body.get("said") or body.get("error") or "")
    if status == 200 and said.startswith("About"):
        assert body["rate"] == 15 and body["again"] is False


def test_a_check_in_with_taps_that_wandered_is_asked_again_on_the_page(client, state):
    answer = client.post("/today", data={"tap_intervals": "1.4,3.4,1.4", "tap_since": "0"}, headers=OURS)
    assert answer.status_code == 400 and "tap again" in html.unescape(answer.text)
    assert not state.heard


def test_the_breath_tapped_after_a_session_is_kept_beside_the_ratings(client, state):
    from companion.app.web import Heard
    from companion.journal.entries import SessionRecord

    job = state.jobs.new("session")
    state.heard[job.id] = Heard(job, state.work / "x.wav", record=SessionRecord("settling", "low", "relax", 6.0))
    state.heard[job.id].breath_rate = 20.0  # tapped on Listen before it started
    page = client.get(f"/session/{job.id}").text
    assert page.count('id="tap-circle"') == 1  # offered once, after the session
    # after the session the rate is for the journal: no tone is promised to start from it
    assert "kept with how you feel now" in page and "starts at that pace" not in page
    form = {"moment": "after", "pain": "2", "tap_intervals": "2.5,2.5,2.5,2.5", "tap_since": "0", "ended": "finished"}
    answer = client.post(f"/session/{job.id}/rating", data=form, headers=OURS)
    assert answer.status_code == 303
    with Journal(state.people.default().journal_path) as journal:
        entries = journal.entries()
    assert [(e.moment, e.ratings.pain, e.ratings.breath_rate) for e in entries] == [
        ("after", 2, 24.0),
        ("before", None, 20.0),
    ]


def test_a_jobs_address_of_the_other_kind_names_nothing(client, state):
    """A track's job id on a voice's import page, or an import's on a file's page, is a page
    that is not here (the fuzzer's find: the import page drew a track's job and failed)."""
    from companion.app.web import Made

    track, voice = state.jobs.new("session"), state.jobs.new("voice")
    state.made[track.id] = Made(track, "Settling", state.work / "s.mp3")
    state.made[voice.id] = Made(voice, "Mum", state.work / "voices" / "Mum")
    for address in (f"/voices/import/{track.id}", f"/file/{voice.id}", f"/file/{voice.id}/download"):
        assert client.get(address).status_code == 404, address
