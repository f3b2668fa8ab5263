"""Nothing leaves the machine: no network socket, no telemetry, no files outside our own folders."""

import os
import re
import shutil
import subprocess
import sys

import pytest

INET = re.compile(r"\b(AF_INET6?|AF_PACKET|PF_INET6?)\b")


@pytest.mark.slow("a fresh machine's first render (its voice made from cold), traced by strace")
def test_a_cold_render_opens_no_network_socket_and_writes_only_its_own_files(tmp_path):
    """A fresh machine's first render loads the voice (ONNX Runtime, whose telemetry is on by
    default): traced at the system-call level, it never opens an internet socket, and the
    only files it leaves are the output and companion's own cache."""
    strace = shutil.which("strace")
    if strace is None:
        pytest.skip("strace is not installed (make test installs it as root)")
    folders = {name: tmp_path / name for name in ("home", "cache", "data", "config", "out")}
    for folder in folders.values():
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CI" and not k.startswith("ORT_")}  # CI hides telemetry
    env.update(
        HOME=str(folders["home"]),
        XDG_CACHE_HOME=str(folders["cache"]),
        XDG_DATA_HOME=str(folders["data"]),
        XDG_CONFIG_HOME=str(folders["config"]),
    )
    trace = tmp_path / "trace.log"
    out = folders["out"] / "s.wav"
    args = [sys.executable, "-m", "companion", "render", "--energy", "low", "--minutes", "2", "-o", str(out)]
    done = subprocess.run(
        [strace, "-f", "-qq", "-e", "trace=network", "-o", str(trace), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    calls = trace.read_text().splitlines()
    assert not [c for c in calls if INET.search(c)], "a network socket was opened"
    assert out.exists()
    assert [p.name for p in folders["cache"].iterdir()] == ["companion"]
    assert {p.name for p in (folders["cache"] / "companion").iterdir()} == {"clips"}
    for name in ("home", "data", "config"):
        assert list(folders[name].iterdir()) == [], name
    assert sorted(p.name for p in folders["out"].iterdir()) == ["s.vtt", "s.wav"]  # the sound and its words
