"""Cold voice synthesis, this checkout against an earlier revision, in one run.

    .venv/bin/python benchmarks/synthesis.py [BASE_REV] [ROUNDS]

Both versions run the same whole command (`companion plan` on an empty cache) from the same
virtual environment, alternating round by round so the machine's load falls on both alike.
The default base is the last revision before synthesis was made faster.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from worktree import ROOT, checkout

BASE = "ae5f62d"  # before: clip preparation re-measured every peak twice and waited for its imports
CASES = (("medium", "body-scan"), ("high", "calm-place"))


def cold_plan(tree: Path, energy: str, script: str, cache: Path) -> tuple[float, float]:
    """Wall seconds of one cold `plan`, and the seconds of speech it made."""
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "companion", "plan", "--json", "--energy", energy, "--script", script],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed in {tree}:\n{done.stderr}")
    plan = json.loads(done.stdout)
    speech = sum(p["end_s"] - p["start_s"] for e in plan["narration"] for p in e["phrases"])
    return wall, speech


def main() -> None:
    base = sys.argv[1] if len(sys.argv) > 1 else BASE
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    work = Path(tempfile.mkdtemp(prefix="companion-synth-"))
    with checkout(base) as before:
        print(f"machine: {os.cpu_count()} cores; before = {base}, after = this checkout; best of {rounds}")
        for energy, script in CASES:
            best: dict[str, float] = {}
            speech: dict[str, float] = {}  # each version's own speech (phrasing may differ)
            for _ in range(rounds):
                for label, tree in (("before", before), ("after", ROOT)):
                    wall, speech[label] = cold_plan(tree, energy, script, work / "cache")
                    best[label] = min(best.get(label, wall), wall)
            print(
                f"cold synthesis ({script}, {energy}): before {speech['before']:.1f} s of speech in "
                f"{best['before']:.2f} s = {speech['before'] / best['before']:.1f}x real time, after "
                f"{speech['after']:.1f} s in {best['after']:.2f} s = {speech['after'] / best['after']:.1f}x "
                "(whole command, empty cache)"
            )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
