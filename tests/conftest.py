"""Every test runs with its own HOME and XDG folders; the voice clip cache is shared by the
whole run (the real voice synthesises each phrase once, all at the start), except where a test
asks for a cold one."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from companion.library import builtin_scripts
from companion.profile import PACING, SAMPLE_RATE, Energy
from companion.scripts import personalise
from companion.voice.cache import ClipCache
from companion.voice.piper_voice import PiperNarrator, resolve_voice

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """The run's XDG cache folder, its voice cache warmed once with every built-in phrase at
    every energy level: one batch keeps both cores busy, and no later test (or command a test
    runs) waits for the voice. Tests that need a cold cache make their own."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent  # one cache for all the workers: its writes are atomic renames
    root = base / "xdg-cache"
    if os.environ.get("COMPANION_TEST_CACHE"):  # a developer's warm cache, kept between runs
        root = Path(os.environ["COMPANION_TEST_CACHE"])
    root.mkdir(parents=True, exist_ok=True)
    with open(base / "xdg-cache.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker warms it; the others then find it warm
        warm_library_voice(ClipCache(root / "companion" / "clips"))
    return root


def warm_library_voice(cache: ClipCache) -> None:
    narrator = PiperNarrator(resolve_voice(None), SAMPLE_RATE, cache)
    by_scale: dict[float, list[str]] = {}
    for script in builtin_scripts():
        spoken = personalise(script, None)
        for energy in script.energies:
            by_scale.setdefault(PACING[Energy(energy)].length_scale, []).extend(spoken.phrases_for(energy))
    for length_scale, phrases in by_scale.items():
        narrator.clip_lengths(phrases, length_scale)


@pytest.fixture(scope="session")
def null_audio_home(tmp_path_factory) -> Path:
    """A HOME whose ALSA configuration gives PortAudio one null output device."""
    home = tmp_path_factory.mktemp("home-null-audio")
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")
    return home


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, shared_cache, null_audio_home, tmp_path_factory):
    monkeypatch.setenv("HOME", str(null_audio_home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(shared_cache))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("xdg-data")))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("xdg-config")))


def mounted_tmpfs(mount: Path, options: str):
    """A real small (or read-only) file system for fault tests: yields its folder, then unmounts."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=False)


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 600):
    """Run the real command in a child process, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "companion", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        timeout=timeout,
    )


def spawn_in_pty(*args: str, env: dict | None = None):
    """Run the command on a pseudo-terminal, as if typed by a person: (child, master fd)."""
    return spawn_argv_in_pty([sys.executable, "-m", "companion", *args], env)


_SPAWNED: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_child_left_behind():
    """A test that fails while a command waits for a key must not leave it running."""
    yield
    while _SPAWNED:
        child = _SPAWNED.pop()
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)


def spawn_argv_in_pty(argv: list[str], env: dict | None = None):
    master, slave = pty.openpty()
    child = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env={**os.environ, **(env or {})},
        start_new_session=True,
    )
    _SPAWNED.append(child)
    os.close(slave)
    return child, master


def plan_json(*args: str) -> dict:
    result = run_cli("plan", "--json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="session")
def low_session(tmp_path_factory, shared_cache, null_audio_home):
    """A 3-minute low-energy narrated session: its plan and its WAV, made through the CLI."""
    out = tmp_path_factory.mktemp("low-session")
    env = {"XDG_CACHE_HOME": str(shared_cache), "HOME": str(null_audio_home)}
    args = ("--energy", "low", "--minutes", "3", "--seed", "7")
    plan = run_cli("plan", "--json", *args, env=env)
    assert plan.returncode == 0, plan.stderr
    wav = out / "low.wav"
    rendered = run_cli("render", *args, "-o", str(wav), env=env)
    assert rendered.returncode == 0, rendered.stderr
    return json.loads(plan.stdout), wav
