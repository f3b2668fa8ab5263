"""The signal tests, run again and again on a machine kept busy (issue 31: "every signal test
still passes, 200 times in a loop under load"). Not part of `make test`: it takes as long as
it is given.

    .venv/bin/python benchmarks/signal_loop.py                 # 200 rounds or 15 minutes
    .venv/bin/python benchmarks/signal_loop.py --rounds 20 --minutes 60 --all

Each round runs the chosen signal tests once with pytest while a spinner keeps every core
busy from the first round to the last (the tests add their own spinners at the moments that
matter). A failure is never retried: its output is kept in the log and counted.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
    "tests/real/test_api.py::test_play_says_how_it_ended_and_gives_back_the_signals",
    "tests/fast/test_process.py",
]


def spin(stop: multiprocessing.synchronize.Event, parent: int) -> None:
    os.setsid()  # another program, in a session of its own (see tests/real/test_signals.py busy_machine)
    end_with_parent(parent, signal.SIGKILL)  # out of the loop's session: never outlives it
    while not stop.is_set():
        pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=15.0, help="stop starting rounds after this long")
    parser.add_argument("--all", action="store_true", help="every signal test, not only the 24 random stops")
    parser.add_argument("--log", type=Path, default=Path("signal-loop.log"))
    args = parser.parse_args()
    tests = ALL if args.all else QUICK

    stop = multiprocessing.Event()
    me = os.getpid()
    spinners = [multiprocessing.Process(target=spin, args=(stop, me), daemon=True) for _ in range(os.cpu_count() or 2)]
    for p in spinners:
        p.start()
    started, passed, failed = time.monotonic(), 0, 0
    try:
        with args.log.open("a", encoding="utf-8") as log:
            for n in range(1, args.rounds + 1):
                if time.monotonic() - started > args.minutes * 60:
                    break
                t0 = time.monotonic()
                done = subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *tests],
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                )
                ok = done.returncode == 0
                passed, failed = passed + ok, failed + (not ok)
                line = f"round {n}: {'passed' if ok else 'FAILED'} in {time.monotonic() - t0:.0f} s"
                print(line, flush=True)
                log.write(line + "\n" + ("" if ok else done.stdout[-6000:] + done.stderr[-2000:] + "\n"))
                log.flush()
    finally:
        stop.set()
        for p in spinners:
            p.join(timeout=5)
    took = (time.monotonic() - started) / 60
    print(f"{passed + failed} rounds in {took:.1f} minutes: {passed} passed, {failed} failed (log: {args.log})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
