"""The comfort journal: `companion journal add | show | export | plot | report | forget`."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import click

from companion import (
    SYMPTOMS,
    TAPPED_CAVEAT,
    BadInput,
    Journal,
    Ratings,
    check_writable,
    counted,
    interrupts,
)
from companion import export_journal as export_csv
from companion.cli.asking import (
    ask_ratings,
    can_ask,
    confirmed,
)
from companion.cli.options import UserPath, plainly
from companion.cli.people import person, whose


@click.group()
def journal() -> None:
    """The comfort journal: how you feel, before and after sessions or on any day.

    Kept on this machine only, in your data folder, readable by you alone: each
    person's own (--person before the command; see 'people').
    """


@journal.command("add")
@click.option("--pain", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--tiredness", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--breathlessness", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--anxiety", type=click.IntRange(0, 10), default=None, help="0 none to 10 worst.")
@click.option("--wellbeing", type=click.IntRange(0, 10), default=None, help="0 best to 10 worst.")
@click.option("--note", default=None, help="A short note (up to 500 characters).")
@click.option(
    "--tap",
    is_flag=True,
    help="Tap the space bar once as each breath in begins: the breaths a minute are kept too.",
)
@click.option(
    "--taps",
    metavar="SECONDS,...",
    default=None,
    help="The times of taps (seconds, one a breath in), as from a script: their breaths a minute are kept.",
)
def journal_add(note: str | None, tap: bool, taps: str | None, **values: int | None) -> None:
    """Note how you feel now, and the breath tapped along if you like (asks, on a terminal,
    when nothing is given).

    \b
    Examples:
      companion journal add
      companion journal add --pain 3 --tiredness 6 --note "after a walk"
      companion journal add --taps 0,4,8,12,16
      companion journal add --tap
    """
    from companion.cli.tapping import rate_for_the_journal

    ratings = Ratings(**values, note=note)
    asked = tap  # the space bar is a question too: skipping it is an answer
    if ratings.empty and not tap and taps is None and can_ask():
        ratings = ask_ratings("How do you feel now?")
        with interrupts.interruptible():
            typed = click.prompt("  A short note (Enter for none)", default="", show_default=False).strip()
        ratings = Ratings(**{n: getattr(ratings, n) for n in SYMPTOMS}, note=typed or None)
        asked = True
    rate = rate_for_the_journal(tap, taps)  # tapped once, after any ratings asked: never asked again
    ratings = replace(ratings, breath_rate=rate)
    if ratings.empty and asked:  # every question skipped, on purpose: nothing to keep, nothing wrong
        click.echo("Nothing was noted.")
        return
    if ratings.empty:
        raise BadInput(
            "give at least one rating (--pain, --tiredness, --breathlessness, --anxiety, --wellbeing), "
            "--note, or the breath tapped along (--tap, --taps)"
        )
    someone = person()
    with Journal(someone.journal_path) as j:
        entry_id = j.add(ratings)
    click.echo(f"Noted in {whose(someone)} journal (entry {entry_id}).")


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
    someone = person(made=False)
    with Journal(someone.journal_path, read_only=True) as j:
        entries = j.entries(_since(since), limit)
    if as_json:  # a JSON list alone, for a program to read
        click.echo(json.dumps([e.to_json() for e in entries], indent=1, ensure_ascii=False))
        return
    if not entries:
        click.echo(f"{whose(someone)} journal is empty.")
        return
    click.echo(f"{whose(someone)} journal")
    width = max(len("id"), *(len(str(e.id)) for e in entries))  # the heading lines up over one-digit ids too
    header = (
        f"{'id':>{width}}  {'when':<16}  {'':<6}  {'pain':>4} {'tired':>5} {'breath':>6} {'anxious':>7} "
        f"{'wellbeing':>9} {'tapped':>6}  session / note"
    )
    click.echo(header)
    for e in entries:
        r = e.ratings
        cells = [getattr(r, n) for n in SYMPTOMS]
        shown = ["-" if v is None else str(v) for v in cells]
        rate = "-" if r.breath_rate is None else f"{r.breath_rate:g}"
        about = ""
        if e.session is not None:
            about = f"{e.session.script}, {e.session.minutes_planned:g} min"
            if e.session.ended:
                about += f", {e.session.ended}"
        if r.note:
            note = plainly(r.note)
            about = f"{about}; {note}" if about else note
        when = e.at[:16].replace("T", " ")
        click.echo(
            f"{e.id:>{width}}  {when:<16}  {e.moment:<6}  {shown[0]:>4} {shown[1]:>5} {shown[2]:>6} {shown[3]:>7} "
            f"{shown[4]:>9} {rate:>6}  {about}"
        )
    if any(e.ratings.breath_rate is not None for e in entries):  # what the column is, and is not
        click.echo(f"tapped: breaths a minute; {TAPPED_CAVEAT}.")


@journal.command("export")
@click.option("--csv", "csv_path", type=UserPath(), required=True, metavar="FILE", help="CSV file.")
def journal_export(csv_path: Path) -> None:
    """Write the whole journal to a CSV file for the care team (readable by you alone).

    \b
    Example:
      companion journal export --csv comfort.csv
    """
    check_writable(csv_path, (".csv",), "csv")
    someone = person(made=False)
    with Journal(someone.journal_path, read_only=True) as j:
        count = export_csv(j, csv_path)
    click.echo(f"Wrote {counted(count, 'entry', 'entries')} of {whose(someone)} journal to {csv_path}.")


@journal.command("plot")
@click.option("-o", "--output", type=UserPath(), required=True, metavar="FILE.png", help="PNG file.")
@click.option("--since", metavar="DATE", default=None, help="Only entries from this date (2026-11-01).")
def journal_plot(output: Path, since: str | None) -> None:
    """Draw each rating over time, before and after a session joined.

    \b
    Example:
      companion journal plot -o comfort.png
    """
    from companion import plot_journal

    check_writable(output, (".png",), "output")
    someone = person(made=False)
    with Journal(someone.journal_path, read_only=True) as j:
        entries = j.entries(_since(since))
    if not entries:
        click.echo(f"{whose(someone)} journal has no entries to draw yet; nothing was written.")
        return
    plot_journal(entries, output)
    click.echo(f"Drew {counted(len(entries), 'entry', 'entries')} of {whose(someone)} journal in {output}.")


def _day_arg(text: str | None, flag: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"{flag} takes a date such as 2026-11-01, not '{text}'") from None


@journal.command("report")
@click.option("-o", "--output", type=UserPath(), required=True, metavar="FILE.pdf", help="PDF file.")
@click.option("--since", metavar="DATE", default=None, help="The first day (default: four weeks up to --until).")
@click.option("--until", metavar="DATE", default=None, help="The last day (default: today).")
def journal_report(output: Path, since: str | None, until: str | None) -> None:
    """One printable page for the care team: the ratings over the period, the sessions
    used, and how the ratings after a session compare with those before it.

    \b
    Example:
      companion journal report -o report.pdf --since 2026-11-01
    """
    from companion import gather_report as gather
    from companion import write_report

    check_writable(output, (".pdf",), "output")
    someone = person(made=False)
    with Journal(someone.journal_path, read_only=True) as j:
        report = gather(j, _day_arg(since, "--since"), _day_arg(until, "--until"), someone.name)
    period = f"from {report.since:%d %b %Y} to {report.until:%d %b %Y}"
    if not report.entries and not report.sessions:
        click.echo(f"{whose(someone)} journal has nothing {period}; nothing was written.")
        return
    write_report(report, output)
    count = len(report.entries)
    click.echo(
        f"Wrote {output}: {count} entr{'ies' if count != 1 else 'y'} of {whose(someone)} journal {period}, "
        "for the care team."
    )


@journal.command("forget")
@click.option(
    "--id",
    "ids",
    type=click.IntRange(1, 2**63 - 1),
    multiple=True,
    help="An entry to remove (see 'journal show'); repeatable.",
)
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
    someone = person(made=False)
    with Journal(someone.journal_path, read_only=True) as j:  # an id that names no entry is refused before asking
        known = {e.id for e in j.entries()}
    missing = [i for i in ids if i not in known]
    if missing:
        raise BadInput(f"no entry has the id {missing[0]}; 'companion journal show' lists them", field="ids")
    if everything and not known:
        click.echo(f"{whose(someone)} journal is empty; nothing was removed.")
        return
    count = f"{len(ids)} entr{'y' if len(ids) == 1 else 'ies'}"
    what = f"the whole of {whose(someone)} journal" if everything else f"{count} from {whose(someone)} journal"
    if not confirmed(f"Remove {what}? This cannot be undone.", yes, f"remove {what}"):
        click.echo("Nothing was removed.")
        return
    with Journal(someone.journal_path) as j:
        gone = j.forget(None if everything else list(ids))
    click.echo(f"Removed {gone} entr{'y' if gone == 1 else 'ies'} from {whose(someone)} journal.")
