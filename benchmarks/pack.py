"""The default home pack, made on every core against one track at a time in one process.

    .venv/bin/python benchmarks/pack.py          (also part of `make bench`)

Four whole commands, in one run on this machine: `companion pack` with its default set
(seven MP3 tracks, 96 minutes), from an empty voice cache (cold) and again with the cache
it filled (warm), with `--jobs 1` (one process, one track after another) and with the
default (one process per core). The peak memory of every process in each command's tree
is read from /proc while it runs (VmHWM), so the figure per job is the worker's own.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PY = sys.executable


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return found


def _peak_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def pack(folder: Path, cache: Path, jobs: int | None) -> tuple[float, float, int, list[int]]:
    """Wall seconds, CPU seconds (every process of the command: workers and encoders too), the
    main process's peak memory (KB), and each render worker's."""
    args = [PY, "-m", "companion", "pack", str(folder)] + (["--jobs", str(jobs)] if jobs else [])
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peaks: dict[int, int] = {}
    workers: set[int] = set()
    while child.poll() is None:
        for pid in [child.pid] + _children(child.pid):
            peak = _peak_kb(pid)
            if peak is not None:
                peaks[pid] = max(peaks.get(pid, 0), peak)
                if "multiprocessing.spawn" in _name(pid):
                    workers.add(pid)
        time.sleep(0.05)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if child.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{child.stderr.read().decode() if child.stderr else ''}")
    return wall, cpu, peaks.get(child.pid, 0), sorted(peaks[p] for p in workers)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="companion-pack-bench-"))
    cores = len(os.sched_getaffinity(0))
    print(f"machine: {cores} cores, Python {sys.version.split()[0]}; the default pack: 7 MP3 tracks, 96 minutes")
    results = {}
    try:
        for label, jobs in (("one at a time (--jobs 1)", 1), (f"in parallel (--jobs {cores}, the default)", None)):
            cache = work / f"cache-{jobs}"
            for state in ("cold", "warm"):
                folder = work / f"pack-{jobs}-{state}"
                wall, cpu, main_kb, worker_kb = pack(folder, cache, jobs)
                results[(label, state)] = wall
                memory = f"main process {main_kb / 1024:.0f} MB"
                if worker_kb:
                    memory += ", each job " + " / ".join(f"{kb / 1024:.0f}" for kb in worker_kb) + " MB"
                print(f"{state} cache, {label}: {wall:.1f} s, CPU {cpu:.0f} s = {cpu / wall:.2f} cores busy ({memory})")
        for state in ("cold", "warm"):
            one = results[("one at a time (--jobs 1)", state)]
            many = next(v for (lab, s), v in results.items() if s == state and not lab.startswith("one"))
            print(f"{state}: parallel is {one / many:.2f}x faster than one at a time (cores: {cores})")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
