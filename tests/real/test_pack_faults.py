"""A pack never loses a person's tracks: growing a pack keeps every finished track until its
replacement is whole and only re-tags what only needs new tags; its workers end with it
however it ends; a kept track is checked by its content; every file passes its format's
own validator, with chapters in time order and named right."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import mutagen
import pytest
import soundfile as sf

from companion.pack.model import MANIFEST
from tests.helpers import run_cli

LOW2 = ("--energies", "low", "--scripts", "settling,calm-place", "--format", "flac", "--jobs", "2")
LOW3 = ("--energies", "low", "--scripts", "settling,calm-place,gratitude", "--format", "flac", "--jobs", "2")


def audio_files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.suffix in (".flac", ".mp3", ".ogg", ".opus")}


def listed(folder: Path) -> set[str]:
    return set(json.loads((folder / MANIFEST).read_text())["tracks"])


def session_processes(sid: int) -> list[str]:
    ps = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-s", str(sid)], capture_output=True, text=True)
    return [line for line in ps.stdout.splitlines() if " Z" not in line]  # a zombie holds no memory


@pytest.mark.slow("makes a small pack, then grows it while watching that no finished track ever goes missing")
def test_growing_a_pack_keeps_every_track_and_only_retags(tmp_path):
    out = tmp_path / "pack"
    assert run_cli("pack", str(out), *LOW2).returncode == 0
    first = {name: sf.read(out / name)[0] for name in audio_files(out)}
    assert len(first) == 2 and all(n.startswith("0") for n in first)
    # grown by one track: the two it has get new tags (2 of 3), and are never away meanwhile
    child = subprocess.Popen(
        [sys.executable, "-m", "companion", "pack", str(out), *LOW3],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    while child.poll() is None:
        assert set(first) <= audio_files(out)
        time.sleep(0.02)
    out_text, err = child.communicate()
    assert child.returncode == 0, err
    assert "Made 1 track, kept 2 already made (2 with new tags or a new name, not made again)" in out_text
    for name, samples in first.items():
        assert (sf.read(out / name)[0] == samples).all()  # the same sound, re-tagged
        assert mutagen.File(out / name)["TRACKNUMBER"] == [name[:2].lstrip("0")]
        assert mutagen.File(out / name)["TRACKTOTAL"] == ["3"]
    assert audio_files(out) == listed(out) and len(listed(out)) == 3
    # a new name for the pack: every track re-tagged, none made again
    renamed = run_cli("pack", str(out), *LOW3, "--name", "For Ann")
    assert "Made 0 tracks, kept 3 already made (3 with new tags" in renamed.stdout
    assert all(mutagen.File(out / n)["ALBUM"] == ["For Ann"] for n in audio_files(out))


@pytest.mark.slow("renders tracks on two workers to kill the pack's own process in the middle")
def test_workers_end_with_the_pack_however_it_ends(tmp_path):
    out = tmp_path / "pack"
    command = [sys.executable, "-m", "companion", "pack", str(out), *LOW3]
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(session_processes(child.pid)) < 3:  # the pack and its workers
        time.sleep(0.05)
    time.sleep(1.0)  # the workers are making their tracks
    child.send_signal(signal.SIGKILL)
    child.wait()
    killed = time.monotonic()
    while session_processes(child.pid) and time.monotonic() - killed < 2:
        time.sleep(0.05)
    assert session_processes(child.pid) == []  # within two seconds, no worker is left
    time.sleep(2)
    on_disk = audio_files(out) if out.exists() else set()
    assert on_disk <= (listed(out) if (out / MANIFEST).exists() else set())  # nothing finished unlisted
    again = run_cli("pack", str(out), *LOW3)
    assert again.returncode == 0, again.stderr
    assert audio_files(out) == listed(out) and len(listed(out)) == 3
    assert not [p for p in out.iterdir() if p.name.endswith(".partial")]  # the killed run's leftovers went


def test_a_track_damaged_without_changing_its_size_is_made_again(tmp_path):
    out = tmp_path / "pack"
    args = ("--energies", "low", "--scripts", "settling", "--format", "flac")
    assert run_cli("pack", str(out), *args).returncode == 0
    (track,) = audio_files(out)
    data = bytearray((out / track).read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = bytes(4096)  # the same size, other bytes
    (out / track).write_bytes(bytes(data))
    again = run_cli("pack", str(out), *args)
    assert "Made 1 track" in again.stdout
    assert sf.info(str(out / track)).duration == 360


def test_a_damaged_record_is_set_aside_with_one_line(tmp_path):
    out = tmp_path / "pack"
    args = ("--energies", "low", "--scripts", "settling", "--format", "flac")
    assert run_cli("pack", str(out), *args).returncode == 0
    record = json.loads((out / MANIFEST).read_text())
    (name,) = record["tracks"]
    record["tracks"][name] = "not an entry"
    (out / MANIFEST).write_text(json.dumps(record))
    again = run_cli("pack", str(out), *args)
    assert again.returncode == 0 and "Traceback" not in again.stderr
    assert again.stderr.count("Note: The pack's record was damaged") == 1
    assert (out / (MANIFEST + ".damaged")).exists() and listed(out) == {name}


VALIDATORS = {
    ".mp3": (["mp3val"], "WARNING"),
    ".ogg": (["ogginfo"], "WARNING"),
    ".opus": (["opusinfo"], "WARNING"),
    ".flac": (["flac", "-t", "-s"], "ERROR"),
}


@pytest.mark.slow("renders an 11-minute track in each format for its own validator")
@pytest.mark.parametrize("suffix", list(VALIDATORS))
def test_every_file_passes_its_formats_own_validator_with_chapters_in_order(tmp_path, suffix):
    path = tmp_path / f"massage{suffix}"
    regions = "back:1,legs:1,arms:1,neck:1,head:1,hands:1,hips:1,feet:1,back again:1,calf:1,shoulders:1"
    made = run_cli(
        "render", "--for", "massage", "--minutes", "11", "--regions", regions, "--no-narration", "-o", str(path)
    )
    assert made.returncode == 0, made.stderr
    command, word = VALIDATORS[suffix]
    checked = subprocess.run([*command, str(path)], capture_output=True, text=True)
    assert checked.returncode == 0 and word not in checked.stdout + checked.stderr, checked.stdout + checked.stderr
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)], capture_output=True, text=True
    )
    chapters = json.loads(probe.stdout)["chapters"]
    names = [c["tags"]["title"] for c in chapters]
    assert names == [r.split(":")[0].capitalize() for r in regions.split(",")]  # eleven: past chp9
    starts = [float(c["start_time"]) for c in chapters]
    assert starts == sorted(starts) and starts[0] == 0 and starts[1] == pytest.approx(60)


def test_a_stop_ends_workers_still_starting_without_waiting_for_them():
    """Stopped before its workers have started (each here takes 30 s to), a pack ends them and
    returns within its grace and a little, not after they have started. Before, the pool's
    shutdown waited for each to start: 2.2 s of an app's Ctrl-C on a busy machine."""
    import os
    from concurrent.futures import ProcessPoolExecutor
    from typing import Any, cast

    from companion.pack import render

    context = render._Spawning()
    events, stop = context.Queue(), context.Event()
    pool = ProcessPoolExecutor(2, mp_context=cast(Any, context), initializer=time.sleep, initargs=(30,))
    futures = [pool.submit(os.getpid) for _ in range(3)]
    began = time.monotonic()
    render._stopped(pool, context, futures, events, stop, set())
    assert time.monotonic() - began < 15, "waited for the workers to start"
    assert len(context.started) == 2 and all(not Path(f"/proc/{pid}").exists() for pid in context.started)
    assert all(f.done() for f in futures)


def test_a_stop_is_heard_while_the_cover_is_drawn(tmp_path):
    """Matplotlib loaded and the cover drawn take seconds on a busy machine (3.2 s of an app's
    Ctrl-C, under load): a stop asked for meanwhile is raised within a tenth of a second or so,
    and the drawing, which writes nothing, is left to finish unheeded."""
    from companion.errors import Interrupted
    from companion.process import while_heard

    asked = time.monotonic() + 0.3

    def heard() -> None:
        if time.monotonic() > asked:
            raise Interrupted("stopped")

    with pytest.raises(Interrupted):
        while_heard(time.sleep, (30,), heard)
    assert time.monotonic() - asked < 5
    assert while_heard(sum, ([1, 2],), lambda: None) == 3  # what it made, when not stopped
