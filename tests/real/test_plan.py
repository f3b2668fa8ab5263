"""Plans with the real voice's lengths: each line at a calm pace, and the plan the command
line prints. The layout itself is tested with a fake voice in tests/fast/test_plan.py."""

import pytest

from companion.options import SessionOptions
from companion.plan.catalogue import builtin_scripts
from companion.session import make_plan
from tests.helpers import plan_json


def words_per_minute(entry: dict) -> float:
    return len(entry["text"].split()) / (entry["end_s"] - entry["start_s"]) * 60


def test_the_command_line_prints_the_plan_to_the_sample():
    p = plan_json("--energy", "low", "--minutes", "3.3333")
    assert p["total_samples"] == round(3.3333 * 60 * 44100) and p["script"] == "settling"
    assert p["narration"] and all(85 <= words_per_minute(e) <= 140 for e in p["narration"])


@pytest.mark.slow("every built-in phrase at every energy, spoken by the real voice (read from the warm cache)")
def test_every_builtin_script_at_every_energy_speaks_calmly():
    """85-140 words/min within each entry; nothing in the fades; entries in order."""
    for script in builtin_scripts():
        for energy in script.energies:
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
