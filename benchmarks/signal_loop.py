"""The signal tests, run again and again on a machine kept busy (issue 31: "every signal test
still passes, 200 times in a loop under load"). Not part of `make test`: it takes as long as
it is given.

    .venv/bin/python benchmarks/signal_loop.py                 # 200 rounds or 15 minutes
    .venv/bin/python benchmarks/signal_loop.py --rounds 20 --minutes 60 --all

Each round runs the chosen signal tests once, while a spinner keeps every core busy from the
first round to the last (the tests add their own spinners at the moments that matter). The
rounds run in one pytest process (this module is also its plugin: each test parametrized by
its round, the rounds in order), so a round pays for the tests and not for pytest's start and
the warm cache's check again (4 s of a 16 s round). The first failure ends the loop: it is
never retried, its output kept in the log.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from companion.process import end_with_parent

ROOT = Path(__file__).resolve().parent.parent

# Each stops a real command at a random moment (24 signals a round), within two seconds
QUICK = ["tests/real/test_signals.py::test_a_signal_at_any_moment_ends_in_one_calm_line"]
# Every test that sends a signal to a real process, or raises one in this one
ALL = [
    "tests/real/test_signals.py",
    "tests/real/test_errors.py::test_interrupt_leaves_nothing_behind",
    "tests/real/test_errors.py::test_interrupt_during_cold_synthesis_ends_promptly",
    "tests/real/test_errors.py::test_interrupts_at_random_moments_never_hang_a_write",
    "tests/real/test_player.py::test_ctrl_c_twice_stops_at_once_with_the_interrupted_status",
    "tests/real/test_player.py::test_sigterm_ends_play_like_ctrl_c",
    "tests/real/test_journal.py::test_sigterm_to_a_journal_command_ends_as_promised",
    "tests/real/test_app.py::test_sigterm_stops_the_app_within_two_seconds",
    "tests/real/test_app_limits.py::test_ctrl_c_ends_the_app_at_once_while_a_pack_is_made_from_cold",
    "tests/real/test_api.py::test_play_says_how_it_ended_and_gives_back_the_signals",
    "tests/fast/test_process.py",
]
ROUND = re.compile(r"signal-round(\d+)")
SPIN_NICE = 10


def spin(stop: multiprocessing.synchronize.Event, parent: int) -> None:
    os.setsid()  # another program, in a session of its own (see tests/real/test_signals.py busy_machine)
    end_with_parent(parent, signal.SIGKILL)  # out of the loop's session: never outlives it
    # a background job's priority: on a shared machine the others' work is load enough, and
    # it keeps its share (the tests' own spinners, at the usual priority, press harder)
    os.nice(SPIN_NICE)
    while not stop.is_set():
        pass


# The plugin, in the pytest process


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--signal-rounds", type=int, default=1)
    parser.addoption("--signal-minutes", type=float, default=15.0)
    parser.addoption("--signal-log", default="signal-loop.log")


def _round(nodeid: str) -> int:
    found = ROUND.search(nodeid)
    return int(found.group(1)) if found else 0


def pytest_generate_tests(metafunc: Any) -> None:
    rounds = metafunc.config.getoption("signal_rounds")
    metafunc.fixturenames.append("signal_round")
    # session scope: pytest runs every test of round 1, then of round 2, and so on
    metafunc.parametrize("signal_round", range(1, rounds + 1), ids=lambda n: f"signal-round{n}", scope="session")


@pytest.hookimpl(trylast=True)  # after pytest's own reordering
def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Round by round. pytest orders a session-scoped parameter to share fixtures, not by its
    value (two rounds ran two files' round 1, their round 2, then the other files' rounds 1
    and 2), so each line of the log timed a piece of a round. Sorted stably by round, each
    round runs every test, in the order given."""
    items.sort(key=lambda item: _round(item.nodeid))


class _Rounds:
    """The plugin's state: the round under way, since when, whether it has failed so far."""

    def __init__(self) -> None:
        self.current, self.started, self.ok, self.began = 0, 0.0, True, time.monotonic()
        self.log = Path("signal-loop.log")

    def say(self, line: str) -> None:
        with self.log.open("a", encoding="utf-8") as log:
            log.write(line + "\n")

    def end(self) -> None:
        if self.current:
            took = time.monotonic() - self.started
            load = os.getloadavg()[0]
            self.say(f"round {self.current}: {'passed' if self.ok else 'FAILED'} in {took:.0f} s (load {load:.1f})")
            self.current = 0


_rounds = _Rounds()


def pytest_configure(config: Any) -> None:
    _rounds.log = Path(config.getoption("signal_log"))


def pytest_runtest_setup(item: Any) -> None:
    n = _round(item.nodeid)
    if n != _rounds.current:
        _rounds.end()
        if time.monotonic() - _rounds.began > item.config.getoption("signal_minutes") * 60:
            pytest.exit("time is up: no new round", returncode=0)
        _rounds.current, _rounds.started, _rounds.ok = n, time.monotonic(), True


def pytest_runtest_logreport(report: Any) -> None:
    if report.failed:
        _rounds.ok = False
        _rounds.say(f"FAILED {report.nodeid} ({report.when})\n{report.longreprtext}")


def pytest_sessionfinish(session: Any) -> None:
    _rounds.end()


# The loop


def _as_in_a_terminal(loop: int) -> None:
    """In the pytest process, before it starts: the signals a terminal's command has. A loop
    started in the background of a script (`... &`) has Ctrl-C and SIGQUIT ignored, `nohup`
    adds SIGHUP, and ignored signals are inherited: every command the tests start would ignore
    Ctrl-C until it put in its own handler, which no user's command does. And a loop stopped by
    a signal stops its pytest as Ctrl-C would: the commands it started (each in a session of
    its own) are ended by its own clean-up."""
    for sig in (signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, signal.SIG_DFL)
    end_with_parent(loop, signal.SIGINT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=15.0, help="stop starting rounds after this long")
    parser.add_argument("--all", action="store_true", help="every signal test, not only the 24 random stops")
    parser.add_argument("--log", type=Path, default=Path("signal-loop.log"))
    args = parser.parse_args()
    tests = ALL if args.all else QUICK
    log = args.log.resolve()
    before = log.read_text(encoding="utf-8") if log.exists() else ""

    stop = multiprocessing.Event()
    me = os.getpid()
    spinners = [multiprocessing.Process(target=spin, args=(stop, me), daemon=True) for _ in range(os.cpu_count() or 2)]
    for p in spinners:
        p.start()
    started = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:randomly"]
            + ["-p", "benchmarks.signal_loop", f"--signal-rounds={args.rounds}", f"--signal-minutes={args.minutes}"]
            + [f"--signal-log={log}", *tests],
            cwd=ROOT,
            capture_output=True,
            text=True,
            preexec_fn=lambda: _as_in_a_terminal(me),
        )
    finally:
        stop.set()
        for p in spinners:
            p.join(timeout=5)
    lines = (log.read_text(encoding="utf-8") if log.exists() else "")[len(before) :].splitlines()
    passed = sum(line.startswith("round ") and " passed in " in line for line in lines)
    failed = sum(line.startswith("round ") and " FAILED in " in line for line in lines)
    if done.returncode or failed:  # pytest's own words too: a failure in collection, say
        with log.open("a", encoding="utf-8") as out:
            out.write(done.stdout[-6000:] + done.stderr[-2000:] + "\n")
    took = (time.monotonic() - started) / 60
    print(f"{passed + failed} rounds in {took:.1f} minutes: {passed} passed, {failed} failed (log: {log})")
    return 1 if failed or done.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
