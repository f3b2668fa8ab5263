"""Every public call refuses a wrong type or value with one BadInput naming the field, before
any work: a second front end (the browser app) hands the library whatever a form held."""

from __future__ import annotations

from typing import Any

import pytest

import companion
from companion import BadInput, SessionOptions

untyped: Any = companion  # a caller without type hints: a wrong type reaches the library

WRONG_OPTIONS = [
    ("minutes", "6"),
    ("minutes", True),
    ("seed", 1.5),
    ("seed", "1"),
    ("name", 42),
    ("energy", None),
    ("regions", ["back", 20]),
    ("regions", 15),
    ("breathless", 1),
    ("breath_rate", "fast"),
    ("exhale_ratio", None),
    ("mode", 3),
    ("mono", "yes"),
    ("script", 7),
]


@pytest.mark.parametrize(("field", "value"), WRONG_OPTIONS)
def test_session_options_of_the_wrong_type(field, value):
    with pytest.raises(BadInput) as caught:
        SessionOptions(**{field: value})
    assert caught.value.field == field
    assert caught.value.value == (tuple(value) if isinstance(value, list) else value)
    assert "--" not in caught.value.message


WRONG_VALUES = [
    ("minutes", 1.0),
    ("minutes", 500),
    ("minutes", float("nan")),
    ("seed", -1),
    ("breath_rate", 80.0),
    ("exhale_ratio", 3.0),
    ("energy", "lots"),
    ("ambience", "rain"),
    ("mode", "dance"),
    ("name", "R2-D2"),
    ("script", "no-such-script"),
]


@pytest.mark.parametrize(("field", "value"), WRONG_VALUES)
def test_session_options_of_the_wrong_value(field, value):
    with pytest.raises(BadInput) as caught:
        companion.make_plan(SessionOptions(narration=False, **{field: value}))
    assert caught.value.field == field
    assert "--" not in caught.value.message


def test_options_that_belong_to_another_mode_name_the_mode():
    for options in (SessionOptions(part="feet"), SessionOptions(regions="back:5"), SessionOptions(guided=True)):
        with pytest.raises(BadInput) as caught:
            companion.make_plan(options)
        allowed = caught.value.allowed
        assert caught.value.field == "mode" and isinstance(allowed, tuple) and len(allowed) == 1


def test_regions_as_pairs_are_the_same_as_text():
    text = companion.make_plan(SessionOptions(mode="massage", minutes=30, regions="back:20,feet:10", narration=False))
    pairs = companion.make_plan(
        SessionOptions(mode="massage", minutes=30, regions=(("back", 20), ("feet", 10)), narration=False)
    )
    assert text.to_json() == pairs.to_json()


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: untyped.make_session("low"), "options"),
        (lambda: untyped.make_session(SessionOptions(narration=False), cache="/tmp"), "cache"),
        (lambda: untyped.make_session(SessionOptions(narration=False), narrator=object()), "narrator"),
        (lambda: untyped.make_session(SessionOptions(narration=False), confirm=True), "confirm"),
        (lambda: untyped.make_session(SessionOptions(narration=False), wait_for_voice=None), "wait_for_voice"),
        (lambda: untyped.make_plan(SessionOptions(narration=False), progress="yes"), "progress"),
        (lambda: untyped.render("session", "x.wav"), "session"),
        (lambda: untyped.prepare_voice(cache="/tmp"), "cache"),
        (lambda: untyped.prepare_voice(progress=3), "progress"),
        (lambda: untyped.play("session", None), "session"),
        (lambda: untyped.make_pack(None), "folder"),
        (lambda: untyped.make_pack("pack", {"name": "x"}), "opts"),
        (lambda: untyped.PackOptions(name=None), "name"),
        (lambda: untyped.PackOptions(jobs=0), "jobs"),
        (lambda: untyped.PackOptions(jobs=1.5), "jobs"),
        (lambda: untyped.PackOptions(energies="low"), "energies"),
        (lambda: untyped.PackOptions(massage="no"), "massage"),
        (lambda: untyped.DeviceOutput(0), "sample_rate"),
        (lambda: untyped.DeviceOutput(44100.0), "sample_rate"),
        (lambda: untyped.DeviceOutput(True), "sample_rate"),
    ],
)
def test_public_calls_refuse_wrong_arguments(call, field):
    with pytest.raises(BadInput) as caught:
        call()
    assert caught.value.field == field


def test_render_and_play_refuse_a_missing_path_or_output(tmp_path):
    session = companion.make_session(SessionOptions(narration=False, minutes=2))
    for call, field in (
        (lambda: untyped.render(session, None), "path"),
        (lambda: untyped.play(session, None), "output"),
    ):
        with pytest.raises(BadInput) as caught:
            call()
        assert caught.value.field == field
    assert not list(tmp_path.iterdir())


def test_a_caregiver_session_is_refused_until_confirmed():
    options = SessionOptions(mode="caregiver", narration=False)
    with pytest.raises(BadInput) as caught:
        companion.make_session(options)
    assert caught.value.field == "safety_confirmed"
    with pytest.raises(BadInput):
        companion.make_session(options, confirm=lambda notes: False)
    shown: list[str] = []

    def confirm(notes: str) -> bool:
        shown.append(notes)
        return True

    companion.make_session(options, confirm=confirm)
    assert shown == [companion.SAFETY_SCREEN]
