"""Voice import trusts none of its files: a ten-hour take is found far too long from its
header, a pipe or a device is refused without being opened, a sample rate no recording has
is named, every problem with a phrase list is one line, and a huge .onnx is refused before
it is read. Nothing is left behind: no voice is made when its files are refused."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.voice.recorder import level_bar
from tests.helpers import run_cli

SCRIPT = ("--script", "settling")


def imported(folder, *more):
    return run_cli("voice", "import", "gran", str(folder), *SCRIPT, *more)


def assert_one_line(result, *words):
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(w in lines[0] for w in words), lines[0]


def no_voice_made() -> bool:
    data = Path(os.environ["XDG_DATA_HOME"]) / "companion"
    assert not (data / "voices").exists()  # an older install's place: nothing is made there now
    return not list(data.glob("people/*/voices/gran"))


def test_a_two_hour_take_is_far_too_long_without_being_decoded(tmp_path):
    memos = tmp_path / "memos"
    memos.mkdir()
    with sf.SoundFile(memos / "001.wav", "w", samplerate=8000, channels=1, subtype="PCM_U8") as f:
        block = np.zeros(8000 * 60, dtype=np.float32)
        for _ in range(120):  # two hours, a minute at a time: read whole as floats, 230 MB
            f.write(block)
    started = time.monotonic()
    result = imported(memos)
    assert time.monotonic() - started < 20
    assert "001" in result.stdout and "far longer than its words need" in result.stdout
    assert "7200 s" in result.stdout


def test_a_pipe_named_like_a_take_is_refused_without_being_opened(tmp_path):
    memos = tmp_path / "memos"
    memos.mkdir()
    os.mkfifo(memos / "001.wav")  # opening it would wait for ever for a writer
    result = imported(memos)
    assert_one_line(result, "001.wav", "not a regular file")
    assert no_voice_made()


def test_a_sample_rate_no_recording_has_is_named(tmp_path):
    memos = tmp_path / "memos"
    memos.mkdir()
    sf.write(memos / "001.wav", np.zeros(100, dtype=np.float32), 1)  # a 1 Hz "recording"
    assert_one_line(imported(memos), "001.wav", "1 Hz")
    assert no_voice_made()


def test_every_problem_with_a_phrase_list_is_one_line(tmp_path):
    memos = tmp_path / "memos"
    memos.mkdir()
    sf.write(memos / "take.wav", np.zeros(4410, dtype=np.float32), 44100)
    cases = {
        "missing.csv": None,
        "binary.csv": bytes(range(256)) * 4,
        "long.csv": ("take.wav," + "1" * 200_000 + "\n").encode(),
        "words.csv": b"take.wav,first\n",
        "outside.csv": b"../take.wav,1\n",
    }
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_bytes(content)
        assert_one_line(imported(memos, "--map", str(path)), name)
    assert_one_line(imported(memos, "--map", str(memos)), "folder")
    assert no_voice_made()


def test_a_huge_onnx_is_refused_before_it_is_read(tmp_path):
    model = tmp_path / "huge.onnx"
    with open(model, "wb") as f:
        f.truncate(20 << 30)  # 20 GB, sparse: hashing it would read it all
    (tmp_path / "huge.onnx.json").write_text('{"audio": {"sample_rate": 22050}}')
    started = time.monotonic()
    result = run_cli(
        "render", "--voice", str(model), "--energy", "low", "--minutes", "3", "-o", str(tmp_path / "a.wav")
    )
    assert time.monotonic() - started < 10
    assert_one_line(result, "far larger than a Piper voice")


def test_the_level_meter_never_fails_on_odd_input():
    for odd in (float("nan"), float("inf"), -1.0, 0.0, 1e-30, 10.0):
        bar = level_bar(odd)
        assert len(bar) == 30 and set(bar) <= {"#", "."}


def test_voice_phrases_says_what_each_energy_level_needs():
    every = run_cli("voice", "phrases", "settling")
    low = run_cli("voice", "phrases", "settling", "--energy", "low")
    assert len(low.stdout.splitlines()) < len(every.stdout.splitlines())
    assert "--energy low" in every.stderr and "spoken at low energy" in low.stderr
    numbers = {line.split()[0] for line in every.stdout.splitlines()}
    assert {line.split()[0] for line in low.stdout.splitlines()} <= numbers  # the same numbers
