"""Ctrl-C or SIGTERM at any moment once the command has started (imports included) ends it
within two seconds with one calm line and nothing half-made, on a busy machine too."""

from __future__ import annotations

import multiprocessing
import os
import random
import shutil
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pytest

from companion.live.transport import STOP_FADE_S
from companion.process import end_with_parent
from tests.helpers import run_cli, start_cli

SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


def handlers_in(pid: int) -> bool:
    """The command has put in its own handlers (SIGTERM caught: Python alone leaves it be)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & SIGTERM_BIT)


def spin(stop, parent: int) -> None:
    os.setsid()  # another program, in a session of its own (see busy_machine)
    end_with_parent(parent, signal.SIGKILL)  # out of the test's session: never outlives it
    while not stop.is_set():
        pass


@contextmanager
def busy_machine():
    """Every core kept busy, as a loaded machine would be: only while it matters, since the
    other tests running beside this one then wait too. Each spinner is a program of its own
    session, as a desktop's other programs are: where the scheduler shares the cores between
    sessions first (Linux's autogroup, on here), spinners in the command's own session took
    its share from within (a command answered with a twentieth of a core)."""
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop, os.getpid())) for _ in range(os.cpu_count() or 2)]
    for p in spinners:
        p.start()
    try:
        yield
    finally:
        stop.set()
        for p in spinners:
            p.join(timeout=5)


# The command's life, in seconds of its own CPU time, over which each stop is spread: its
# modules loading (to about 0.2 s here), the plan and the sound's set-up (to 0.3 s), then a
# few of the blocks rendered and written, which repeat. A moment of its CPU time, not of the
# clock: on a busy machine a second of the clock is a few hundredths of the command's work,
# and a clock's moments all landed in its first modules.
LIFE_CPU_S = 0.4
LANES = 3  # commands under way at once (each in its own session): the machine busier still


def cpu_seconds(pid: int) -> float | None:
    """The process's CPU time so far (user and system, all its threads); None once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.slow("starts the command 24 times on a machine kept busy, each stopped at a random moment")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_at_any_moment_ends_in_one_calm_line(sig, tmp_path):
    rng = random.SystemRandom()  # new moments each run: a failure names its own
    moments = [rng.uniform(0, LIFE_CPU_S) for _ in range(12)]
    with busy_machine(), ThreadPoolExecutor(LANES) as lanes:
        stops = [lanes.submit(_stop_at, sig, moment, tmp_path / f"s{i}") for i, moment in enumerate(moments)]
        for stop in stops:
            stop.result()


def _stop_at(sig: int, moment: float, folder: Path) -> None:
    """Start a render, send `sig` once it has had `moment` seconds of CPU, and check its end."""
    folder.mkdir()
    # FLAC: long enough to encode that the signal lands in every phase, and not the 7 GB a
    # 30-minute WAV each time would write (a disk that busy slowed the other tests' ends)
    out = folder / "s.flac"
    child = start_cli("render", "--no-narration", "--minutes", "30", "-o", str(out), own_session=True)
    deadline = time.monotonic() + 60
    while not handlers_in(child.pid) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    while (cpu_seconds(child.pid) or 0.0) < moment and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    sent = time.monotonic()
    child.send_signal(sig)
    _, err = child.communicate(timeout=30)
    took = time.monotonic() - sent
    where = f"stopped after {moment:.3f} s of its CPU"
    assert took < 2.0, f"took {took:.1f} s, {where}"
    if child.returncode == 0:
        return  # it had finished already
    assert child.returncode == 130, (where, err)
    assert "Traceback" not in err and err.strip().splitlines() == [err.strip()] and err.startswith("Error: "), where
    assert not out.exists() and not [p for p in folder.iterdir() if p.name.startswith(".")], where


@pytest.fixture(scope="session")
def tones(tmp_path_factory):
    """A cache folder holding only a session's tone and bed (its noise loops), made once per
    session's flags for the tests here: copied, any new clip in it is then the voice's. Once
    a session, not a module: the signal loop runs this module again each round, and what the
    tests stop is the voice, which every copy still makes from cold."""
    made: dict[tuple[str, ...], Path] = {}

    def cache_for(session: list[str]) -> Path:
        if tuple(session) not in made:
            folder = tmp_path_factory.mktemp("tones")
            out = folder / "tones.flac"
            env = {"XDG_CACHE_HOME": str(folder / "cache")}
            done = run_cli("render", "--no-narration", *session, "-o", str(out), env=env)
            assert done.returncode == 0, done.stderr
            made[tuple(session)] = folder / "cache"
        return made[tuple(session)]

    return cache_for


def stopped_while_the_voice_is_made(
    command: list[str], session: list[str], sig: int, tmp_path: Path, env: dict, tones: Path
) -> tuple[float, int, str, str]:
    """Run `command` with `session`'s flags from a voice cache holding only the tone's parts,
    and send `sig` at a random moment once the voice has made its first phrase (more under
    way): (seconds it took to end, exit code, standard error, when it was stopped). Once a
    run: each start loads the voice from cold, and a new moment each run covers more of them
    than two fixed ones."""
    cache = shutil.copytree(tones, tmp_path / "cache")
    clips = cache / "companion" / "clips"
    parts = len(list(clips.rglob("*.npy")))
    child = start_cli(*command, *session, env={**env, "XDG_CACHE_HOME": str(cache)}, own_session=True)
    deadline = time.monotonic() + 60
    while len(list(clips.rglob("*.npy"))) <= parts and child.poll() is None:
        assert time.monotonic() < deadline, "the voice made no phrase in a minute"
        time.sleep(0.01)
    moment = random.SystemRandom().uniform(0, 1.0)  # phrases under way on both cores
    with busy_machine():  # from here on: the phrases under way are made on a busy machine
        time.sleep(moment)
        sent = time.monotonic()
        child.send_signal(sig)
        _, err = child.communicate(timeout=60)
        took = time.monotonic() - sent
    left = [p for p in clips.rglob("*") if p.is_file()]
    assert all(p.suffix == ".npy" for p in left), left  # no clip left half-written
    return took, child.returncode, err, f"stopped {moment:.2f} s after the first phrase"


@pytest.mark.slow("makes the voice from cold twice on a machine kept busy, each stopped part-way")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_while_the_voice_is_made_ends_within_two_seconds(sig, tmp_path, tones):
    """A phrase can take seconds to synthesise on a busy machine: a signal must not wait for it,
    nor for the phrases after it."""
    out = tmp_path / "s.wav"
    session = ["--energy", "low", "--minutes", "3", "--seed", "1"]
    render = ["render", "-o", str(out)]
    took, code, err, when = stopped_while_the_voice_is_made(render, session, sig, tmp_path, {}, tones(session))
    assert took < 2.0, f"took {took:.1f} s, {when}"
    assert code == 130, (when, err)
    assert "Traceback" not in err and err.strip().splitlines() == [err.strip()] and err.startswith("Error: "), when
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")], when


@pytest.mark.slow("plays from a cold voice on a machine kept busy, stopped part-way")
def test_a_session_stopped_while_its_voice_is_made_ends_after_its_fade(tmp_path, null_audio_home, tones):
    """`play` speaks once its voice is ready and plays the tone meanwhile: stopped then, the
    closing fade plays out and the command ends, without waiting for phrases nobody will hear
    (it once waited half a minute)."""
    session = ["--energy", "high", "--minutes", "5", "--seed", "1"]
    env = {"HOME": str(null_audio_home)}
    play = ["play", "--quiet"]
    took, code, err, when = stopped_while_the_voice_is_made(
        play, session, signal.SIGTERM, tmp_path, env, tones(session)
    )
    assert took < STOP_FADE_S + 2.0, f"took {took:.1f} s, {when}"
    assert code == 130, (when, err)
    assert "Traceback" not in err and err.startswith("Stopped gently after"), (when, err)
