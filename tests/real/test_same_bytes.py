"""Behaviour stays as it was when the code moved into its rooms: a render with a fixed seed
gives the same sound, to the sample, from this checkout as from the revision before the
move (b70b8bf), checked out beside it and run from the same environment. (The tags are
not compared: chapters are now written in time order and a therapist's track is
chaptered by its regions, on purpose. A render is byte-for-byte repeatable from one
checkout: tests/real/test_render_audio.py.) The narrated render is at medium energy: low
and high energy spoke at their own paces then and speak at medium's now, on purpose."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from tests.helpers import ROOT, run_cli

BEFORE_THE_MOVE = "b70b8bf"
RENDERS = [
    ("medium.wav", ["--energy", "medium", "--minutes", "3", "--seed", "7"]),
    ("massage.flac", ["--for", "massage", "--minutes", "10", "--regions", "back:6,feet:4", "--mono", "--seed", "3"]),
    ("feet.mp3", ["--for", "caregiver", "--part", "feet", "--minutes", "4", "--ambience", "brown", "--yes"]),
]


@pytest.fixture(scope="module")
def before_the_move(tmp_path_factory):
    found = subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{BEFORE_THE_MOVE}^{{commit}}"])
    assert found.returncode == 0, f"this checkout lacks {BEFORE_THE_MOVE}: clone it with its history"
    tree = tmp_path_factory.mktemp("before") / "tree"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), BEFORE_THE_MOVE],
        check=True,
        capture_output=True,
    )
    yield tree
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)


@pytest.mark.slow("renders three sessions twice, once from a checkout of the revision before the move")
@pytest.mark.parametrize(("name", "args"), RENDERS, ids=[n for n, _ in RENDERS])
def test_a_render_gives_the_same_bytes_as_before_the_move(name, args, before_the_move, tmp_path):
    now, then = tmp_path / "now", tmp_path / "then"
    now.mkdir()
    then.mkdir()
    made = run_cli("render", *args, "-o", str(now / name))
    assert made.returncode == 0, made.stderr
    env = {**os.environ, "PYTHONPATH": str(before_the_move)}
    old = subprocess.run(
        [sys.executable, "-m", "companion", "render", *args, "-o", str(then / name)],
        cwd=before_the_move,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert old.returncode == 0, old.stderr
    ours, theirs = sf.read(now / name, dtype="int16"), sf.read(then / name, dtype="int16")
    assert ours[1] == theirs[1] and ours[0].shape == theirs[0].shape
    assert np.array_equal(ours[0], theirs[0])  # not `==` on the bytes: pytest would diff megabytes
    if "--yes" in args:  # a caregiver track's notes beside it, word for word
        assert (now / name).with_suffix(".txt").read_text() == (then / name).with_suffix(".txt").read_text()
