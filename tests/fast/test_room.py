"""The app's bounds, on real files in this process: its working files within the disk budget
(the oldest finished removed first, a file past its estimate stopped), the disk's free space
kept, one session being made per device, and the folders of apps that have gone swept. The
same with real sessions, a real server and a tiny file system: tests/real/test_app_limits.py."""

from __future__ import annotations

import os
import shutil
import threading

import pytest

from companion.app.jobs import Job
from companion.app.room import MB, OWNER_FILE, Budget, NoRoom, is_abandoned, process_started, size_of, sweep
from companion.app.web import REPLACED, AppState, Made


@pytest.fixture
def small(tmp_path):
    state = AppState(tmp_path, disk_budget=10 * MB, free_floor=0)
    yield state
    state.close()


def _writer(megabytes: int, gate: threading.Event | None = None):
    """Work that writes `megabytes` into its job's folder a megabyte at a time."""

    def work(job: Job) -> None:
        path = job.hold.path / "file.bin"
        with open(path, "wb") as out:
            for i in range(megabytes):
                if gate is not None:
                    gate.wait(5)
                out.write(b"\0" * MB)
                out.flush()
                job.hold._checked = 0.0  # measured at every step here, not every 50 ms
                job.progress(i + 1, megabytes)

    return work


def _made(state: AppState, megabytes: int, who: str = "this computer", expected: int | None = None, gate=None):
    job = state.jobs.new("file")
    made = Made(job, "file.bin", state.work / job.id / "file.bin")
    made.path.parent.mkdir()
    state.start(
        job,
        _writer(megabytes, gate),
        who,
        "session",
        (megabytes if expected is None else expected) * MB,
        made.path.parent,
    )
    state.made[job.id] = made
    return made


def test_the_oldest_finished_work_makes_room_and_what_cannot_fit_is_refused_untouched(small):
    first, second = _made(small, 4), _made(small, 4, who="device a")
    for made in (first, second):
        assert made.job.finished.wait(10) and made.job.state == "done"
    third = _made(small, 4, who="device b")  # 12 MB would pass 10: the oldest goes first
    assert third.job.finished.wait(10) and third.job.state == "done"
    assert not first.path.exists() and first.job.id not in small.made
    assert second.path.exists() and third.path.exists()
    with pytest.raises(NoRoom, match="within 10 MB") as refused:
        _made(small, 12)  # more than the whole budget: refused, and nothing removed for it
    assert "Choose a shorter session" in str(refused.value)
    assert second.path.exists() and third.path.exists()
    assert sorted(p.name for p in small.work.iterdir()) == sorted([OWNER_FILE, second.job.id, third.job.id])
    assert size_of(small.work) <= 10 * MB


def test_a_file_past_its_estimate_stops_where_it_no_longer_fits(small):
    made = _made(small, 30, expected=1)  # said 1 MB, writes 30
    assert made.job.finished.wait(10)
    assert made.job.state == "failed" and "not enough room" in made.job.message
    assert not made.path.parent.exists()  # what it had written is gone
    assert size_of(small.work) <= 10 * MB


def test_the_disk_keeps_its_free_floor(tmp_path):
    budget = Budget(tmp_path, limit=10**15, floor=shutil.disk_usage(tmp_path).free + 1 * MB)
    with pytest.raises(NoRoom, match="leaves at least"):
        budget.hold(1, tmp_path / "x")
    budget.floor = shutil.disk_usage(tmp_path).free - 100 * MB
    hold = budget.hold(10 * MB, tmp_path / "x")
    budget.floor += 95 * MB  # another program fills the disk meanwhile
    hold._checked = 0.0
    with pytest.raises(NoRoom):
        hold.check()


def test_a_device_makes_one_session_at_a_time_and_a_new_one_takes_its_place(small):
    gate = threading.Event()
    first = _made(small, 2, gate=gate)
    elsewhere = _made(small, 2, who="device a", gate=gate)
    second = _made(small, 2, gate=gate)  # the same device again, the first still under way
    gate.set()
    for made in (first, elsewhere, second):
        assert made.job.finished.wait(10)
    assert first.job.state == "failed" and first.job.message == REPLACED["session"]
    assert not first.path.parent.exists()
    assert elsewhere.job.state == "done" and second.job.state == "done"  # another device's goes on


def test_folders_of_apps_that_have_gone_are_swept_and_running_ones_kept(tmp_path):
    root = tmp_path / "cache"
    root.mkdir()
    gone = 4_194_303  # above any pid this machine hands out
    while process_started(gone) is not None:
        gone -= 1
    parent = os.getppid()
    folders = {
        "gone": root / f"app-{gone}-a",  # its process is not running
        "reused": root / "app-1-b",  # pid 1 runs, but started at another time than written
        "running": root / f"app-{parent}-c",  # running, the start time written matches
        "mine": root / f"app-{os.getpid()}-d",
        "other": root / "apple",  # not one of ours
    }
    for folder in folders.values():
        folder.mkdir()
        (folder / "session.wav").write_bytes(b"RIFF")
    (folders["reused"] / OWNER_FILE).write_text("1 12345678901\n")
    (folders["running"] / OWNER_FILE).write_text(f"{parent} {process_started(parent)}\n")
    assert is_abandoned(folders["gone"]) and is_abandoned(folders["reused"])
    assert sorted(sweep(root)) == sorted([folders["gone"], folders["reused"]])
    assert [f.exists() for f in folders.values()] == [False, False, True, True, True]


def test_a_new_app_sweeps_at_start_and_marks_its_own_folder(tmp_path):
    from companion.paths import cache_dir

    gone = 4_194_303
    while process_started(gone) is not None:
        gone -= 1
    left = cache_dir() / f"app-{gone}-zz"
    left.mkdir(parents=True)
    (left / "pack.zip").write_bytes(b"PK")
    state = AppState(tmp_path)
    try:
        assert not left.exists()
        pid, started = (state.work / OWNER_FILE).read_text().split()
        assert int(pid) == os.getpid() and started == process_started(os.getpid())
    finally:
        state.close()
