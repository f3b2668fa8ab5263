"""Ctrl-C or SIGTERM at any moment once the command has started (imports included) ends it
within two seconds with one calm line and nothing half-made, on a busy machine too."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SIGTERM_BIT = 1 << (signal.SIGTERM - 1)


def handlers_in(pid: int) -> bool:
    """The command has put in its own handlers (SIGTERM caught: Python alone leaves it be)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(line for line in status.splitlines() if line.startswith("SigCgt:"))
    return bool(int(caught.split()[1], 16) & SIGTERM_BIT)


def spin(stop) -> None:
    while not stop.is_set():
        pass


@pytest.fixture
def busy_machine():
    """Every core kept busy while the test runs, as a loaded machine would be."""
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(os.cpu_count() or 2)]
    for p in spinners:
        p.start()
    yield
    stop.set()
    for p in spinners:
        p.join(timeout=5)


@pytest.mark.slow("starts the command 24 times on a machine kept busy, each stopped at a random moment")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_a_signal_at_any_moment_ends_in_one_calm_line(sig, busy_machine, tmp_path):
    rng = random.Random(sig)
    for i in range(12):
        out = tmp_path / f"s{i}.wav"
        child = subprocess.Popen(
            [sys.executable, "-m", "companion", "render", "--no-narration", "--minutes", "30", "-o", str(out)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while not handlers_in(child.pid) and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 1.2))  # while modules load, the plan is made, or blocks are written
        sent = time.monotonic()
        child.send_signal(sig)
        _, err = child.communicate(timeout=30)
        assert time.monotonic() - sent < 2.0, f"took {time.monotonic() - sent:.1f} s"
        if child.returncode == 0:
            continue  # it had finished already
        assert child.returncode == 130, err
        assert "Traceback" not in err and err.strip().splitlines() == [err.strip()] and err.startswith("Error: ")
        assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
