"""The real layer: the real neural voice, real processes, real sound devices and browsers.
Its tests share one voice cache, warmed once with every built-in phrase at every energy
level (one batch keeps both cores busy, and no later test waits for the voice)."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest

from companion.cache import ClipCache
from tests.helpers import run_cli, run_wide, warm_library_voice


@pytest.fixture(scope="session")
def shared_cache(tmp_path_factory) -> Path:
    """The run's XDG cache folder, its voice cache warmed once with every built-in phrase at
    every energy level: one batch keeps both cores busy, and no later test (or command a test
    runs) waits for the voice. Tests that need a cold cache make their own."""
    base = run_wide(tmp_path_factory)  # one cache for all the workers: its writes are atomic renames
    root = base / "xdg-cache"
    if os.environ.get("COMPANION_TEST_CACHE"):  # a developer's warm cache, kept between runs
        root = Path(os.environ["COMPANION_TEST_CACHE"])
    root.mkdir(parents=True, exist_ok=True)
    with open(base / "xdg-cache.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the first worker warms it; the others then find it warm
        warm_library_voice(ClipCache(root / "companion" / "clips"))
    return root


@pytest.fixture
def xdg_cache(shared_cache) -> Path:
    return shared_cache


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
