"""Long work off the event loop: each job runs in a worker thread and reports how far it is,
so a page can show a calm progress bar; stopping the app asks every job to stop."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from companion import CompanionError, Interrupted

MAX_KEPT = 50  # finished jobs remembered (their pages may still ask); older ones are forgotten
T = TypeVar("T")
_DRAWING = threading.Semaphore(2)  # CPU work at once, whoever asks: one per core here
# what a status line says once the work is done: never the last step's words beside a full bar
DONE_WORDS = {"session": "Ready", "file": "Your file is ready.", "pack": "Your pack is ready."}


async def off_the_loop(work: Callable[..., T], *args: Any) -> T:
    """Work a page waits for (a chart, a report, an export) in a worker thread, so the server
    answers every other request meanwhile; at most two draw at once, the rest wait their turn."""
    from starlette.concurrency import run_in_threadpool

    def bounded() -> T:
        with _DRAWING:
            return work(*args)

    return await run_in_threadpool(bounded)


@dataclass
class Job:
    id: str
    title: str
    doing: str = "Getting ready"  # what the bar says now
    done: float = 0.0
    total: float = 1.0
    state: str = "running"  # running | done | failed
    message: str = ""  # why it failed, in words
    result: Any = None
    stop: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)
    created: float = field(default_factory=time.monotonic)
    why_stopped: str = "the app is stopping"
    hold: Any = None  # room.Hold: the disk it may write, checked at each step

    def progress(self, done: float, total: float, doing: str | None = None) -> None:
        """Called by the work as it goes; raises Interrupted once the app is stopping (or the
        job is replaced), NoRoom once what it wrote no longer fits."""
        if self.stop.is_set():
            raise Interrupted(self.why_stopped)
        if self.hold is not None:
            self.hold.check()
        self.done, self.total = done, max(total, 1e-9)
        if doing is not None:
            self.doing = doing

    def cancel(self, why: str) -> None:
        """Stop at the next step, saying `why` on its page."""
        self.why_stopped = why
        self.stop.set()

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "doing": self.doing,
            "percent": round(100 * min(self.done / self.total, 1.0)),
            "message": self.message,
        }


class Jobs:
    def __init__(self, workers: int = 2):
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="companion-job")
        self.jobs: dict[str, Job] = {}  # by id
        self._lock = threading.Lock()

    def new(self, title: str) -> Job:
        """A job, known by its id at once; its work starts with run()."""
        job = Job(secrets.token_urlsafe(12), title)
        with self._lock:
            self.jobs[job.id] = job
            finished = [j for j in self.jobs.values() if j.finished.is_set()]
            for old in finished[: max(0, len(finished) - MAX_KEPT)]:
                del self.jobs[old.id]
        return job

    def run(self, job: Job, work: Callable[[Job], Any]) -> Job:
        self._pool.submit(self._run, job, work)
        return job

    def start(self, title: str, work: Callable[[Job], Any]) -> Job:
        return self.run(self.new(title), work)

    def _run(self, job: Job, work: Callable[[Job], Any]) -> None:
        try:
            job.result = work(job)
            job.done, job.doing, job.state = job.total, DONE_WORDS.get(job.title, "Done."), "done"
        except CompanionError as exc:
            job.state, job.message = "failed", str(exc)
        except Exception as exc:  # a fault of ours: said plainly, the app goes on
            job.state, job.message = "failed", f"something went wrong ({type(exc).__name__}); please try again"
        finally:
            job.finished.set()

    def ask_to_stop(self) -> None:
        """Every job stops at its next step; nothing waits for them here."""
        for job in list(self.jobs.values()):
            job.stop.set()

    def stop(self) -> None:
        """Ask every job to stop, and wait for them (they stop at their next step)."""
        self.ask_to_stop()
        self._pool.shutdown(wait=True, cancel_futures=True)
