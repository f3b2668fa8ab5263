"""Each person's usual choices used (issue 33): `people prefer` keeps them and `people show`
shows them; plan, render, today and pack start from them for an option not given, and say
so in one line; the app's forms open with the page's person's, a tick on Listen keeps them,
the sleep timer starts at theirs, and the People page shows each one's. Nothing changes
them but those two doors, and one person's never reach another's."""

from __future__ import annotations

import html
import json
import re

import pytest
from starlette.testclient import TestClient

from companion import People, Preferences, RecordedVoice, preferences, set_preferences
from companion.app.guard import Owner
from companion.app.server import make_app
from companion.app.web import AppState
from tests.helpers import assert_clean_failure, run_main

BASE = "http://127.0.0.1:8000"
OURS = {"origin": BASE}


def ok(*args: str) -> str:
    ran = run_main(*args)
    assert ran.returncode == 0, ran.stderr
    return ran.stdout


def two() -> tuple:
    store = People()
    return store.rename("Listener", "Ada"), store.add("Ben")


# -- the command line -------------------------------------------------------------------
def test_prefer_keeps_shows_and_clears_one_persons_usual_choices():
    ada, ben = two()
    said = ok("people", "prefer", "Ada", "--energy", "low", "--minutes", "10", "--ambience", "brown")
    assert said == "Ada's usual: low energy, 10 minutes, brown noise.\n"
    assert ok("people", "prefer", "ada", "--breath-rate", "10", "--sleep-timer", "30").startswith(
        "Ada's usual: low energy, 10 minutes, brown noise, 10 breaths a minute, sleep timer 30 minutes."
    )
    assert preferences(ada) == Preferences("low", 10.0, "brown", 10.0, None, 30.0)
    assert ok("people", "show", "Ada") == (
        "Ada (the default person)\n"
        "Ada's usual: low energy, 10 minutes, brown noise, 10 breaths a minute, sleep timer 30 minutes.\n"
    )
    assert preferences(ben) == Preferences()  # Ada's never reach Ben
    assert ok("people", "show", "Ben") == "Ben\nBen has no usual choices: each session starts from the defaults.\n"
    assert ok("people", "prefer", "Ada", "--clear", "minutes", "--clear", "breath-rate") == (
        "Ada's usual: low energy, brown noise, sleep timer 30 minutes.\n"
    )
    RecordedVoice("Mum", ada.voices_folder).create()
    assert ok("people", "prefer", "Ada", "--clear", "all", "--voice", "Mum") == "Ada's usual: Mum's voice.\n"
    unknown = run_main("people", "prefer", "Ben", "--voice", "Mum")  # Ada's recorded voice is not Ben's
    assert unknown.returncode == 2 and "no voice named 'Mum'" in unknown.stderr and "(--voice)" in unknown.stderr
    typo = run_main("people", "prefer", "Ada", "--voice", "Mun")
    assert typo.returncode == 2 and "the recorded voices are Mum" in typo.stderr
    assert ok("people", "prefer", "Ada", "--clear", "all").startswith("Ada has no usual choices")
    assert preferences(ada) == Preferences() and preferences(ben) == Preferences()


@pytest.mark.parametrize(
    "args, flag",
    [
        (["--minutes", "1"], "(--minutes)"),
        (["--breath-rate", "99"], "(--breath-rate)"),
        (["--sleep-timer", "500"], "(--sleep-timer)"),
        (["--energy", "lots"], "--energy"),
        (["--minutes", "nan"], "--minutes"),
        (["--minutes", "5", "--clear", "minutes"], "(--minutes)"),
        (["--voice", "Nobody"], "(--voice)"),
    ],
)
def test_a_bad_preference_is_refused_in_one_line_and_nothing_is_kept(args, flag, tmp_path):
    ada, _ = two()
    set_preferences(ada, Preferences(energy="high"))
    ran = run_main("people", "prefer", "Ada", *args)
    assert_clean_failure(ran, tmp_path)
    assert flag in ran.stderr
    assert preferences(ada) == Preferences(energy="high")


def test_an_unknown_person_is_named_as_the_argument():
    ran = run_main("people", "prefer", "Cy", "--energy", "low")
    assert ran.returncode == 2 and ran.stderr.count("\n") == 1 and "(NAME)" in ran.stderr


def test_a_usual_choice_is_used_only_where_the_option_is_not_given():
    ada, ben = two()
    set_preferences(ada, Preferences(energy="low", minutes=10.0, ambience="brown"))
    usual = run_main("plan", "--no-narration", "--json")
    assert usual.returncode == 0 and usual.stderr == "Ada's usual: low energy, 10 minutes, brown noise.\n"
    plan = json.loads(usual.stdout)  # standard output stays one JSON object
    assert (plan["energy"], plan["ambience"]) == ("low", "brown") and plan["duration_s"] == pytest.approx(600, abs=1)
    given = run_main("plan", "--no-narration", "--json", "--energy", "high", "--minutes", "6", "--ambience", "pink")
    assert given.stderr == "" and json.loads(given.stdout)["energy"] == "high"
    partly = run_main("plan", "--no-narration", "--json", "--minutes", "6")
    assert partly.stderr == "Ada's usual: low energy, brown noise.\n"
    assert json.loads(partly.stdout)["duration_s"] == pytest.approx(360, abs=1)
    words = ok("plan", "--no-narration", "--energy", "medium")
    assert words.startswith("Ada's usual: 10 minutes, brown noise.\n") and "medium energy, 10" in words
    assert not ok("--person", "Ben", "plan", "--no-narration").startswith("Ben's usual")  # none: nothing said
    massage = ok("plan", "--no-narration", "--for", "massage")  # a therapist's track: no energy of its own
    assert massage.startswith("Ada's usual: 10 minutes, brown noise.\n")
    caregiver = ok("plan", "--no-narration", "--for", "caregiver")  # the part's own length
    assert caregiver.startswith("Ada's usual: brown noise.\n")


def test_today_starts_from_the_usual_length_unless_one_is_given():
    ada, _ = two()
    set_preferences(ada, Preferences(minutes=10.0, ambience="none"))
    said = run_main("today", "--dry-run", "--json", "--energy-score", "5")
    assert said.stderr == "Ada's usual: 10 minutes, no noise bed.\n" and json.loads(said.stdout)["minutes"] == 10
    given = run_main("today", "--dry-run", "--json", "--energy-score", "5", "--minutes", "8")
    assert given.stderr == "Ada's usual: no noise bed.\n" and json.loads(given.stdout)["minutes"] == 8


# -- the app ----------------------------------------------------------------------------
@pytest.fixture
def app(tmp_path):
    owner = Owner()
    state = AppState(tmp_path / "companion")
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as here:
        assert here.get(f"/start?token={owner.token}").status_code == 303
        yield state, here
    state.close()


def text(answer) -> str:
    assert answer.status_code == 200, answer.text[:500]
    return html.unescape(answer.text)


def checked(page: str, name: str) -> list[str]:
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]*)" checked>', page)


def choose(here: TestClient, person) -> None:
    assert here.post("/person", data={"person": person.id, "back": "/"}, headers=OURS).status_code == 303


def test_the_forms_open_with_the_page_persons_usual_choices(app):
    state, here = app
    ada, ben = state.people.rename("Listener", "Ada"), state.people.add("Ben")
    set_preferences(ada, Preferences(energy="low", minutes=12.0, ambience="brown", breath_rate=9.0, sleep_timer=40.0))
    listen = text(here.get("/listen"))
    assert checked(listen, "energy") == ["low"] and checked(listen, "minutes") == ["12"]
    assert checked(listen, "ambience") == ["brown"] and 'name="breath_rate"' in listen and 'value="9"' in listen
    assert '<input type="checkbox" name="keep" value="yes">' in listen  # never ticked by itself
    assert checked(text(here.get("/today")), "minutes") == ["12"]
    massage = text(here.get("/massage"))
    assert checked(massage, "ambience") == ["brown"] and checked(massage, "minutes") == ["12"]
    people = text(here.get("/people"))
    assert "Usual: low energy, 12 minutes, brown noise, 9 breaths a minute, sleep timer 40 minutes." in people
    assert "No usual choices" in people  # Ben's
    choose(here, ben)
    listen = text(here.get("/listen"))
    assert checked(listen, "energy") == ["medium"] and checked(listen, "minutes") == [""]
    assert checked(listen, "ambience") == ["pink"] and checked(text(here.get("/today")), "minutes") == [""]


def test_the_tick_keeps_the_choices_as_the_persons_usual_and_no_one_elses(app):
    state, here = app
    ada, ben = state.people.rename("Listener", "Ada"), state.people.add("Ben")
    set_preferences(ben, Preferences(energy="high", sleep_timer=15.0))
    form = {"kind": "relax", "energy": "low", "minutes": "10", "ambience": "none", "breath_rate": "", "action": "play"}
    assert here.post("/listen", data=form, headers=OURS).status_code == 303
    assert preferences(ada) == Preferences()  # not ticked: nothing kept
    set_preferences(ada, Preferences(sleep_timer=30.0))
    played = here.post("/listen", data={**form, "breath_rate": "8", "keep": "yes"}, headers=OURS)
    assert played.status_code == 303
    assert preferences(ada) == Preferences("low", 10.0, "none", 8.0, None, 30.0)  # its sleep timer stays
    assert preferences(ben) == Preferences(energy="high", sleep_timer=15.0)
    session = text(here.get(played.headers["location"]))
    assert "Kept as Ada's usual: low energy, 10 minutes, no noise bed, 8 breaths a minute" in session
    assert '<option value="30" selected>30 minutes</option>' in session
    refused = here.post("/listen", data={**form, "minutes": "1", "keep": "yes"}, headers=OURS)
    assert refused.status_code == 400 and preferences(ada).minutes == 10.0  # a refused form keeps nothing
