"""Faults a user meets by bad luck: a damaged or unwritable cache, no PortAudio, a sound output
that does not exist, standard output that fails, an output faster than real time."""

import hashlib
import os
import subprocess
import sys

import numpy as np
import pytest

from companion.cache import ClipCache
from companion.live.player import Player
from companion.options import SessionOptions
from companion.session import make_session
from tests.helpers import mounted_tmpfs, run_cli
from tests.paced_output import PacedOutput

SR = 44100
# A script of three short phrases: each fault below makes its voice from nothing, and the
# faults are in the cache, not in how much there is to say.
SHORT_SCRIPT = "title: Three phrases\n== One\nWelcome. / Rest here.\n[breathe 30]\n== Two\nStay as long as you like.\n"


@pytest.fixture(scope="module")
def low(tmp_path_factory) -> tuple[str, ...]:
    """The session's flags: two minutes at low energy, the short script, a fixed seed."""
    script = tmp_path_factory.mktemp("script") / "three.txt"
    script.write_text(SHORT_SCRIPT)
    return ("--energy", "low", "--minutes", "2", "--seed", "3", "--script", str(script))


def sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def one_error_line(result, status: int, words: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.returncode == status, result.stderr
    assert len(lines) == 1 and lines[0].startswith("Error: ") and words in lines[0], result.stderr
    assert "Traceback" not in result.stderr + (result.stdout or "")


@pytest.fixture(scope="module")
def reference(tmp_path_factory, shared_cache, low) -> bytes:
    """The session made with a sound cache: every fault below must give the very same bytes."""
    out = tmp_path_factory.mktemp("reference") / "s.wav"
    assert run_cli("render", *low, "-o", str(out), env={"XDG_CACHE_HOME": str(shared_cache)}).returncode == 0
    return out.read_bytes()


def test_a_damaged_cache_heals_itself(tmp_path, reference, low):
    cache = tmp_path / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    assert run_cli("render", *low, "-o", str(tmp_path / "a.wav"), env=env).returncode == 0
    entries = sorted((cache / "companion" / "clips").rglob("*.npy"), key=lambda p: p.stat().st_size)
    assert len(entries) >= 4  # four to damage, each its own way: phrases and noise loops
    smallest, small, middle, largest = entries[0], entries[1], entries[len(entries) // 2], entries[-1]
    smallest.write_bytes(b"")  # an empty file
    np.save(small, np.full(len(np.load(small)), np.nan, np.float32))  # NaN samples
    middle.write_bytes(middle.read_bytes()[: middle.stat().st_size // 2])  # cut short
    np.save(largest, np.load(largest) * 1e6)  # a noise loop turned to garbage
    result = run_cli("render", *low, "-o", str(tmp_path / "b.wav"), env=env)
    assert result.returncode == 0 and not result.stderr, result.stderr
    assert (tmp_path / "b.wav").read_bytes() == reference
    for entry in (smallest, small, middle, largest):  # made again, and sound
        clip = np.load(entry)
        assert len(clip) and np.all(np.isfinite(clip)) and np.max(np.abs(clip)) < 100


@pytest.fixture
def read_only_folder(tmp_path):
    yield from mounted_tmpfs(tmp_path / "read-only", "ro,size=1m")


@pytest.fixture
def full_folder(tmp_path):
    yield from mounted_tmpfs(tmp_path / "tiny", "size=64k")


@pytest.mark.parametrize("where", ["a file", "read-only", "full"])
def test_a_cache_that_cannot_be_written_is_not_needed(where, tmp_path, reference, low, request):
    if where == "a file":
        cache = tmp_path / "not-a-folder"
        cache.write_text("")
        reason = "Not a directory"
    elif where == "read-only":
        cache, reason = request.getfixturevalue("read_only_folder"), "Read-only file system"
    else:
        cache, reason = request.getfixturevalue("full_folder"), "No space left on device"
    out = tmp_path / "s.wav"
    result = run_cli("render", *low, "-o", str(out), env={"XDG_CACHE_HOME": str(cache)})
    assert result.returncode == 0 and not result.stderr, result.stderr
    notes = [line for line in result.stdout.splitlines() if "voice cache" in line]
    assert len(notes) == 1 and reason in notes[0] and "made without it, so it is slower" in notes[0], result.stdout
    assert out.read_bytes() == reference


def test_without_portaudio_play_names_the_missing_library(tmp_path, null_audio_home):
    """PortAudio is installed here, so the library lookup is made to fail (the one thing
    that cannot run for real without removing it from the machine); the rest is the real path."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(
        "import ctypes.util\n_find = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: None if 'portaudio' in name else _find(name)\n"
    )
    env = {"PYTHONPATH": f"{site}:{os.environ.get('PYTHONPATH', '')}", "HOME": str(null_audio_home)}
    played = run_cli("play", "--energy", "low", "--minutes", "3", env=env)
    one_error_line(played, 1, "the PortAudio library that plays sound is not installed")
    assert "sudo apt-get install libportaudio2" in played.stderr and "companion render" in played.stderr
    listed = run_cli("devices", env=env)
    one_error_line(listed, 1, "sudo apt-get install libportaudio2")


@pytest.mark.parametrize("device", ["99", "no-such-card"])
def test_a_sound_output_that_does_not_exist_is_bad_input(device, null_audio_home):
    result = run_cli("play", "--no-narration", "--minutes", "2", "--device", device)
    one_error_line(result, 2, f"there is no sound output '{device}'")


def test_standard_output_on_a_full_device():
    with open("/dev/full", "w") as full:
        result = subprocess.run(
            [sys.executable, "-m", "companion", "plan", "--energy", "low", "--json"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    one_error_line(result, 1, "could not write to standard output (No space left on device)")


def test_a_closed_pipe_ends_quietly():
    # three hours of breaths: far more JSON than a pipe holds, so the writer is still writing
    args = ["plan", "--json", "--for", "massage", "--minutes", "180", "--no-narration"]
    child = subprocess.Popen([sys.executable, "-m", "companion", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert child.stdout is not None and child.stderr is not None
    child.stdout.read(10)
    child.stdout.close()  # the reader has gone, as with '| head -c 10'
    err = child.stderr.read().decode()
    child.stderr.close()
    # the reader chose to stop: nothing failed, as with any pipeline (click's convention)
    assert child.wait(timeout=60) == 0 and err == "", err


def test_a_fast_output_does_not_outrun_the_voice(tmp_path):
    """An output that takes sound 1000 times faster than real time (like a null device): while
    the voice is made the session keeps to real time, so the words are still in it."""
    out = PacedOutput(SR, speed=1000.0)
    session = make_session(SessionOptions(energy="low", minutes=2), cache=ClipCache(tmp_path), wait_for_voice=False)
    assert session.voice_pending
    player = Player(session, out)
    result = player.run()
    assert result.ended == "finished"
    plan = player.live.plan
    assert plan.narration, "the voice never arrived"
    first_words = plan.narration[0].start
    heard = [at for at in out.positions if at is not None]
    assert heard[-1] + len(out.blocks[-1]) >= plan.total_samples
    # the phrases themselves (a line's span also holds its pauses, whose share changes with
    # how far a late voice squeezed the plan)
    spoken = np.concatenate([out.audio[c.start : c.end] for c in plan.clips])
    assert np.sqrt(np.mean(spoken**2)) > 3 * np.sqrt(np.mean(out.audio[SR : first_words - SR] ** 2))


def test_a_sound_output_that_dies_mid_session_ends_with_one_line(tmp_path):
    """A real PortAudio output through ALSA's file plugin into a pipe whose reader goes away
    after a moment of sound, as a device does when it is unplugged. (The reader once left
    after two seconds by the clock: on a busy machine before `play` had opened the pipe,
    whose opening then waited for a reader for ever.)"""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / ".asoundrc").write_text(f'pcm.!default {{ type file slave.pcm "null" file "{fifo}" format "raw" }}\n')
    reader = subprocess.Popen(["head", "-c", "400000", str(fifo)], stdout=subprocess.DEVNULL)  # about 2 s
    played = run_cli("play", "--no-narration", "--minutes", "30", "--quiet", env={"HOME": str(tmp_path)}, timeout=60)
    reader.wait(timeout=10)
    assert played.returncode == 1, played.stderr
    lines = played.stderr.strip().splitlines()  # ALSA and PortAudio add lines of their own before ours
    assert lines[-1] == "Error: the sound output stopped while playing (was it unplugged?)", played.stderr
    assert "Traceback" not in played.stderr
