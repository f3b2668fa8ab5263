"""Speed and memory figures for the README's performance section.

    .venv/bin/python benchmarks/run.py          (or: make bench)

Every figure is a whole command, as a user runs it, on this machine.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from worktree import checkout

PY = sys.executable
MINUTE = 60


def run(
    args: list[str], env: dict | None = None, cwd: Path | None = None
) -> tuple[float, int, subprocess.CompletedProcess]:
    """Wall time and peak memory (KB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stderr}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before), done


def peak_memory_kb(args: list[str], env: dict, cwd: Path | None = None) -> int:
    """Peak RSS of one command, measured by GNU time when present, else by a fresh child."""
    if shutil.which("time") or Path("/usr/bin/time").exists():
        done = subprocess.run(
            ["/usr/bin/time", "-f", "%M", *args], capture_output=True, text=True, env={**os.environ, **env}, cwd=cwd
        )
        return int(done.stderr.strip().splitlines()[-1])
    return run(args, env, cwd)[1]


def best_of(
    n: int, args: list[str], env: dict | None = None, fresh: Path | None = None, cwd: Path | None = None
) -> float:
    """Best wall time of n runs; `fresh` is removed before each, so every run creates its file."""
    times = []
    for _ in range(n):
        if fresh is not None:
            fresh.unlink(missing_ok=True)
        times.append(run(args, env, cwd)[0])
    return min(times)


def companion(*args: str) -> list[str]:
    return [PY, "-m", "companion", *args]


SILENCE = """
import sys, numpy as np, soundfile as sf
frames, channels = int(float(sys.argv[2]) * 60 * 44100), int(sys.argv[3])
z = np.zeros((65536, channels), np.int16)
with sf.SoundFile(sys.argv[1], "w", 44100, channels, "PCM_16", format="WAV") as f:
    for a in range(0, frames, len(z)):
        f.write(z[: min(len(z), frames - a)])
"""
BEFORE = "ae5f62d"  # the last mono revision, before the sound work (cues, returns, stereo)


FIRST_BLOCK = """
import contextlib, time
t0 = time.monotonic()
import companion
output = companion.DeviceOutput(44100)
session = companion.make_session(companion.SessionOptions(energy="low", minutes=6), wait_for_voice=False)
companion.play(session, output, keys=lambda send: (send("stop"), contextlib.nullcontext())[1])
print(f"{output.first_block_at - t0:.3f}")
"""


def first_block_s(env: dict) -> float:
    """Seconds from the start of a play (imports included) to the first block handed to the
    sound card: PortAudio's real path, through an ALSA null device."""
    return float(run([PY, "-c", FIRST_BLOCK], env)[2].stdout.strip())


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="companion-bench-"))
    warm = {"XDG_CACHE_HOME": str(work / "cache")}
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")

    # Cold narration synthesis: a fresh cache, the whole command.
    for energy, script in (("high", "calm-place"), ("medium", "body-scan")):
        cold = {"XDG_CACHE_HOME": str(work / f"cold-{script}")}
        wall, _, done = run(companion("plan", "--json", "--energy", energy, "--script", script), cold)
        plan = json.loads(done.stdout)
        speech = sum(p["end_s"] - p["start_s"] for e in plan["narration"] for p in e["phrases"])
        print(
            f"cold synthesis ({script}, {energy}): {speech:.1f} s of speech in {wall:.2f} s "
            f"= {speech / wall:.1f}x real time (whole command, empty cache)"
        )
        shutil.copytree(work / f"cold-{script}", work / "cache", dirs_exist_ok=True)

    # Live play: time to the first block handed to the sound card.
    home = work / "home"
    home.mkdir()
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")
    cold = first_block_s({"HOME": str(home), "XDG_CACHE_HOME": str(work / "cold-play")})
    run(companion("plan", "--energy", "low", "--minutes", "6"), warm)
    hot = min(first_block_s({"HOME": str(home), **warm}) for _ in range(3))
    print(
        f"play, first block to the sound card: {cold:.2f} s with an empty cache, {hot:.2f} s warm "
        "(imports included; limit 1.5 s)"
    )

    # Render speed against writing silence, and against sox; this checkout against the last
    # mono revision, in the same run.
    session = ["--energy", "medium", "--minutes", "60"]
    run(companion("plan", *session), warm)  # warm the cache
    out = work / "s.wav"
    render = best_of(5, companion("render", *session, "-o", str(out)), warm, fresh=out)
    mono = best_of(5, companion("render", *session, "--mono", "-o", str(out)), warm, fresh=out)
    silence = best_of(5, [PY, "-c", SILENCE, str(work / "silence.wav"), "60", "2"], fresh=work / "silence.wav")
    silence_mono = best_of(5, [PY, "-c", SILENCE, str(work / "silence.wav"), "60", "1"], fresh=work / "silence.wav")
    print(f"60-minute narrated render to stereo WAV: {render:.2f} s ({3600 / render:.0f}x real time)")
    print(f"writing 60 minutes of silence to the same stereo WAV format: {silence:.2f} s")
    print(f"render / silence: {render / silence:.2f}x (limit 2.5x, aim 1.5x)")
    print(f"the same render with --mono: {mono:.2f} s; mono silence {silence_mono:.2f} s ({mono / silence_mono:.2f}x)")
    with checkout(BEFORE) as tree:
        old_env = {**warm, "PYTHONPATH": str(tree)}
        args = [PY, "-m", "companion", "render", *session, "-o", str(out)]
        run([PY, "-m", "companion", "plan", *session], old_env, cwd=tree)  # its own clips (an older format)
        before = best_of(5, args, old_env, fresh=out, cwd=tree)
        before_mb = peak_memory_kb(args, old_env, cwd=tree) / 1024
    print(
        f"before the sound work ({BEFORE}, mono only): the same render {before:.2f} s, "
        f"peak memory {before_mb:.0f} MB (same run, same machine)"
    )
    if shutil.which("sox"):
        sox = best_of(
            1,
            [
                "sox",
                "-n",
                "-r",
                "44100",
                "-c",
                "2",
                "-b",
                "16",
                str(work / "sox.wav"),
                "synth",
                "3600",
                "pinknoise",
                "synth",
                "3600",
                "sine",
                "mix",
                "196",
                "tremolo",
                "0.2",
                "60",
                "gain",
                "-12",
            ],
        )
        print(
            f"sox, 60-minute pink noise + sine with breathing tremolo: {sox:.2f} s; "
            f"companion is {sox / render:.1f}x faster (need 2x)"
        )
    else:
        print("sox not installed: skipped the sox comparison (apt-get install sox)")

    # Peak memory does not grow with length.
    short = peak_memory_kb(companion("render", "--energy", "medium", "--minutes", "5", "-o", str(out)), warm)
    long = peak_memory_kb(companion("render", *session, "-o", str(out)), warm)
    print(
        f"peak memory: 5-minute render {short / 1024:.0f} MB, 60-minute render {long / 1024:.0f} MB "
        f"(difference {(long - short) / 1024:+.0f} MB; limits 30 MB and 400 MB)"
    )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
