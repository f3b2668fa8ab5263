"""Which phrases a recorded voice needs (companion/voice/phrases.py), and the app's pages that
show them: named before a session plays, the chosen energy's first on the Voices pages, and
a next step after an import."""

from __future__ import annotations

import html
import re

import numpy as np
import pytest
from starlette.testclient import TestClient

from companion.app.guard import Owner
from companion.app.server import make_app
from companion.app.web import AppState
from companion.errors import BadInput
from companion.journal.entries import SessionRecord
from companion.journal.store import Journal
from companion.options import SessionOptions
from companion.pack.make import choose_tracks, make_pack
from companion.pack.model import PackOptions
from companion.pack.unrecorded import unrecorded_notice, unrecorded_tracks
from companion.plan.catalogue import resolve_script
from companion.plan.profile import SAMPLE_RATE, Energy
from companion.plan.scripts import personalise
from companion.session import make_session
from companion.voice.phrases import numbered, numbers_said, split_by_energy, unrecorded, walk_order
from companion.voice.recorded import CONSENT, RecordedVoice, script_phrases

BASE = "http://127.0.0.1:8000"
OURS = {"origin": BASE}
TAKE = np.full(SAMPLE_RATE // 2, 0.1, np.float32)


def _settling():
    return resolve_script("settling", Energy.MEDIUM)


def test_a_low_energy_session_needs_only_its_own_phrases_numbered_as_the_script_numbers_them():
    script = _settling()
    spoken, rest = split_by_energy(script, "low")
    every = numbered(script)
    assert [p.text for p in every] == script_phrases(script)
    assert sorted(spoken + rest, key=lambda p: p.number) == every  # each phrase once, its own number
    assert [p.text for p in spoken] == list(dict.fromkeys(personalise(script, None).phrases_for("low")))
    assert 0 < len(spoken) < len(every) and rest  # fewer than the script has
    order = walk_order(script, "low")
    assert order[: len(spoken)] == [p.number for p in spoken] and sorted(order) == [p.number for p in every]
    assert walk_order(script) == [p.number for p in every]
    assert walk_order(script, "low", only={rest[0].number, spoken[1].number}) == [spoken[1].number, rest[0].number]


def test_a_name_is_in_the_phrases_the_session_says():
    script = resolve_script("settling", Energy.MEDIUM)
    spoken, _ = split_by_energy(script, "low", "Ada")
    assert [p.text for p in spoken] == list(dict.fromkeys(personalise(script, "Ada").phrases_for("low")))


def test_unrecorded_names_what_the_bundled_voice_would_say():
    script = _settling()
    voice = RecordedVoice("Mum")
    voice.create()
    spoken, rest = split_by_energy(script, "low")
    assert unrecorded(voice, script, "low") == spoken  # nothing recorded yet
    for p in spoken[2:]:
        voice.keep(p.text, TAKE, SAMPLE_RATE)
    voice.keep(rest[0].text, TAKE, SAMPLE_RATE)  # a phrase of another level does not count
    assert unrecorded(voice, script, "low") == spoken[:2]
    for p in spoken[:2]:
        voice.keep(p.text, TAKE, SAMPLE_RATE)
    assert unrecorded(voice, script, "low") == []


@pytest.fixture
def client(tmp_path):
    state = AppState(None)  # the data folder: the default person's journal and voices
    owner = Owner()
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as client:
        assert client.get(f"/start?token={owner.token}").status_code == 303
        yield client
    state.close()


def _mum_lacking_two() -> list:
    """Mum's voice with every phrase of a low-energy relax session (settling) but two."""
    voice = RecordedVoice("Mum")
    voice.create()
    spoken, _ = split_by_energy(_settling(), "low")
    for p in spoken[2:]:
        voice.keep(p.text, TAKE, SAMPLE_RATE)
    return spoken[:2]


def test_listen_names_the_missing_phrases_before_it_plays(client):
    lacking = _mum_lacking_two()
    form = {"kind": "relax", "energy": "low", "voice": "Mum", "action": "play"}
    answer = client.post("/listen", data=form, headers=OURS)
    assert answer.status_code == 200 and "Before it plays" in answer.text  # nothing started yet
    text = html.unescape(answer.text)
    for p in lacking:
        assert f"{p.number:03d}</strong> {p.text}" in text
    found = re.search(r'id="record-them" href="([^"]+)"', text)
    assert found is not None, "no link to record them"
    record = found.group(1)
    assert f"only={lacking[0].number}%2C{lacking[1].number}" in record and "energy=low" in record
    walk = client.get(record)
    assert (
        f"Phrase {lacking[0].number} of" in walk.text and "0 of the 2 phrases this session needs are kept" in walk.text
    )
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', answer.text))
    assert fields == {**form, "anyway": "yes"}  # the same choices, sent again
    anyway = client.post("/listen", data=fields, headers=OURS)
    assert anyway.status_code == 303 and anyway.headers["location"].startswith("/session/")


def test_a_voice_with_every_phrase_plays_at_once(client):
    for p in _mum_lacking_two():
        RecordedVoice("Mum").keep(p.text, TAKE, SAMPLE_RATE)
    form = {"kind": "relax", "energy": "low", "voice": "Mum", "action": "play"}
    assert client.post("/listen", data=form, headers=OURS).status_code == 303


def test_the_phrases_page_lists_the_chosen_energys_first(client):
    spoken, rest = split_by_energy(_settling(), "low")
    page = html.unescape(client.get("/voices/phrases?script=settling&energy=low").text)
    assert f"Spoken in a session with low energy ({len(spoken)})" in page
    assert page.index(spoken[-1].text) < page.index("Only at other energy levels") < page.index(rest[0].text)


def test_the_consent_note_names_no_command(client):
    page = html.unescape(client.get("/voices").text)
    assert CONSENT in page
    assert not re.search(r"\bcompanion \w+|--\w|\brun\b", CONSENT)


def test_today_plays_again_in_the_voice_it_was_heard_in_naming_its_missing_phrases_first(client, tmp_path):
    lacking = _mum_lacking_two()
    with Journal() as journal:
        journal.start_session(SessionRecord("settling", "low", "relax", 6.0, voice="Mum"))
    today = html.unescape(client.get("/today").text)
    assert "Settling, 6 minutes, in Mum's voice</button>" in today
    form = {"action": "again", "again": "settling|low|6|Mum"}
    answer = client.post("/today", data=form, headers=OURS)
    assert answer.status_code == 200 and "Before it plays" in answer.text  # named before it plays, as on Listen
    assert all(f"{p.number:03d}</strong> {p.text}" in html.unescape(answer.text) for p in lacking)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html.unescape(answer.text)))
    assert fields == {**form, "anyway": "yes"}
    anyway = client.post("/today", data=fields, headers=OURS)
    assert anyway.status_code == 303 and anyway.headers["location"].startswith("/session/")
    assert "Again: Settling, 6 minutes, in Mum's voice." in html.unescape(client.get(anyway.headers["location"]).text)


def test_today_offers_a_session_whose_voice_is_gone_in_companions_voice_and_says_so(client, tmp_path):
    with Journal() as journal:
        journal.start_session(SessionRecord("settling", "low", "relax", 6.0, voice="Gran"))  # no such voice now
    gone = "Gran's voice is no longer here, so it plays in companion's own voice."
    today = html.unescape(client.get("/today").text)
    assert "Settling, 6 minutes</button>" in today and gone in today
    played = client.post("/today", data={"action": "again", "again": "settling|low|6|Gran"}, headers=OURS)
    assert played.status_code == 303  # nothing to name: the bundled voice says every phrase
    assert f"Again: Settling, 6 minutes. {gone}" in html.unescape(client.get(played.headers["location"]).text)


def test_a_session_that_fills_in_names_the_phrases_in_one_notice_before_any_voice_is_made():
    lacking = _mum_lacking_two()
    heard: list = []
    options = SessionOptions(script="settling", energy="low", voice="Mum", fill_with_tts=True)
    session = make_session(options, wait_for_voice=False, notify=heard.append)  # no voice made yet
    numbers = f"{lacking[0].number:03d}, {lacking[1].number:03d}"
    said = f"Note: Mum's voice has no recording of 2 phrases this session says ({numbers}); "
    said += "companion's own voice says them."
    assert [n.text for n in heard if n.kind == "voice"] == [said] and heard[0].kind == "voice"  # first of all
    assert session.notices == tuple(heard)
    with pytest.raises(BadInput, match="has no take for 2 phrase"):  # without filling in: refused, as before
        make_session(SessionOptions(script="settling", energy="low", voice="Mum"), wait_for_voice=False)
    for p in lacking:
        RecordedVoice("Mum").keep(p.text, TAKE, SAMPLE_RATE)
    whole = make_session(options, wait_for_voice=False)
    assert not [n for n in whole.notices if n.kind == "voice"]  # nothing filled in: nothing to say


def test_the_notice_counts_many_phrases_briefly():
    assert numbers_said([3, 7]) == "003, 007"
    assert numbers_said(list(range(1, 21))) == "001, 002, 003, 004, 005, 006 and 14 more"


class _Heard(Exception):
    pass


def test_a_pack_in_a_recorded_voice_names_what_it_lacks_before_anything_is_written(tmp_path):
    lacking = _mum_lacking_two()
    heard: list = []

    def notify(notice) -> None:
        heard.append(notice)
        raise _Heard  # stop here: nothing may be written yet

    opts = PackOptions(energies=("low",), scripts=("settling",), voice="Mum")
    with pytest.raises(_Heard):
        make_pack(tmp_path / "pack", opts, notify=notify)
    assert not (tmp_path / "pack").exists()
    numbers = f"{lacking[0].number:03d}, {lacking[1].number:03d}"
    (notice,) = heard
    assert notice.kind == "voice" and notice.text == (
        f"Note: Mum's voice has no recording of 2 phrases the pack's tracks say (Settling {numbers}); "
        "companion's own voice says them."
    )
    everything = unrecorded_tracks("Mum", choose_tracks(PackOptions()))  # the default pack: seven tracks
    found = unrecorded_notice("Mum", everything)
    assert found is not None
    said = found.text
    assert len(everything) == 7 and said.endswith("; and in 4 more tracks); companion's own voice says them.")
    assert unrecorded_tracks(None, choose_tracks(opts)) == []  # the bundled voice lacks nothing


def test_the_pack_page_names_the_missing_phrases_before_it_makes_the_pack(client):
    lacking = _mum_lacking_two()
    form = {"name": "Mum's rest", "energy": "low", "voice": "Mum", "format": "mp3"}
    answer = client.post("/pack", data=form, headers=OURS)
    assert answer.status_code == 200 and "Before the pack is made" in answer.text  # nothing made yet
    text = html.unescape(answer.text)
    for p in lacking:
        assert f"{p.number:03d}</strong> {p.text}" in text
    assert "Low energy: Settling" in text and "Low energy: Breathing easy" in text  # track by track
    records = re.findall(r'class="play other record-them" href="([^"]+)"', text)
    assert f"script=settling&energy=low&only={lacking[0].number}%2C{lacking[1].number}" in records[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', text))
    assert fields == {**form, "anyway": "yes"}
    anyway = client.post("/pack", data=fields, headers=OURS)
    assert anyway.status_code == 303 and anyway.headers["location"].startswith("/file/")
