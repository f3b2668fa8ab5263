"""Work kept out of the program's own process (the app's drawing, the voice) runs in a process
that ends with the program. The kernel ties that ending to the *thread* that started the
process, so the process is started by a thread kept for that: a request's or a job's thread
may end long before the program does."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from companion import ApartStarter
from companion.app.drawing import Drawing


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie not yet reaped is gone too
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:  # reaped since
        return True


def test_a_process_started_from_a_short_lived_thread_outlives_it():
    starter = ApartStarter("companion-test-starter")
    started: dict[str, Any] = {}

    def ask() -> None:
        pool, worker = starter.start()
        started.update(pool=pool, pid=worker.result(timeout=60))  # running, its end tied to its parent

    asker = threading.Thread(target=ask)
    asker.start()
    asker.join()  # the thread that asked is gone
    pool, pid = started["pool"], started["pid"]
    try:
        time.sleep(0.2)  # the kernel's signal, had it been tied to that thread, has landed by now
        assert pool.submit(os.getpid).result(timeout=60) == pid
        assert not _gone(pid)
    finally:
        starter.close()
        pool.shutdown(wait=True)


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
