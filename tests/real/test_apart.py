"""Work kept out of the program's own process (the app's drawing, the voice) runs in a process
that ends with the program. The kernel ties that ending to the *thread* that started the
process, so the process is started by a thread kept for that: a request's or a job's thread
may end long before the program does."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import types
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from companion import ApartStarter, OutputError, ProcessEnded
from companion.app.drawing import Drawing


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie not yet reaped is gone too
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):  # reaped since (even between open and read)
        return True


def test_a_process_started_from_a_short_lived_thread_outlives_it():
    starter = ApartStarter("companion-test-starter")
    started: dict[str, Any] = {}

    def ask() -> None:
        process = starter.start()
        started.update(process=process, pid=process.submit(os.getpid).result(timeout=60))

    asker = threading.Thread(target=ask)
    asker.start()
    asker.join()  # the thread that asked is gone
    process, pid = started["process"], started["pid"]
    try:
        assert pid == process.pid
        time.sleep(0.2)  # the kernel's signal, had it been tied to that thread, has landed by now
        assert process.submit(os.getpid).result(timeout=60) == pid
        assert not _gone(pid)
    finally:
        starter.close()
        process.end()


def _wait_then_answer(seconds: float, answer: str) -> str:
    time.sleep(seconds)
    return answer


# a function of a module only this process has: pickled here by name, not found there
_HERE_ONLY = types.ModuleType("companion_test_here_only")
exec("def answer():\n    return 1\n", _HERE_ONLY.__dict__)
if multiprocessing.parent_process() is None:  # not when a process apart imports this module
    sys.modules[_HERE_ONLY.__name__] = _HERE_ONLY


def _fail(words: str) -> None:
    raise ValueError(words)


def test_calls_are_answered_in_turn_and_an_end_fails_each_one_still_waiting():
    starter = ApartStarter("companion-test-starter")
    process = starter.start()
    try:
        assert process.submit(_wait_then_answer, 0.0, "first").result(timeout=60) == "first"
        with pytest.raises(ValueError, match="in its words"):  # an error there is raised here
            process.submit(_fail, "in its words").result(timeout=60)
        with pytest.raises(ModuleNotFoundError):  # a function it cannot find there: that call's error
            process.submit(_HERE_ONLY.answer).result(timeout=60)
        with pytest.raises(TypeError):  # what cannot cross fails that call only
            process.submit(_wait_then_answer, 0.0, threading.Lock()).result(timeout=60)
        busy = process.submit(_wait_then_answer, 30.0, "never")
        queued = [process.submit(os.getpid) for _ in range(3)]
        while not busy.running():
            time.sleep(0.01)
        began = time.monotonic()
        process.end()
        calls: list[Future[Any]] = [busy, *queued]
        for call in calls:
            with pytest.raises(ProcessEnded):
                call.result(timeout=10)
        assert time.monotonic() - began < 5  # at once, not after the 30 s call
        assert process.ended
        with pytest.raises(ProcessEnded):
            process.submit(os.getpid)
        deadline = time.monotonic() + 20
        while not _gone(process.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(process.pid)
    finally:
        starter.close()
        process.end()


def test_a_process_that_dies_by_itself_fails_the_call_and_the_next_starts_another():
    drawing = Drawing(apart=True)
    try:
        first = drawing.run(os.getpid)
        os.kill(first, signal.SIGKILL)  # as the kernel's out-of-memory killer would
        deadline = time.monotonic() + 20
        while not _gone(first) and time.monotonic() < deadline:
            time.sleep(0.05)
        with pytest.raises(OutputError, match="please try again"):
            drawing.run(os.getpid)
        assert drawing.run(os.getpid) not in (first, os.getpid())
    finally:
        drawing.close()


# The app at its end: its drawing and voice processes ended while busy, then the interpreter
# left. With a process pool, the pool's exit hook could write to a pipe the broken pool had
# closed ("Exception ignored ... Bad file descriptor" on the app's terminal).
ENDING = """
import os, sys, threading
from companion import OutputError
from companion.app.drawing import Drawing
from companion.live.apart import VoiceProcess
sys.path.insert(0, {root!r})
from tests.real.test_apart import _wait_then_answer
drawing, voice = Drawing(apart=True), VoiceProcess()
drawing.run(os.getpid)
def draw():
    try:
        drawing.run(_wait_then_answer, 30.0, "never")
    except OutputError as exc:
        assert "stopping" in str(exc)
        print("ended", flush=True)
drawer = threading.Thread(target=draw)
drawer.start()
voice._submit(_wait_then_answer, 30.0, "never")
drawing.close()
voice.close()
drawer.join()
"""


def test_processes_ended_while_busy_leave_the_program_to_end_quietly():
    script = ENDING.format(root=str(Path(__file__).resolve().parents[2]))
    for _ in range(5):
        ended = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
        assert (ended.returncode, ended.stdout, ended.stderr) == (0, "ended\n", "")


def test_the_drawing_process_started_by_a_jobs_thread_draws_after_it_ends():
    drawing = Drawing(apart=True)
    first: dict[str, int] = {}
    job = threading.Thread(target=lambda: first.update(pid=drawing.run(os.getpid)))
    job.start()
    job.join()
    try:
        time.sleep(0.2)
        assert drawing.run(os.getpid) == first["pid"] != os.getpid()  # the same process, still there
    finally:
        drawing.close()
    deadline = time.monotonic() + 20  # ended at once; a loaded machine may take a while to reap it
    while not _gone(first["pid"]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(first["pid"])


class _Unbuildable(Exception):
    def __init__(self, a: int, b: int):  # pickled by its args (one string), rebuilt with one
        super().__init__(f"{a} and {b}")


def _raise_unbuildable() -> None:
    raise _Unbuildable(1, 2)


def test_an_answer_that_cannot_be_rebuilt_fails_that_call_only():
    starter = ApartStarter("companion-test-starter")
    process = starter.start()
    try:
        with pytest.raises(TypeError):
            process.submit(_raise_unbuildable).result(timeout=60)
        assert process.submit(os.getpid).result(timeout=60) == process.pid  # still answering
    finally:
        starter.close()
        process.end()


# A program that uses a process apart and leaves without ending it: multiprocessing's exit
# would wait for ever for a process deaf to its SIGTERM (it hung until killed).
LEFT_RUNNING = """
import os
from companion import ApartStarter
process = ApartStarter("left").start()
print(process.submit(os.getpid).result(timeout=60) == process.pid, flush=True)
"""


def test_a_program_that_never_ends_its_process_apart_still_leaves_at_once():
    ended = subprocess.run([sys.executable, "-c", LEFT_RUNNING], capture_output=True, text=True, timeout=60)
    assert (ended.returncode, ended.stdout, ended.stderr) == (0, "True\n", "")


STALE_LOCK = """
import time
from companion.pictures.draw import draw_cover
began = time.monotonic()
assert draw_cover("Rest", "companion").startswith(b"\\x89PNG")
print(round(time.monotonic() - began, 1))
"""


def test_the_first_picture_after_a_stop_mid_font_list_is_drawn(tmp_path):
    """A program stopped while matplotlib wrote its font list left the lock behind: the next
    picture is drawn (it waited 5 s, then failed every time)."""
    import matplotlib.font_manager

    folder = tmp_path / "companion" / "matplotlib"
    folder.mkdir(parents=True)
    lock = folder / f"fontlist-v{matplotlib.font_manager.FontManager.__version__}.json.matplotlib-lock"
    lock.touch()
    then = time.time() - 600
    os.utime(lock, (then, then))
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    env.pop("MPLCONFIGDIR", None)
    drawn = subprocess.run([sys.executable, "-c", STALE_LOCK], capture_output=True, text=True, timeout=120, env=env)
    assert drawn.returncode == 0, drawn.stderr
    assert not lock.exists() and list(folder.glob("fontlist-*.json"))
