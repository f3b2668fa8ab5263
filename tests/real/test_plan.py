"""Plans with the real voice's lengths: each line at a calm pace, and the plan the command
line prints. The layout itself is tested with a fake voice in tests/fast/test_plan.py."""

import pytest

from companion.plan.catalogue import builtin_scripts
from companion.plan.profile import PACING, Energy
from companion.plan.scripts import personalise
from companion.session import SessionOptions, make_plan
from tests.helpers import SPOKEN_ENERGIES, plan_json


def words_per_minute(entry: dict) -> float:
    return len(entry["text"].split()) / (entry["end_s"] - entry["start_s"]) * 60


def test_the_command_line_prints_the_plan_to_the_sample():
    p = plan_json("--energy", "low", "--minutes", "3.3333")
    assert p["total_samples"] == round(3.3333 * 60 * 44100) and p["script"] == "settling"
    assert p["narration"] and all(85 <= words_per_minute(e) <= 140 for e in p["narration"])


def test_medium_speaks_only_phrases_low_or_high_speak_and_between_their_paces():
    """Why the real layer hears every phrase at low and high only (helpers.SPOKEN_ENERGIES)."""
    for script in builtin_scripts():
        spoken = personalise(script, None)
        heard = {p for e in SPOKEN_ENERGIES if e in script.energies for p in spoken.phrases_for(e)}
        if "medium" in script.energies:
            assert set(spoken.phrases_for("medium")) <= heard, script.name
    scales = sorted(PACING[Energy(e)].length_scale for e in ("low", "medium", "high"))
    assert scales[1] == PACING[Energy.MEDIUM].length_scale  # medium's pace lies between the two


@pytest.mark.slow("every built-in phrase at low and high, spoken by the real voice (read from the warm cache)")
def test_every_builtin_script_speaks_calmly():
    """85-140 words/min within each entry; nothing in the fades; entries in order; at the
    energies whose phrases the real layer hears (medium's are among them, at a pace between)."""
    for script in builtin_scripts():
        for energy in [e for e in script.energies if e in SPOKEN_ENERGIES]:
            options = SessionOptions(energy=energy, script=script.name, mode=script.modes[0], safety_confirmed=True)
            plan = make_plan(options)
            data = plan.to_json()
            fade_end = data["fade_in_s"]
            fade_start = data["duration_s"] - data["fade_out_s"] - 0.75
            shortest, _, longest = plan.profile.pacing.instruction_pause
            for gap in _gaps(data):  # a pause in the energy's range, or a breathing stretch
                assert shortest - 1e-3 <= gap <= longest + 1e-3 or gap >= 15, (script.name, energy, gap)
            previous_end = 0.0
            for entry in data["narration"]:
                assert 85 <= words_per_minute(entry) <= 140, (script.name, energy, entry["text"])
                assert entry["start_s"] >= fade_end and entry["end_s"] <= fade_start
                assert entry["start_s"] >= previous_end
                previous_end = entry["end_s"]
                phrases = entry["phrases"]
                assert phrases[0]["start_s"] == entry["start_s"] and phrases[-1]["end_s"] == entry["end_s"]


def _gaps(plan: dict) -> list[float]:
    n = plan["narration"]
    return [b["start_s"] - a["end_s"] for a, b in zip(n, n[1:])]
