"""The library API, used as a program would use it: no command line in between."""

import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence

import numpy as np
import pytest
import soundfile as sf

import companion
from companion.cache import ClipCache
from tests.audio_checks import lufs, read, spans
from tests.helpers import ROOT, default_person
from tests.paced_output import PacedOutput

SR = 44100


def test_the_readme_example_runs_as_written(tmp_path):
    """The API page's example, run as a program would run it (sound through the null device)."""
    page = (ROOT / "docs" / "api.md").read_text()
    example = _example(page, "# The library API")
    done = subprocess.run([sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert companion.STOP_RULE in done.stdout and "finished 6.0 minutes heard" in done.stdout
    assert sf.info(str(tmp_path / "rest.mp3")).frames == 6 * 60 * SR


def test_a_session_renders_to_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    session = companion.make_session(companion.SessionOptions(energy="low", minutes=2))
    assert [n.kind for n in session.notices] == ["stop-rule"]
    assert session.notices[-1].text == companion.STOP_RULE
    written = companion.render(session, "rest.mp3")
    assert written.path.name == "rest.mp3" and written.notes is None
    assert sf.info("rest.mp3").frames == written.frames == 2 * 60 * SR


def test_a_session_keeps_the_cache_that_made_it(tmp_path, monkeypatch, shared_cache):
    """Made with a cache of the caller's, rendered later: the clips come from that cache (it
    used to fail as a 'write error' because the plan did not carry its cache)."""
    mine = ClipCache(shared_cache / "companion" / "clips")  # warm: the rest of the run filled it
    default_home = tmp_path / "elsewhere"
    monkeypatch.setenv("XDG_CACHE_HOME", str(default_home))
    session = companion.make_session(companion.SessionOptions(energy="low", minutes=2), cache=mine)
    written = companion.render(session, tmp_path / "s.wav")
    x, _ = read(written.path)
    voice = lufs(spans(x, SR, [(e.start / SR, e.end / SR) for e in session.plan.narration]), SR)
    assert voice == pytest.approx(-18, abs=1.5)
    assert not default_home.exists()  # nothing was looked for, or put, anywhere else


def test_a_caregiver_session_is_never_made_without_its_safety_notes(tmp_path):
    opts = companion.SessionOptions(mode="caregiver", part="hands", minutes=4)
    with pytest.raises(companion.BadInput, match="safety notes read and confirmed"):
        companion.make_session(opts)
    shown: list[str] = []

    def refuse(notes: str) -> bool:
        shown.append(notes)
        return False

    with pytest.raises(companion.BadInput, match="not confirmed; nothing was made"):
        companion.make_session(opts, confirm=refuse)
    assert shown == [companion.SAFETY_SCREEN]
    session = companion.make_session(opts, confirm=lambda notes: True)
    assert session.notices[0] == companion.Notice("safety", companion.SAFETY_SCREEN)
    written = companion.render(session, tmp_path / "hands.ogg")
    assert written.notes == tmp_path / "hands.txt"
    assert written.notes is not None and written.notes.read_text() == companion.SAFETY_SCREEN
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hands.ogg", "hands.txt", "hands.vtt"]  # the words beside


def test_caregiver_audio_and_notes_are_written_both_or_neither(tmp_path):
    """The notes cannot be put in place (a folder has their name): no audio is left either."""
    (tmp_path / "hands.txt").mkdir()
    opts = companion.SessionOptions(mode="caregiver", minutes=3, narration=False, safety_confirmed=True)
    session = companion.make_session(opts)
    with pytest.raises(companion.OutputError, match="hands.txt"):
        companion.render(session, tmp_path / "hands.wav")
    assert [p.name for p in tmp_path.iterdir()] == ["hands.txt"]
    assert list((tmp_path / "hands.txt").iterdir()) == []


def test_a_caregiver_script_brings_its_own_length():
    """--script caregiver-feet without --part is a foot massage: 16 minutes, not the 12 of hands."""
    feet = companion.make_plan(companion.SessionOptions(mode="caregiver", script="caregiver-feet", narration=False))
    assert feet.duration_s == 16 * 60
    hands = companion.make_plan(companion.SessionOptions(mode="caregiver", narration=False))
    assert hands.duration_s == 12 * 60


def test_modes_are_one_table():
    assert set(companion.MODES) == {"relax", "massage", "caregiver"}
    massage = companion.MODES["massage"]
    assert massage.minutes == 60 and massage.cues and not massage.bed_under_words
    assert [p.name for p in companion.MODES["caregiver"].parts] == ["hands", "feet"]
    assert companion.MODES["caregiver"].safety_notes and not massage.safety_notes


class HummingNarrator:
    """Another voice, written against the Narrator protocol only: each phrase is a soft rustle
    whose length follows the text (as a recorded voice would bring its own lengths)."""

    sample_rate = SR

    def __init__(self):
        self.clips: dict[str, np.ndarray] = {}

    def clip_lengths(self, texts: Sequence[str], length_scale: float, progress=None) -> dict[str, tuple[str, int]]:
        found = {}
        for text in texts:
            key = f"hum:{text}"
            if key not in self.clips:
                n = int(len(text) * 0.07 * length_scale * SR)
                rustle = np.random.default_rng(n).standard_normal(n) * 0.1 * np.hanning(n)
                self.clips[key] = rustle.astype(np.float32)
            found[text] = (key, len(self.clips[key]))
        return found

    def ready(self, texts: Sequence[str], length_scale: float) -> bool:
        return all(f"hum:{t}" in self.clips for t in texts)

    def clip(self, key: str) -> np.ndarray:
        return self.clips[key]


def test_another_narrator_speaks_without_changing_the_planner_or_renderer(tmp_path):
    narrator = HummingNarrator()
    opts = companion.SessionOptions(energy="low", minutes=3, ambience="none", seed=2)
    session = companion.make_session(opts, narrator=narrator)
    plan = session.plan
    assert plan.clips and all(c.key.startswith("hum:") for c in plan.clips)
    stereo = np.concatenate(list(session.blocks())).astype(np.float64)
    assert len(stereo) == plan.total_samples
    x = stereo.sum(axis=1) / np.sqrt(2)  # the voice is centred: each ear has it at 1/sqrt(2)
    # every clip sounds exactly where the plan puts it, over a quiet (ducked) tone; a line that
    # comes back after a long quiet is made softer where it is loud, never louder
    for clip in plan.clips:
        heard = x[clip.start : clip.end]
        own = narrator.clip(clip.key).astype(np.float64)
        assert np.corrcoef(heard, own)[0, 1] > 0.9, clip.text
        assert np.sqrt(np.mean(heard**2)) <= 1.02 * np.sqrt(np.mean(own**2)), clip.text
        if np.sqrt(np.mean(heard**2)) > 0.98 * np.sqrt(np.mean(own**2)):  # as made
            assert np.max(np.abs(heard - own)) < 0.3 * np.max(np.abs(own)), clip.text
        late = x[clip.start + SR // 200 : clip.end + SR // 200]  # 5 ms off: no longer the clip
        assert np.corrcoef(late, own)[0, 1] < 0.5, clip.text
    assert companion.make_plan(opts, narrator=narrator).to_json() == plan.to_json()


def test_play_says_how_it_ended_and_gives_back_the_signals():
    session = companion.make_session(companion.SessionOptions(energy="low", minutes=2, narration=False))
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    seen = []

    def keys(send):  # a key handler as TerminalKeys would be: 'q' at once
        from contextlib import nullcontext

        send("stop")
        seen.append(signal.getsignal(signal.SIGINT) not in before)  # Ctrl-C goes to the player meanwhile
        return nullcontext()

    result = companion.play(session, PacedOutput(SR, speed=400.0), keys=keys)
    assert result.ended == "stopped" and result.exit_code == 0 and result.extensions == 0
    assert 2.8 / 60 <= result.minutes_heard <= 3.5 / 60  # the 3-second gentle fade
    assert seen == [True]
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
    whole = companion.play(session, PacedOutput(SR, speed=1000.0))
    assert whole.ended == "finished" and whole.minutes_heard == pytest.approx(2.0)


@pytest.mark.slow("makes the voice from cold, as a fresh machine does")
def test_a_session_made_to_play_at_once_still_renders_whole(tmp_path):
    """With a cold cache and wait_for_voice=False the plan starts tone-only; render makes the voice first."""
    opts = companion.SessionOptions(energy="low", minutes=2, seed=1)
    session = companion.make_session(opts, cache=ClipCache(tmp_path / "cold"), wait_for_voice=False)
    assert session.voice_pending and not session.plan.narration
    written = companion.render(session, tmp_path / "s.flac")
    assert not session.voice_pending and session.plan.narration
    assert session.plan.to_json() == companion.make_plan(opts).to_json()
    x, _ = read(written.path)
    voice = lufs(spans(x, SR, [(e.start / SR, e.end / SR) for e in session.plan.narration]), SR)
    assert voice == pytest.approx(-18, abs=1.5)


def test_the_journal_example_runs_as_written(tmp_path):
    """The API page's second example (the check-in, the journal and its papers, recorded
    voices), run as a program would run it, in a user data folder of its own."""
    page = (ROOT / "docs" / "api.md").read_text()
    example = _example(page, "## The journal, the check-in")
    env = {**os.environ, **{f"XDG_{k}_HOME": str(tmp_path / k.lower()) for k in ("DATA", "CACHE", "CONFIG")}}
    done = subprocess.run(
        [sys.executable, "-c", example], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:2] == ["Low energy and short of breath: Breathing easy, 6 minutes", "1 entries; 4"]
    assert {"journal.png", "for-the-team.pdf", "journal.csv"} <= {p.name for p in tmp_path.iterdir()}
    assert (default_person(tmp_path / "data") / "journal.sqlite3").exists()


def _example(page: str, heading: str) -> str:
    """The first Python block under `heading` on a docs page."""
    block = re.search(re.escape(heading) + r".*?```python\n(.*?)```", page, re.S)
    assert block is not None, f"no Python example under {heading!r}"
    return block.group(1)
