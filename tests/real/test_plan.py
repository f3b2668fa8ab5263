import pytest

from companion.errors import DoesNotFit
from companion.plan.catalogue import builtin_scripts
from companion.plan.layout import build_plan
from companion.plan.profile import make_profile
from companion.plan.scripts import parse_script
from companion.session import SessionOptions, make_plan
from companion.voice.piper_voice import PiperNarrator, resolve_voice
from tests.helpers import plan_json


def words_per_minute(entry: dict) -> float:
    return len(entry["text"].split()) / (entry["end_s"] - entry["start_s"]) * 60


@pytest.mark.parametrize("minutes", [2, 3.3333, 7.77, 12])
def test_plan_fills_the_length_exactly(minutes):
    p = plan_json("--energy", "low", "--minutes", str(minutes))
    assert p["total_samples"] == round(minutes * 60 * 44100)
    assert p["duration_s"] == p["total_samples"] / 44100
    assert p["sample_rate"] == 44100 and p["energy"] == "low" and p["script"] == "settling"
    assert p["cues"] == []
    starts = [b["start_s"] for b in p["breaths"]]
    assert starts[0] == 0 and starts[-1] < p["duration_s"]
    last = p["breaths"][-1]
    assert last["start_s"] + last["inhale_s"] + last["exhale_s"] >= p["duration_s"]


def test_every_builtin_script_at_every_energy_speaks_calmly():
    """85-140 words/min within each entry; nothing in the fades; entries in order."""
    for script in builtin_scripts():
        for energy in script.energies:
            plan = make_plan(SessionOptions(energy=energy, script=script.name, mode=script.modes[0]))
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


def test_low_energy_has_fewer_words_and_longer_pauses_than_high():
    for script in ("settling", "body-scan", "calm-place", "after-massage"):
        low = plan_json("--energy", "low", "--minutes", "12", "--script", script)
        high = plan_json("--energy", "high", "--minutes", "12", "--script", script)
        words = {k: sum(len(e["text"].split()) for e in p["narration"]) / 12 for k, p in (("low", low), ("high", high))}
        assert words["low"] < words["high"] * 0.75, script
        assert min(_gaps(low)) > min(_gaps(high))
        assert sorted(_gaps(low))[len(_gaps(low)) // 2] > sorted(_gaps(high))[len(_gaps(high)) // 2]
        assert high["breath_rate"]["target"] == 6 and low["breath_rate"]["target"] == 12


def test_exhale_ratio_option():
    b = plan_json("--no-narration", "--exhale-ratio", "2")["breaths"][0]
    assert b["exhale_s"] == pytest.approx(2 * b["inhale_s"])


def test_defaults_by_energy():
    for energy, minutes in (("low", 6), ("medium", 12), ("high", 20)):
        p = plan_json("--energy", energy, "--no-narration")
        assert p["duration_s"] == minutes * 60
        assert p["narration"] == []


def _narrator():
    return PiperNarrator(resolve_voice(None), 44100)


LONG = (
    "title: Long\n== A\n"
    + "\n".join(f"{'? ' if i % 2 else ''}Line number {i} is here. / It has a few more words in it." for i in range(40))
    + "\n[breathe 10]\n"
)


def test_optional_lines_are_dropped_first_then_it_does_not_fit():
    script = parse_script(LONG, "long", "long.txt")
    narrator = _narrator()
    roomy = build_plan(make_profile(SessionOptions(energy="high", minutes=12)), script, narrator)
    assert roomy.dropped_optional == 0 and len(roomy.narration) == 40
    tight = build_plan(make_profile(SessionOptions(energy="high", minutes=3.5)), script, narrator)
    assert 0 < tight.dropped_optional <= 20
    assert tight.total_samples == round(3.5 * 60 * 44100)
    with pytest.raises(DoesNotFit, match=r"does not fit in 2 minutes.*--minutes \d+"):
        build_plan(make_profile(SessionOptions(energy="high", minutes=2)), script, narrator)


def test_breathing_stretches_grow_and_pauses_are_kept():
    text = (
        "title: T\n== A\nHello there. / Rest now.\n[pause 4.5]\nStill here. / Resting.\n"
        "[breathe 20]\nGoodbye now. / Rest well.\n[pause 30]\nThe end. / Really.\n"
    )
    script = parse_script(text, "t", "t.txt")
    plan = build_plan(make_profile(SessionOptions(energy="medium", minutes=10)), script, _narrator())
    sr = plan.sample_rate
    gaps = [(b.start - a.end) / sr for a, b in zip(plan.narration, plan.narration[1:])]
    assert gaps[0] == pytest.approx(4.5, abs=1e-4)
    assert gaps[1] > 8 * 60  # the stretch took up the spare time
    assert gaps[2] == pytest.approx(5, abs=1e-4)  # a script's pause stays in the energy's 2-5 s
    head = plan.narration[0].start / sr
    tail = (plan.total_samples - plan.narration[-1].end) / sr
    assert head == pytest.approx(8) and tail == pytest.approx(6 + 9 + 0.75)


def test_plan_reports_what_render_uses():
    plan = make_plan(SessionOptions(energy="low", minutes=3))
    data = plan.to_json()
    assert [c.start / 44100 for c in plan.clips] == [p["start_s"] for e in data["narration"] for p in e["phrases"]]
