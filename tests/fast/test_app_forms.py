"""One home for each option (issue 31): the app's forms show the library's choices, ranges,
lengths and defaults, read from it, never typed again. Each form is rendered and its inputs
compared with the library's declarations; the app's sources hold none of those values."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from starlette.testclient import TestClient

import companion
from companion.app.guard import Owner
from companion.app.server import make_app
from companion.app.web import AppState

BASE = "http://127.0.0.1:8000"
APP = Path(companion.__file__).parent / "app"


class Inputs(HTMLParser):
    """Every input and textarea of a page, by name, with its attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.found: dict[str, list[dict[str, str | None]]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in ("input", "textarea") and named.get("name"):
            self.found.setdefault(str(named["name"]), []).append(named)


@pytest.fixture(name="page")
def page_fixture(tmp_path):
    state = AppState(tmp_path)
    owner = Owner()
    with TestClient(make_app(state, owner, 8000), base_url=BASE, follow_redirects=False) as client:
        assert client.get(f"/start?token={owner.token}").status_code == 303

        def inputs(path: str) -> dict[str, list[dict[str, str | None]]]:
            answer = client.get(path)
            assert answer.status_code == 200, path
            parser = Inputs()
            parser.feed(answer.text)
            return parser.found

        state.safety_confirmed = True  # the caregiver's form shows once the notes are confirmed
        yield inputs
    state.close()


def values(inputs: list[dict[str, str | None]]) -> list[str]:
    return [str(i["value"]) for i in inputs if i.get("value")]  # a choice to skip has no value


def checked(inputs: list[dict[str, str | None]]) -> list[str]:
    return [str(i["value"]) for i in inputs if "checked" in i]


DEFAULTS = companion.SessionOptions()
SCORES = [str(n) for n in range(companion.LEAST_SCORE, companion.MOST_SCORE + 1)]
ENERGIES = [e.value for e in companion.Energy]


def test_listen_offers_the_librarys_kinds_energies_and_lengths(page):
    form = page("/listen")
    assert values(form["kind"]) == list(companion.SESSION_KINDS)
    assert checked(form["kind"]) == [next(iter(companion.SESSION_KINDS))]
    assert values(form["energy"]) == ENERGIES and checked(form["energy"]) == [DEFAULTS.energy]
    assert all(companion.MIN_MINUTES <= float(m) <= companion.MAX_MINUTES for m in values(form["minutes"]))
    assert form["name"][0]["maxlength"] == str(companion.SPOKEN_NAME_CHARS)


def test_today_asks_in_the_librarys_scores_and_goals(page):
    form = page("/today")
    assert values(form["energy_score"]) == SCORES
    assert values(form["goal"]) == list(companion.CHECK_IN_GOALS)
    assert all(companion.MIN_MINUTES <= float(m) <= companion.MAX_MINUTES for m in values(form["minutes"]))


def test_the_caregiver_chooses_among_the_librarys_parts(page):
    form = page("/caregiver")
    assert values(form["part"]) == list(companion.PART_NAMES) and checked(form["part"]) == [companion.PART_NAMES[0]]
    assert form["name"][0]["maxlength"] == str(companion.SPOKEN_NAME_CHARS)


def test_the_massage_form_holds_the_librarys_ranges_and_defaults(page):
    form = page("/massage")
    assert values(form["ambience"]) == list(companion.AMBIENCES) and checked(form["ambience"]) == [DEFAULTS.ambience]
    massage = companion.MASSAGE
    assert checked(form["minutes"]) == [f"{massage.minutes:g}"]
    assert all(massage.least_minutes <= float(m) <= companion.MAX_MINUTES for m in values(form["minutes"]))
    regions = [i for name, inputs in form.items() if name.startswith("minutes_") for i in inputs]
    assert regions and all(
        (i["min"], i["max"]) == (f"{companion.MIN_REGION_MINUTES:g}", f"{companion.MAX_MINUTES:g}") for i in regions
    )


def test_the_pack_form_starts_from_the_librarys_pack(page):
    form, usual = page("/pack"), companion.PackOptions()
    assert values(form["energy"]) == ENERGIES and checked(form["energy"]) == list(usual.energies)
    assert values(form["format"]) == list(companion.PACK_FORMATS) and checked(form["format"]) == [usual.format]
    assert form["name"][0]["maxlength"] == str(companion.PACK_NAME_CHARS)


def test_names_and_notes_are_as_long_as_the_library_takes(page):
    voices = page("/voices")
    assert {i["maxlength"] for i in voices["voice"]} == {str(companion.VOICE_NAME_CHARS)}
    assert {i["maxlength"] for i in voices["name"]} == {str(companion.SPOKEN_NAME_CHARS)}
    journal = page("/journal")
    assert values(journal["pain"]) == SCORES
    assert {i["maxlength"] for i in journal["note"]} == {str(companion.NOTE_CHARS)}


# A number in a form's attribute that is the app's own (no library rule): why each is here
OWN_NUMBERS = {
    ("pair.html", 'maxlength="12"'): "a pairing code as typed, spaces and all",
    ("pair.html", 'maxlength="40"'): "a device's name: the app's own rule (app/devices.py)",
    ("massage.html", 'maxlength="40"'): "a region's name, as a chime's label shows it",
    ("file.html", 'max="100"'): "a progress bar's percent",
    ("imported.html", 'max="100"'): "a progress bar's percent",
    ("session.html", 'max="100"'): "a progress bar's percent",
    ("record.html", 'max="1"'): "a level meter's scale",
    ("record.html", 'min="0"'): "a level meter's scale",
}


def test_the_apps_sources_restate_no_default_and_no_range():
    """The values the library declares appear in no form attribute and no fallback of the
    app's: a default is the library's `SessionOptions()`, a range its constants."""
    found = []
    for template in sorted((APP / "templates").glob("*.html")):
        for attribute in re.findall(r'\b(?:min|max|maxlength)="\d[^"]*"', template.read_text(encoding="utf-8")):
            if (template.name, attribute) not in OWN_NUMBERS:
                found.append(f"{template.name}: {attribute}")
        for default in re.findall(r'\), *"[^"]+", *skip=', template.read_text(encoding="utf-8")):
            found.append(f"{template.name}: a choice checked by a literal: {default}")
    for module in sorted(APP.glob("*.py")):
        fallbacks = r'\bor "(?:low|medium|high|pink|brown|none|relax|hands|feet|mp3|ogg|opus|flac)"'
        for fallback in re.findall(fallbacks, module.read_text(encoding="utf-8")):
            found.append(f"{module.name}: {fallback}")
    assert not found, "values the library declares, typed again in the app:\n" + "\n".join(found)
