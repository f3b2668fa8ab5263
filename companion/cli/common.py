"""What the play, render and today commands share: the safety prompt, notices, live play
with its view and keys, and the session's place in the comfort journal."""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click

from companion import BadInput, Journal, Notice, Output, PlayResult, Ratings, Session, Status, interrupts
from companion import play as play_session
from companion.cli.asking import ask_ratings, can_ask


def ask_to_confirm(yes: bool) -> Callable[[str], bool]:
    """The caregiver safety notes: shown, then confirmed once (--yes, or at a prompt)."""

    def confirm(notes: str) -> bool:
        click.echo(notes)
        if yes:
            return True
        if not sys.stdin.isatty():
            raise BadInput("read the safety notes above, then confirm them with --yes")
        with interrupts.interruptible():
            return click.confirm("Have you read these notes, and is it safe to go on?", default=False)

    return confirm


def show_notice(notice: Notice) -> None:
    """What the listener must see before it starts (the safety notes were shown when confirmed)."""
    if notice.kind != "safety":
        click.echo(notice.text)


def play_live(session: Session, output: Output, quiet: bool) -> PlayResult:
    """Play with the view on screen (unless quiet) and the keys (on a terminal); say what to know."""
    from companion.cli.view import AcksOnly, PlainView, RichView

    view: Callable[[Status], None] = AcksOnly() if quiet else RichView() if sys.stdout.isatty() else PlainView()
    keys = None
    if sys.stdin.isatty():
        from companion.cli.keys import TerminalKeys

        keys = TerminalKeys
    result = _play_ignoring_late_presses(lambda: play_session(session, output, view=view, keys=keys))
    if result.lengthened_to:
        click.echo(
            f"Note: the words needed more time than asked; the session grew to {result.lengthened_to} minutes.",
            err=True,
        )
    if result.ended in ("stopped", "interrupted"):  # stopping is not a failure: say how long it played
        planned = session.plan.duration_s / 60
        click.echo(f"Stopped gently after {_minutes(result.minutes_heard)} of {_minutes(planned)}.", err=True)
    if result.faster_than_real_time:
        click.echo("Note: the sound output took the session faster than it plays (a null device?).", err=True)
    elif result.underruns:
        click.echo(f"Note: the sound card ran dry {result.underruns} time(s).", err=True)
    return result


def _play_ignoring_late_presses(play: Callable[[], PlayResult]) -> PlayResult:
    """play() answers Ctrl-C itself while it plays, then gives back the handler it found: once
    a session has ended through Ctrl-C, a late second press must not break the calm ending,
    so this handler ignores presses from then on (and only then)."""
    if threading.current_thread() is not threading.main_thread():
        return play()
    previous = signal.getsignal(signal.SIGINT)
    ended_by_interrupt = False

    def late(signum: int, frame: object) -> None:
        if not ended_by_interrupt:
            interrupts.handler(signum, frame)

    signal.signal(signal.SIGINT, late)
    try:
        result = play()
    except BaseException:
        signal.signal(signal.SIGINT, previous)
        raise
    if result.ended == "interrupted":
        ended_by_interrupt = True
    else:
        signal.signal(signal.SIGINT, previous)
    return result


def start_in_journal(
    session: Session, ask: bool, before: Ratings | None = None, breath_rate: float | None = None, **checkin: Any
) -> int:
    """The session's row in the journal, with how the listener feels before it (asked on a
    terminal when `ask`, else the ratings given) and the breath tapped along (never asked again)."""
    from companion.cli.people import person

    if ask and can_ask():
        before = ask_ratings("Before you start: how do you feel now?")
    if breath_rate is not None:
        before = replace(before or Ratings(), breath_rate=breath_rate)
    with Journal(person().journal_path) as journal:
        return journal.start_session(session.record(**checkin), before)


def finish_in_journal(session_id: int, result: PlayResult, tap_after: bool = False) -> None:
    """How it ended, and how the listener feels now: one screen, skippable (only on a terminal);
    after a session started from taps (`tap_after`), the breath may be tapped once more."""
    from companion.cli.people import person, whose

    asking = can_ask() and result.ended != "interrupted"
    after = ask_ratings("How do you feel now?") if asking else None
    if asking and tap_after:
        from companion.cli.tapping import tap_once_more

        rate = tap_once_more()
        if rate is not None:
            after = replace(after or Ratings(), breath_rate=rate)
    someone = person()
    with Journal(someone.journal_path) as journal:
        journal.finish_session(session_id, result.minutes_heard, result.ended)
        if after is not None and not after.empty:
            journal.add(after, "after", session_id)
            click.echo(f"Kept in {whose(someone)} journal. Thank you.")
            return
    click.echo(f"Noted in {whose(someone)} journal.")


def _minutes(minutes: float) -> str:
    whole = round(minutes)
    if abs(minutes - whole) < 0.05:
        return f"{whole} minute{'s' if whole != 1 else ''}"
    return f"{minutes:.1f} minutes"
