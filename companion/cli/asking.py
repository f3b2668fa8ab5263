"""Short questions in the terminal, answered with one key: large, plain and skippable.

Enter skips a question; Esc skips the rest; Ctrl-C ends the command as everywhere else.
Used by the check-in (`companion today`), `play --ask` and `journal add`.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

import click

from companion import RATING_QUESTIONS as QUESTIONS
from companion import SYMPTOMS, Ratings, interrupts

T = TypeVar("T")
SKIP = object()  # Enter
SKIP_ALL = object()  # Esc
SCORE_KEYS = {**{str(n): n for n in range(10)}, "t": 10, "T": 10}
SCORE_HELP = "0 to 9, or t for 10"


def can_ask() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def confirmed(question: str, yes: bool, action: str) -> bool:
    """`--yes`, or one confirmation on a terminal; elsewhere refused, saying to add --yes."""
    if yes:
        return True
    if not can_ask():
        from companion import BadInput

        raise BadInput(f"to {action}, confirm with --yes")
    with interrupts.interruptible():
        return click.confirm(question, default=False)


def heading(text: str) -> None:
    click.echo()
    click.secho(f"  {text}", bold=True)
    click.echo()


@contextmanager
def keys_mode() -> Iterator[None]:
    """One key at a time, without echo, for a run of questions (cbreak: Ctrl-C still
    interrupts). Set once and at once (TCSANOW): a key pressed just after a question is
    shown is kept, not flushed away."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd, termios.TCSANOW)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def read_key() -> str:
    """One key (inside keys_mode); an arrow key's escape sequence gives ''."""
    import select

    fd = sys.stdin.fileno()
    with interrupts.interruptible():
        key = os.read(fd, 1).decode(errors="ignore")
        if key == "\x1b" and select.select([fd], [], [], 0.05)[0]:  # a sequence, not Esc alone
            os.read(fd, 16)
            return ""
    return key


def wait_for(keys: str, stop: threading.Event | None = None) -> str:
    """The first of `keys` pressed (inside keys_mode); '' if `stop` is set first."""
    import select

    fd = sys.stdin.fileno()
    main = threading.current_thread() is threading.main_thread()
    while stop is None or not stop.is_set():
        if main:
            interrupts.check()  # Ctrl-C ends the main thread's wait; a helper thread's waits on `stop`
        if select.select([fd], [], [], 0.1)[0]:
            key = read_key()
            if key and key in keys:
                return key
    return ""


def ask(question: str, choices: str, keys: Mapping[str, T]) -> T | object:
    """Ask once; the answer's value, SKIP (Enter) or SKIP_ALL (Esc). Other keys are ignored."""
    click.secho(f"  {question}", bold=True)
    click.echo(f"    {choices}   (Enter skips, Esc skips the rest)")
    while True:
        key = read_key()
        if key in ("\r", "\n"):
            click.echo("    skipped")
            return SKIP
        if key == "\x1b":
            click.echo("    skipped")
            return SKIP_ALL
        if key in keys:
            click.secho(f"    {key}", bold=True)
            return keys[key]


def ask_ratings(title: str) -> Ratings:
    """One screen: how the listener feels now, each rating one key, all of it skippable."""
    heading(title)
    click.echo("  0 is none at all, 10 the worst you can imagine.")
    click.echo()
    values: dict[str, Any] = {}
    with keys_mode():
        for name in SYMPTOMS:
            answer = ask(f"{QUESTIONS[name]}?", SCORE_HELP, SCORE_KEYS)
            if answer is SKIP_ALL:
                break
            if isinstance(answer, int):
                values[name] = answer
    return Ratings(**values)
