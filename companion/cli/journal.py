"""The check-in (`companion today`) and the comfort journal (`companion journal ...`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from companion.cli.asking import (
    SCORE_HELP,
    SCORE_KEYS,
    SKIP_ALL,
    ask,
    ask_ratings,
    can_ask,
    confirmed,
    heading,
    keys_mode,
)
from companion.cli.options import FiniteFloat
from companion.cli.play import ask_to_confirm, device_spec, finish_in_journal, play_live, show_notice, start_in_journal
from companion.cli.progress import VoiceProgress
from companion.errors import BadInput, DoesNotFit, Interrupted
from companion.journal.store import SYMPTOMS, Journal, Ratings
from companion.options import SessionOptions
from companion.output.devices import DeviceOutput
from companion.output.sinks import check_output_path
from companion.plan.checkin import GOALS, Answers, choose, offered_minutes
from companion.plan.profile import MAX_MINUTES, MIN_MINUTES
from companion.session import Notice, Session, make_session
from companion.session import render as render_session


@click.command()
@click.option("--energy-score", type=click.IntRange(0, 10), default=None, help="Energy today, 0 (none) to 10 (plenty).")
@click.option("--breathless/--no-breathless", default=None, help="Short of breath right now?")
@click.option("--goal", type=click.Choice(list(GOALS)), default=None, help="What the session is for.")
@click.option(
    "--minutes", type=FiniteFloat(MIN_MINUTES, MAX_MINUTES), default=None, help="How long (default by energy)."
)
@click.option("--dry-run", is_flag=True, help="Only say what would be chosen, and why.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: the choice as one JSON object.")
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None, metavar="FILE", help="Write a file.")
@click.option("--device", metavar="NAME|INDEX", default=None, help="Sound output (see 'companion devices').")
@click.option("--quiet", is_flag=True, help="No view on screen while it plays.")
@click.option("--mono", is_flag=True, help="One channel, for a single speaker.")
def today(
    energy_score: int | None,
    breathless: bool | None,
    goal: str | None,
    minutes: float | None,
    dry_run: bool,
    as_json: bool,
    output: Path | None,
    device: str | None,
    quiet: bool,
    mono: bool,
) -> None:
    """A few short questions choose today's session; then it plays (or -o writes it).

    Every answer is one key, and Enter skips it. For scripts, give the answers as
    options; --dry-run only says what would be chosen.

    \b
    Examples:
      companion today
      companion today --energy-score 3 --breathless --dry-run
      companion today --energy-score 6 --goal sleep -o tonight.mp3
    """
    answers = Answers(energy_score, breathless, goal, minutes)
    if can_ask() and not as_json:
        answers = _ask_missing(answers)
    choice = choose(answers)
    if dry_run:
        click.echo(json.dumps(choice.to_json(), indent=1) if as_json else choice.reason)
        return
    click.secho(choice.reason, bold=True)
    if output is not None:
        check_output_path(output)
    player = None if output is not None else DeviceOutput(device=device_spec(device))
    options = choice.options(mono=mono)
    try:
        session = _make(options, output is None)
    except DoesNotFit as exc:  # the chosen length is too short for the script: say so, and take the least that fits
        click.echo(f"The words need {exc.minutes} minutes; making it {exc.minutes} minutes long.")
        options.minutes = float(exc.minutes)
        session = _make(options, output is None, notify=lambda notice: None)  # its notices are shown above
    # how much energy, as the journal's tiredness (0 none, 10 worst): the before rating
    before = Ratings(tiredness=10 - answers.energy_score) if answers.energy_score is not None else None
    checkin = {"energy_score": answers.energy_score, "breathless": answers.breathless, "goal": answers.goal}
    session_id = start_in_journal(session, False, before, **checkin)
    if output is not None:
        written = render_session(session, output)
        click.echo(f"Wrote {written.path} ({session.plan.duration_s / 60:.2f} min, {session.plan.script_title}).")
        with Journal() as journal:
            journal.finish_session(session_id, None, "rendered")
        return
    assert player is not None
    result = play_live(session, player, quiet)
    finish_in_journal(session_id, result)
    if result.ended == "interrupted":
        raise Interrupted("interrupted; the session ended early")


def _make(options: SessionOptions, live: bool, notify: Callable[[Notice], None] = show_notice) -> Session:
    if live:  # the tone starts at once; the voice is made while it plays
        return make_session(options, confirm=ask_to_confirm(False), wait_for_voice=False, notify=notify)
    with VoiceProgress() as progress:
        return make_session(options, confirm=ask_to_confirm(False), notify=notify, progress=progress)


def _ask_missing(answers: Answers) -> Answers:
    """The questions not already answered by an option, in order; Esc skips the rest."""
    heading("Today's check-in")
    values: dict[str, Any] = {
        "energy_score": answers.energy_score,
        "breathless": answers.breathless,
        "goal": answers.goal,
        "minutes": answers.minutes,
    }
    questions: list[tuple[str, str, str, Mapping[str, Any]]] = [
        ("energy_score", "How much energy do you have today? 0 is none, 10 is plenty.", SCORE_HELP, SCORE_KEYS),
        (
            "breathless",
            "Are you short of breath right now?",
            "y yes, n no",
            {"y": True, "Y": True, "n": False, "N": False},
        ),
        (
            "goal",
            "What is this session for?",
            "r rest, s sleep, m after a massage",
            {"r": "rest", "s": "sleep", "m": "after-massage"},
        ),
    ]
    with keys_mode():
        for name, question, choices, keys in questions:
            if values[name] is not None:
                continue
            answer = ask(question, choices, keys)
            if answer is SKIP_ALL:
                return Answers(**values)
            if answer in keys.values():
                values[name] = answer
        if values["minutes"] is None:
            offered = offered_minutes(values["energy_score"])
            keys = {str(i + 1): m for i, m in enumerate(offered)}
            choices = ", ".join(f"{k} {m:g} minutes" for k, m in keys.items())
            answer = ask("How long would you like?", choices, keys)
            if isinstance(answer, float):
                values["minutes"] = answer
    click.echo()
    return Answers(**values)


@click.group()
def journal() -> None:
    """The comfort journal: how you feel, before and after sessions or on any day.

    Kept on this machine only, in your data folder, readable by you alone.
    """


@journal.command("add")
@click.option("--pain", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--tiredness", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--breathlessness", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--anxiety", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--wellbeing", type=click.IntRange(0, 10), default=None, help="0 best to 10 worst.")
@click.option("--note", default=None, help="A short note (up to 500 characters).")
def journal_add(note: str | None, **values: int | None) -> None:
    """Note how you feel now (asks, on a terminal, when no rating is given).

    \b
    Examples:
      companion journal add
      companion journal add --pain 3 --tiredness 6 --note "after a walk"
    """
    ratings = Ratings(**values, note=note)
    if ratings.empty and can_ask():
        ratings = ask_ratings("How do you feel now?")
        typed = click.prompt("  A short note (Enter for none)", default="", show_default=False).strip()
        ratings = Ratings(**{n: getattr(ratings, n) for n in SYMPTOMS}, note=typed or None)
    if ratings.empty:
        raise BadInput(
            "give at least one rating (--pain, --tiredness, --breathlessness, --anxiety, --wellbeing) or --note"
        )
    with Journal() as j:
        entry_id = j.add(ratings)
    click.echo(f"Noted (entry {entry_id}).")


def _since(text: str | None) -> str | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text).isoformat()
    except ValueError:
        raise BadInput(f"--since takes a date such as 2026-11-01 (or a date and time), not '{text}'") from None


@journal.command("show")
@click.option("--since", metavar="DATE", default=None, help="Only entries from this date (2026-11-01).")
@click.option("--limit", type=click.IntRange(1, 100000), default=None, help="At most this many, latest first.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def journal_show(since: str | None, limit: int | None, as_json: bool) -> None:
    """The journal as a table, latest first.

    \b
    Example:
      companion journal show --since 2026-11-01 --limit 20
    """
    with Journal() as j:
        entries = j.entries(_since(since), limit)
    if as_json:
        click.echo(json.dumps([e.to_json() for e in entries], indent=1, ensure_ascii=False))
        return
    if not entries:
        click.echo("The journal is empty.")
        return
    header = (
        f"{'when':<16}  {'':<6}  {'pain':>4} {'tired':>5} {'breath':>6} {'anxious':>7} {'wellbeing':>9}  session / note"
    )
    click.echo(header)
    for e in entries:
        r = e.ratings
        cells = [getattr(r, n) for n in SYMPTOMS]
        shown = ["-" if v is None else str(v) for v in cells]
        about = ""
        if e.session is not None:
            about = f"{e.session.script}, {e.session.minutes_planned:g} min"
            if e.session.ended:
                about += f", {e.session.ended}"
        if r.note:
            about = f"{about}; {r.note}" if about else r.note
        when = e.at[:16].replace("T", " ")
        click.echo(
            f"{when:<16}  {e.moment:<6}  {shown[0]:>4} {shown[1]:>5} {shown[2]:>6} {shown[3]:>7} {shown[4]:>9}  {about}"
        )


@journal.command("export")
@click.option("--csv", "csv_path", type=click.Path(path_type=Path), required=True, metavar="FILE", help="CSV file.")
def journal_export(csv_path: Path) -> None:
    """Write the whole journal to a CSV file for the care team (readable by you alone).

    \b
    Example:
      companion journal export --csv comfort.csv
    """
    check_output_path(csv_path, suffixes=(".csv",))
    with Journal() as j:
        count = j.export_csv(csv_path)
    click.echo(f"Wrote {count} entries to {csv_path}.")


@journal.command("plot")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True, metavar="FILE.png", help="PNG file.")
@click.option("--since", metavar="DATE", default=None, help="Only entries from this date (2026-11-01).")
def journal_plot(output: Path, since: str | None) -> None:
    """Draw each rating over time, before and after a session joined.

    \b
    Example:
      companion journal plot -o comfort.png
    """
    from companion.journal.pictures import plot_journal

    check_output_path(output, suffixes=(".png",))
    with Journal() as j:
        entries = j.entries(_since(since))
    if not entries:
        click.echo("The journal has no entries to draw yet; nothing was written.")
        return
    plot_journal(entries, output)
    click.echo(f"Drew {len(entries)} entries in {output}.")


@journal.command("forget")
@click.option("--id", "ids", type=int, multiple=True, help="An entry to remove (see 'journal show'); repeatable.")
@click.option("--all", "everything", is_flag=True, help="Remove the whole journal.")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
def journal_forget(ids: tuple[int, ...], everything: bool, yes: bool) -> None:
    """Remove entries, or everything, after one confirmation.

    \b
    Examples:
      companion journal forget --id 12
      companion journal forget --all
    """
    if bool(ids) == everything:
        raise BadInput("say what to forget: --id N (one or more) or --all")
    what = "the whole journal" if everything else f"{len(ids)} entr{'y' if len(ids) == 1 else 'ies'}"
    if not confirmed(f"Remove {what}? This cannot be undone.", yes, f"remove {what}"):
        click.echo("Nothing was removed.")
        return
    with Journal() as j:
        gone = j.forget(None if everything else list(ids))
    click.echo(f"Removed {gone} entr{'y' if gone == 1 else 'ies'}.")
