"""Plans and the layout solver with a fake narrator of fixed lengths: the length to the
sample, where words may fall, what low energy means, what is dropped when time is short."""

from __future__ import annotations

import pytest

from companion import SessionOptions, make_plan
from companion.errors import DoesNotFit
from companion.plan.catalogue import builtin_scripts
from companion.plan.layout import build_plan
from companion.plan.profile import make_profile
from companion.plan.scripts import parse_script
from tests.fast.fake_voice import FakeNarrator


def plan(**options):
    return make_plan(SessionOptions(**options), narrator=FakeNarrator()).to_json()


def gaps(data: dict) -> list[float]:
    n = data["narration"]
    return [b["start_s"] - a["end_s"] for a, b in zip(n, n[1:])]


@pytest.mark.parametrize("minutes", [2, 3.3333, 7.77, 12, 45.5])
def test_plan_fills_the_length_exactly(minutes):
    p = plan(energy="low", minutes=minutes)
    assert p["total_samples"] == round(minutes * 60 * 44100)
    assert p["duration_s"] == p["total_samples"] / 44100
    assert p["sample_rate"] == 44100 and p["energy"] == "low" and p["script"] == "settling"
    assert p["cues"] == []
    starts = [b["start_s"] for b in p["breaths"]]
    assert starts[0] == 0 and starts[-1] < p["duration_s"]
    last = p["breaths"][-1]
    assert last["start_s"] + last["inhale_s"] + last["exhale_s"] >= p["duration_s"]
    assert all(
        a["start_s"] + a["inhale_s"] + a["exhale_s"] == pytest.approx(b["start_s"])
        for a, b in zip(p["breaths"], p["breaths"][1:])
    )


@pytest.mark.parametrize("script", [s.name for s in builtin_scripts()])
def test_every_builtin_script_at_every_energy_is_laid_out_calmly(script):
    """Nothing in the fades, lines in order, every gap a pause of the energy's range or a
    breathing stretch, and each phrase where its line says."""
    found = next(s for s in builtin_scripts() if s.name == script)
    for energy in found.energies:
        p = make_plan(
            SessionOptions(energy=energy, script=script, mode=found.modes[0], safety_confirmed=True),
            narrator=FakeNarrator(),
        )
        data = p.to_json()
        fade_end, fade_start = data["fade_in_s"], data["duration_s"] - data["fade_out_s"] - 0.75
        shortest, _, longest = p.profile.pacing.instruction_pause
        for gap in gaps(data):
            assert shortest - 1e-3 <= gap <= longest + 1e-3 or gap >= 15, (script, energy, gap)
        previous_end = 0.0
        for entry in data["narration"]:
            assert entry["start_s"] >= fade_end and entry["end_s"] <= fade_start
            assert entry["start_s"] >= previous_end
            previous_end = entry["end_s"]
            assert entry["phrases"][0]["start_s"] == entry["start_s"]
            assert entry["phrases"][-1]["end_s"] == entry["end_s"]


def test_low_energy_has_fewer_words_and_longer_pauses_than_high():
    for script in ("settling", "body-scan", "calm-place", "after-massage"):
        low, high = plan(energy="low", minutes=12, script=script), plan(energy="high", minutes=12, script=script)
        words = {k: sum(len(e["text"].split()) for e in p["narration"]) for k, p in (("low", low), ("high", high))}
        assert words["low"] < words["high"] * 0.75, script
        assert min(gaps(low)) > min(gaps(high))
        assert sorted(gaps(low))[len(gaps(low)) // 2] > sorted(gaps(high))[len(gaps(high)) // 2]
        assert high["breath_rate"]["target"] == 6 and low["breath_rate"]["target"] == 12


def test_exhale_ratio_option():
    b = plan(narration=False, exhale_ratio=2.0)["breaths"][0]
    assert b["exhale_s"] == pytest.approx(2 * b["inhale_s"])


def test_defaults_by_energy_mode_and_part():
    for energy, minutes in (("low", 6), ("medium", 12), ("high", 20)):
        p = plan(energy=energy, narration=False)
        assert p["duration_s"] == minutes * 60 and p["narration"] == []
    assert plan(mode="massage", narration=False)["duration_s"] == 60 * 60
    assert plan(mode="caregiver", part="feet", narration=False, safety_confirmed=True)["duration_s"] == 16 * 60
    assert plan(mode="caregiver", script="caregiver-feet", safety_confirmed=True)["duration_s"] == 16 * 60


LONG = (
    "title: Long\n== A\n"
    + "\n".join(f"{'? ' if i % 2 else ''}Line number {i} is here. / It has a few more words in it." for i in range(40))
    + "\n[breathe 10]\n"
)


def test_optional_lines_are_dropped_first_then_it_does_not_fit():
    script = parse_script(LONG, "long", "long.txt")
    narrator = FakeNarrator()
    roomy = build_plan(make_profile(SessionOptions(energy="high", minutes=12)), script, narrator)
    assert roomy.dropped_optional == 0 and len(roomy.narration) == 40
    tight = build_plan(make_profile(SessionOptions(energy="high", minutes=3.5)), script, narrator)
    assert 0 < tight.dropped_optional <= 20
    assert tight.total_samples == round(3.5 * 60 * 44100)
    with pytest.raises(DoesNotFit, match=r"does not fit in 2 minutes.*choose \d+ minutes or more") as caught:
        build_plan(make_profile(SessionOptions(energy="high", minutes=2)), script, narrator)
    assert caught.value.field == "minutes" and caught.value.minutes > 2


class ScaledNarrator(FakeNarrator):
    """The fake voice, every phrase `factor` times as long."""

    def __init__(self, factor: float) -> None:
        super().__init__()
        self.factor = factor

    def clip_lengths(self, texts, length_scale, progress=None):
        lengths = super().clip_lengths(texts, length_scale, progress)
        return {t: (f"{self.factor}:{key}", round(n * self.factor)) for t, (key, n) in lengths.items()}


def test_the_minutes_suggested_fit_even_just_past_the_edge():
    """Where the words need a hair more than the minutes asked (found by halving the voice's
    length until the edge is a few samples wide), the suggestion is a longer session that fits."""
    script = parse_script(LONG, "long", "long.txt")
    profile = make_profile(SessionOptions(energy="high", minutes=2))

    def fits(factor: float) -> bool:
        try:
            build_plan(profile, script, ScaledNarrator(factor))
        except DoesNotFit:
            return False
        return True

    fit, too_long = 0.05, 1.0
    assert fits(fit) and not fits(too_long)
    while too_long - fit > 1e-9:
        middle = (fit + too_long) / 2
        fit, too_long = (middle, too_long) if fits(middle) else (fit, middle)
    with pytest.raises(DoesNotFit) as caught:
        build_plan(profile, script, ScaledNarrator(too_long))
    assert caught.value.minutes > 2
    longer = make_profile(SessionOptions(energy="high", minutes=caught.value.minutes))
    build_plan(longer, script, ScaledNarrator(too_long))


def test_breathing_stretches_grow_and_pauses_are_kept():
    text = (
        "title: T\n== A\nHello there. / Rest now.\n[pause 4.5]\nStill here. / Resting.\n"
        "[breathe 20]\nGoodbye now. / Rest well.\n[pause 30]\nThe end. / Really.\n"
    )
    script = parse_script(text, "t", "t.txt")
    p = build_plan(make_profile(SessionOptions(energy="medium", minutes=10)), script, FakeNarrator())
    sr = p.sample_rate
    found = [(b.start - a.end) / sr for a, b in zip(p.narration, p.narration[1:])]
    assert found[0] == pytest.approx(4.5, abs=1e-4)
    assert found[1] > 8 * 60  # the stretch took up the spare time
    assert found[2] == pytest.approx(5, abs=1e-4)  # a script's pause stays in the energy's 2-5 s
    head = p.narration[0].start / sr
    tail = (p.total_samples - p.narration[-1].end) / sr
    assert head == pytest.approx(3) and tail == pytest.approx(6 + 9 + 0.75)


def test_massage_regions_place_a_cue_at_each_change_and_two_minutes_before_the_end():
    p = plan(mode="massage", minutes=60, regions="back:20,legs:15,arms:10,feet:10")
    regions = [(c["at_s"], c.get("region")) for c in p["cues"] if c["kind"] == "region"]
    assert [r for _, r in regions] == ["legs", "arms", "feet"]
    assert [round(t) for t, _ in regions] == [20 * 60, 35 * 60, 45 * 60]
    assert [c["at_s"] for c in p["cues"] if c["kind"] == "two-minutes"] == [pytest.approx(58 * 60, abs=1)]
    assert all(e["start_s"] < 180 or e["end_s"] > 57 * 60 for e in p["narration"])


def test_a_plan_reports_what_render_uses():
    p = make_plan(SessionOptions(energy="low", minutes=3), narrator=FakeNarrator())
    data = p.to_json()
    assert [c.start / 44100 for c in p.clips] == [ph["start_s"] for e in data["narration"] for ph in e["phrases"]]


def test_a_line_that_is_only_the_name_is_left_out_without_a_name(tmp_path):
    script = tmp_path / "greet.txt"
    script.write_text("title: Greet\n== A\n{name}\nRest now. / Be still.\n[breathe 20]\n")
    without = plan(script=str(script), energy="low", minutes=3)
    assert [e["text"] for e in without["narration"]] == ["Rest now. Be still."]
    named = plan(script=str(script), energy="low", minutes=3, name="Ann")
    assert [e["text"] for e in named["narration"]][0] == "Ann"


def test_short_of_breath_chooses_the_breathing_easy_script_wherever_it_is_said():
    from companion.plan.checkin import Answers, choose

    assert plan(energy="low", breathless=True, narration=False)["script"] == "breathlessness"
    assert choose(Answers(3, True)).script == "breathlessness"
    assert plan(energy="low", breathless=True, script="settling", narration=False)["script"] == "settling"  # named
    assert plan(energy="low", narration=False)["script"] == "settling"
