"""The check-in: `companion today` asks a few one-key questions, says what it chose and why, and plays it."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import click

from companion import CHECK_IN_GOALS as GOALS
from companion import CheckInAnswers as Answers
from companion import (
    DeviceOutput,
    DoesNotFit,
    Journal,
    Notice,
    Ratings,
    Session,
    SessionOptions,
    check_options,
    check_output_path,
    make_session,
    offered_minutes,
)
from companion import check_in as choose
from companion import render as render_session
from companion.cli.asking import (
    SCORE_HELP,
    SCORE_KEYS,
    SKIP_ALL,
    ask,
    can_ask,
    heading,
    keys_mode,
)
from companion.cli.common import (
    ask_to_confirm,
    finish_in_journal,
    play_live,
    show_notice,
    start_in_journal,
)
from companion.cli.options import Device, FiniteFloat, UserPath
from companion.cli.people import person, whose
from companion.cli.progress import VoiceProgress
from companion.cli.tapping import (
    breath_for_a_dry_run,
    start_in_step,
    tap_options,
    tapped_breath,
    with_breath,
)
from companion.cli.usual import from_usual


@click.command()
@click.option("--energy-score", type=click.IntRange(0, 10), default=None, help="Energy today, 0 (none) to 10 (plenty).")
@click.option("--breathless/--no-breathless", default=None, help="Short of breath right now?")
@click.option("--goal", type=click.Choice(list(GOALS)), default=None, help="What the session is for.")
@click.option("--minutes", type=FiniteFloat(), default=None, help="How long (default by energy).")
@click.option("--dry-run", is_flag=True, help="Only say what would be chosen, and why.")
@click.option("--json", "as_json", is_flag=True, help="With --dry-run: the choice as one JSON object.")
@click.option("-o", "--output", type=UserPath(), default=None, metavar="FILE", help="Write a file.")
@click.option(
    "--device", type=Device(), metavar="NAME|INDEX", default=None, help="Sound output (see 'companion devices')."
)
@click.option("--quiet", is_flag=True, help="No view on screen while it plays.")
@click.option("--mono", is_flag=True, help="One channel, for a single speaker.")
@tap_options
def today(
    energy_score: int | None,
    breathless: bool | None,
    goal: str | None,
    minutes: float | None,
    dry_run: bool,
    as_json: bool,
    output: Path | None,
    device: int | str | None,
    quiet: bool,
    mono: bool,
    tap: bool,
    taps: str | None,
) -> None:
    """A few short questions choose today's session; then it plays (or -o writes it).

    Every answer is one key, and Enter skips it. For scripts, give the answers as
    options; --dry-run only says what would be chosen.

    \b
    Examples:
      companion today
      companion today --energy-score 3 --breathless --dry-run
      companion today --energy-score 6 --goal sleep -o tonight.mp3
      companion today --tap
    """
    # the person's usual length, bed, pace and voice: today's answers choose the rest
    usual = {"minutes": minutes, "ambience": None, "breath_rate": None, "voice": None}
    from_usual(usual, tapped=tap or taps is not None, err=as_json)
    answers = Answers(energy_score, breathless, goal, usual["minutes"])
    if can_ask() and not as_json:
        answers = _ask_missing(answers)
    choice = choose(answers)
    breath = breath_for_a_dry_run(tap, taps, err=as_json) if dry_run else tapped_breath(tap, taps)
    options = with_breath(_with_usual(choice.options(mono=mono), usual), breath)
    if dry_run:
        _say_what_would_be_made(choice.to_json(), options, as_json)
        return
    click.secho(choice.reason, bold=True)
    if output is not None:
        check_output_path(output, field="output")
    player = None if output is not None else DeviceOutput(device=device)
    try:
        session = _make(options, output is None)
    except DoesNotFit as exc:  # the chosen length is too short for the script: say so, and take the least that fits
        click.echo(f"The words need {exc.minutes} minutes; making it {exc.minutes} minutes long.")
        options.minutes = float(exc.minutes)
        session = _make(options, output is None, notify=lambda notice: None)  # its notices are shown above
    # how much energy, as the journal's tiredness (0 none, 10 worst)
    now = Ratings(tiredness=10 - answers.energy_score) if answers.energy_score is not None else None
    if breath is not None:  # the breath tapped along, kept beside the ratings (never asked again)
        now = Ratings(tiredness=None if now is None else now.tiredness, breath_rate=breath.breath.rate)
    checkin: dict[str, Any] = {
        "energy_score": answers.energy_score,
        "breathless": answers.breathless,
        "goal": answers.goal,
    }
    if output is not None:  # written, not heard: how they feel is kept, but not as 'before' a session
        written = render_session(session, output)
        click.echo(f"Wrote {written.path} ({session.plan.duration_s / 60:.2f} min, {session.plan.script_title}).")
        session_id = start_in_journal(session, False, None, **checkin)
        someone = person()
        with Journal(someone.journal_path) as journal:
            journal.finish_session(session_id, None, "rendered")
            if now is not None:
                journal.add(now, "alone", session_id)  # how they felt, with what was made; no session heard
        click.echo(f"Noted in {whose(someone)} journal as made to listen to later, not yet heard.")
        return
    session_id = start_in_journal(session, False, now, **checkin)
    assert player is not None
    start_in_step(session, breath, player)
    result = play_live(session, player, quiet)
    finish_in_journal(session_id, result, tap_after=breath is not None)
    if result.exit_code:
        raise click.exceptions.Exit(result.exit_code)  # 130 after Ctrl-C or SIGTERM, as promised


def _with_usual(options: SessionOptions, usual: dict[str, Any]) -> SessionOptions:
    """The options with the usual bed, pace and voice kept for the person (a recorded voice is
    theirs, and the bundled voice says the phrases it lacks: no option here asks for that)."""
    if usual["ambience"] is not None:
        options.ambience = usual["ambience"]
    options.breath_rate = usual["breath_rate"]
    if usual["voice"] is not None:
        options.voice, options.fill_with_tts = usual["voice"], True
        options.voices_folder = person(made=False).voices_folder
    return options


def _say_what_would_be_made(choice: dict[str, Any], options: SessionOptions, as_json: bool) -> None:
    """The choice, checked as the real run checks it (nothing is made): what it would refuse is
    refused here too, and a length too short for the words is lengthened as it would be."""
    try:
        check_options(options)
        needs = None
    except DoesNotFit as exc:
        needs = exc.minutes
        options.minutes = float(needs)
        check_options(options)
    if as_json:
        tapped = {} if options.breath_rate is None else {"breath_rate": round(options.breath_rate, 2)}
        click.echo(json.dumps({**choice, "minutes": options.minutes, **tapped}, indent=1))
        return
    click.echo(choice["reason"])
    if needs is not None:
        click.echo(f"The words need {needs} minutes; it would be {needs} minutes long.")


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
