"""Massage tracks for therapists, guided massage for caregivers, and the whole script library."""

import json
import os
from dataclasses import replace

import numpy as np
import pytest

from companion.errors import DoesNotFit
from companion.modes import MODES
from companion.options import SessionOptions
from companion.plan.catalogue import builtin_scripts
from companion.plan.scripts import Entry
from companion.safety import SAFETY_SCREEN
from companion.session import make_session
from companion.sound.layers.chime import chime_sound
from tests.audio_checks import loudness_range, lufs, max_step_near, read, rms_db, spans, true_peak_db
from tests.helpers import plan_json, run_cli, spawn_in_pty

SR = 44100


def test_massage_track_chimes_at_region_changes_and_speaks_only_at_the_ends():
    p = plan_json("--for", "massage", "--minutes", "30", "--regions", "back:10,legs:8,feet:5")
    assert p["duration_s"] == 30 * 60
    assert p["cues"] == [
        {"at_s": 600.0, "kind": "region", "region": "legs"},
        {"at_s": 1080.0, "kind": "region", "region": "feet"},
        {"at_s": 1680.0, "kind": "two-minutes"},
    ]
    assert p["regions"] == [
        {"start_s": 0.0, "name": "back"},
        {"start_s": 600.0, "name": "legs"},
        {"start_s": 1080.0, "name": "feet"},
    ]
    text = run_cli("plan", "--for", "massage", "--minutes", "30", "--regions", "back:10,legs:8,feet:5").stdout
    assert "regions: back from 0:00, legs from 10:00, feet from 18:00" in text
    assert "10:00.0  [chime: legs]" in text and "28:00.0  [chime: two minutes left]" in text  # plan/cues.py's words
    spoken = p["narration"]
    welcome = [e for e in spoken if e["section"] == "Welcome"]
    closing = [e for e in spoken if e["section"] == "Closing"]
    assert welcome and closing and len(welcome) + len(closing) == len(spoken)
    assert all(e["end_s"] <= 180 for e in welcome)
    assert all(e["start_s"] >= p["duration_s"] - 180 for e in closing)
    # an accompanying, resting pace: no guided ramp unless asked
    rates = {round(60 / (b["inhale_s"] + b["exhale_s"]), 6) for b in p["breaths"]}
    assert rates == {12.0}
    guided = plan_json("--for", "massage", "--minutes", "30", "--guided")
    assert guided["breaths"][-1]["inhale_s"] > p["breaths"][-1]["inhale_s"]


def test_a_massage_script_may_not_speak_mid_track(tmp_path):
    script = tmp_path / "middle.txt"
    script.write_text(
        "title: Words in the middle\nmodes: massage\n\n== Welcome\nWelcome. / This time is for you.\n[breathe]\n"
        "Now we turn to your legs. / Let them be heavy.\n[breathe]\n\n== Closing\nWe are ending. / Thank you.\n"
    )
    result = run_cli("plan", "--for", "massage", "--minutes", "30", "--script", str(script))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert (
        result.stderr.startswith("Error: the script 'middle' speaks at 1")
        and "first and last 3 minutes" in result.stderr
    )
    # one stretch between a short welcome and a short closing is what a massage script looks like
    script.write_text(script.read_text().replace("[breathe]\nNow we turn to your legs. / Let them be heavy.\n", ""))
    assert run_cli("plan", "--for", "massage", "--minutes", "30", "--script", str(script)).returncode == 0


def test_chimes_without_regions():
    every = plan_json("--for", "massage", "--minutes", "60", "--no-narration")
    assert [c["at_s"] for c in every["cues"] if c["kind"] == "interval"] == [900.0, 1800.0, 2700.0]
    assert every["cues"][-1] == {"at_s": 3480.0, "kind": "two-minutes"}
    ten = plan_json("--for", "massage", "--minutes", "30", "--chime-every", "10", "--no-narration")
    assert [c["at_s"] for c in ten["cues"]] == [600.0, 1200.0, 1680.0]
    none = plan_json("--for", "massage", "--minutes", "30", "--chime-every", "0", "--no-narration")
    assert none["cues"] == [{"at_s": 1680.0, "kind": "two-minutes"}]


def test_chimes_are_soft_warm_and_click_free():
    for kind in ("region", "two-minutes"):
        x = chime_sound(kind, SR).astype(np.float64)
        spectrum = np.abs(np.fft.rfft(x)) ** 2
        freqs = np.fft.rfftfreq(len(x), 1 / SR)
        assert spectrum[freqs > 1500].sum() < 1e-4 * spectrum.sum()  # nothing harsh up high
        fundamental = freqs[np.argmax(spectrum)]
        assert 150 <= fundamental <= 500
        assert abs(x[0]) < 1e-6 and abs(x[-1]) < 1e-6  # starts and dies away to nothing
        steps = np.abs(np.diff(x))
        assert steps[:100].max() < 0.05 * steps.max()  # a raised-cosine attack, not a click


@pytest.fixture(scope="module")
def massage_track(tmp_path_factory, shared_cache):
    out = tmp_path_factory.mktemp("massage") / "m.wav"
    env = {"XDG_CACHE_HOME": str(shared_cache)}
    args = ("--for", "massage", "--minutes", "12", "--regions", "back:5,legs:4")
    assert run_cli("render", *args, "-o", str(out), env=env).returncode == 0
    plan = json.loads(run_cli("plan", "--json", *args, env=env).stdout)
    return plan, out


@pytest.mark.slow("renders a 12-minute massage track and measures it around every cue")
def test_massage_loudness_matches_other_tracks(massage_track):
    plan, wav = massage_track
    x, sr = read(wav)
    assert len(x) == 12 * 60 * SR
    voice = lufs(spans(x, sr, [(e["start_s"], e["end_s"]) for e in plan["narration"]]), sr)
    assert voice == pytest.approx(-18, abs=1.5)
    body = lufs(x[4 * 60 * sr : 8 * 60 * sr], sr)  # the instrumental middle, chime included
    assert body == pytest.approx(-23, abs=2)
    assert true_peak_db(x) <= -1.0
    assert loudness_range(x, sr) <= 8  # words, chimes and bed: no jumps across the whole track
    for cue in plan["cues"]:
        i = int(cue["at_s"] * sr)
        assert max_step_near(x, i, 200) < 2 * max_step_near(x, i - 2 * sr, 200) + 1e-3  # no click
        assert rms_db(x[i : i + sr]) > rms_db(x[i - sr : i]) + 2  # and it is heard


@pytest.mark.slow("renders a 10-minute track and measures its loudness, peaks and range")
def test_tones_only_massage_track_level(tmp_path):
    out = tmp_path / "t.flac"
    result = run_cli("render", "--for", "massage", "--minutes", "10", "--no-narration", "-o", str(out))
    assert result.returncode == 0, result.stderr
    x, sr = read(out)
    assert lufs(x, sr) == pytest.approx(-23, abs=2)
    assert true_peak_db(x) <= -1.0
    assert loudness_range(x, sr) <= 8


@pytest.mark.slow("renders the 12-minute hand massage once its notes are confirmed")
def test_caregiver_safety_screen_is_shown_and_required(tmp_path):
    out = tmp_path / "hands.flac"
    refused = run_cli("render", "--for", "caregiver", "--part", "hands", "-o", str(out))
    assert refused.returncode == 2
    assert SAFETY_SCREEN.strip() in refused.stdout
    assert refused.stderr.strip() == "Error: read the safety notes above, then confirm them with --yes"
    assert list(tmp_path.iterdir()) == []
    done = run_cli("render", "--for", "caregiver", "--part", "hands", "--yes", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert SAFETY_SCREEN.strip() in done.stdout
    assert (tmp_path / "hands.txt").read_text() == SAFETY_SCREEN
    x, sr = read(out)
    assert len(x) == 12 * 60 * SR  # about five minutes a hand


def answer_safety_prompt(answer: bytes, *args: str):
    """Run a caregiver render on a terminal and answer the safety question."""
    child, master = spawn_in_pty("render", "--for", "caregiver", *args)
    seen = b""
    while b"safe to go on" not in seen:
        try:
            seen += os.read(master, 4096)
        except OSError:  # the child has gone without asking: show what it said
            raise AssertionError(seen.decode(errors="replace")) from None
    os.write(master, answer)
    return child


@pytest.mark.slow("answers the safety question on a terminal, then renders the 16-minute foot massage")
def test_caregiver_confirms_at_the_prompt(tmp_path):
    out = tmp_path / "feet.flac"
    assert answer_safety_prompt(b"y\n", "--part", "feet", "-o", str(out)).wait(timeout=300) == 0
    assert out.exists() and (tmp_path / "feet.txt").exists()
    refused = tmp_path / "no.flac"
    assert answer_safety_prompt(b"n\n", "-o", str(refused)).wait(timeout=60) == 2
    assert not refused.exists()


def test_caregiver_guide_changes_side_with_a_chime():
    p = plan_json("--for", "caregiver", "--part", "feet")
    assert p["duration_s"] == 16 * 60
    chime = [c for c in p["cues"] if c["kind"] == "chime"]
    assert len(chime) == 1
    second = next(e for e in p["narration"] if e["section"] == "The second foot")
    assert second["start_s"] - chime[0]["at_s"] == pytest.approx(3.0, abs=1e-3)
    first_side = [e for e in p["narration"] if e["section"] == "The first foot"]
    assert 5 * 60 <= second["start_s"] - first_side[0]["start_s"] <= 10 * 60
    words = " ".join(e["text"] for e in p["narration"]).lower()
    assert "ask" in words and "light" in words and "stop" in words and "face" in words


def test_mode_options_are_checked():
    for args, words in [
        (["--part", "feet"], "(--for caregiver)"),
        (["--regions", "back:10"], "(--for massage)"),
        (["--for", "massage", "--regions", "back:50,legs:20"], "more than the 60-minute track"),
        (["--for", "massage", "--regions", "back"], "cannot read the region"),
        (["--for", "massage", "--minutes", "8"], "10 to 180 minutes"),
        (["--for", "massage", "--chime-every", "2"], "every 5 to 60 minutes"),
        (["--script", "therapist"], "written for massage sessions, not relax (--script)"),
        (["--name", "x1"], "is a first name"),
    ]:
        result = run_cli("plan", *args)
        assert result.returncode == 2 and result.stderr.startswith("Error: ") and words in result.stderr, args


def test_name_fills_the_placeholder():
    named = plan_json("--energy", "low", "--name", "Ann")
    assert named["narration"][0]["text"] == "Welcome, Ann. There is nothing you need to do."
    plain = plan_json("--energy", "low")
    assert plain["narration"][0]["text"] == "Welcome. There is nothing you need to do."


def test_the_library_covers_every_listener():
    listed = json.loads(run_cli("scripts", "list", "--json").stdout)
    names = {s["name"] for s in listed}
    assert len(listed) >= 8
    assert {
        "settling",
        "body-scan",
        "calm-place",
        "after-massage",
        "sleep",
        "breathlessness",
        "gratitude",
        "therapist",
        "caregiver-hands",
        "caregiver-feet",
    } <= names
    assert {m for s in listed for m in s["modes"]} == {"relax", "massage", "caregiver"}
    table = run_cli("scripts", "list").stdout
    assert "caregiver" in table and "massage" in table
    by_name = {s.name: s for s in builtin_scripts()}
    sleep = " ".join(i.text for i in by_name["sleep"].items if isinstance(i, Entry)).lower()
    assert by_name["sleep"].ending == "sleep"
    assert not any(w in sleep for w in ("wake", "open your eyes", "come back to the room"))
    breath = " ".join(i.text for i in by_name["breathlessness"].items if isinstance(i, Entry)).lower()
    for needed in ("blow", "lips", "fan", "no holding", "stop", "dizzy", "low and slow"):
        assert needed in breath, needed


def shortest_session(opts: SessionOptions):
    """The session at the shortest whole number of minutes its words fit in: every line
    still spoken (or dropped, if optional), at a fraction of the default length's render."""
    minutes = MODES[opts.mode].least_minutes
    while True:
        try:
            return make_session(replace(opts, minutes=minutes))
        except DoesNotFit as exc:
            assert exc.minutes > minutes
            minutes = exc.minutes


@pytest.mark.slow("renders every built-in script at each energy it claims, about twenty sessions")
def test_every_builtin_script_renders_at_each_energy_it_claims():
    for script in builtin_scripts():
        for energy in script.energies:
            opts = SessionOptions(energy=energy, script=script.name, mode=script.modes[0], safety_confirmed=True)
            session = shortest_session(opts)
            plan = session.plan
            assert plan.narration, (script.name, energy)
            x = np.concatenate(list(session.blocks(blocksize=1 << 16)))
            assert len(x) == plan.total_samples, (script.name, energy)
            assert np.max(np.abs(x)) <= 10 ** (-1.5 / 20) + 1e-6
            assert np.all(x[-int(0.7 * SR) :] == 0)
            voice = lufs(spans(x, SR, [(e.start / SR, e.end / SR) for e in plan.narration]), SR)
            assert voice == pytest.approx(-18, abs=1.5), (script.name, energy)
