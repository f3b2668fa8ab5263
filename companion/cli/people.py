"""Many listeners (issue 33): `companion people list | add | rename | remove | export | prefer |
show`, and whose data a command reads and writes (the global --person, else the default person)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from companion import (
    AMBIENCES,
    MAX_BREATH_RATE,
    MAX_MINUTES,
    MAX_SLEEP_TIMER,
    MIN_BREATH_RATE,
    MIN_MINUTES,
    BadInput,
    Energy,
    People,
    Person,
    Preferences,
    check_voice_name,
    check_writable,
    export_person,
    preferences,
    set_preferences,
)
from companion.cli.asking import confirmed
from companion.cli.options import FiniteFloat, UserPath, plainly

PREFERENCES = ("energy", "minutes", "ambience", "breath-rate", "voice", "sleep-timer")  # as --clear names them


def person(made: bool = True) -> Person:
    """The person the command is for: --person, else the default one. `made` False for a
    command that only reads (a new install is then not written to)."""
    context = click.get_current_context(silent=True)  # none: called as a library would be
    who = (context.find_root().obj or {}).get("person") if context is not None else None
    return People().get(who, made)


def whose(someone: Person) -> str:
    """'Ada's', as a command's output names the person it read or wrote for."""
    name = plainly(someone.name)
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _named_here(command: Callable[..., None]) -> Callable[..., None]:
    """A person these commands name is their NAME (or NEW_NAME) argument, not the global
    --person: their errors about a person point there."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except BadInput as exc:
            if exc.field != "person":
                raise
            new = kwargs.get("new_name")
            field = "new_name" if new is not None and exc.value in (new, " ".join(str(new).split())) else "name"
            raise BadInput(exc.message, field=field, value=exc.value, allowed=exc.allowed) from None

    return run


@click.group()
def people() -> None:
    """The people who listen here, each with their own journal, voices and plans.

    A therapist's clients or a family's two patients are kept apart: each person's files
    are in a folder of their own, readable by you alone. Name one with --person before
    the command (companion --person Ada today); without it, the default person.

    \b
    Examples:
      companion people add Cy
      companion --person Cy journal add --pain 3
      companion people list
    """


@people.command("list")
def people_list() -> None:
    """Everyone here, the default marked with '*'.

    \b
    Example:
      companion people list
    """
    store = People()
    first = store.default(made=False)
    for someone in store.list() if store.index.exists() else [first]:
        click.echo(f"{'*' if someone.id == first.id else ' '} {plainly(someone.name)}")


@people.command("add")
@click.argument("name")
@click.option("--default", "make_default", is_flag=True, help="Make them the default person.")
@_named_here
def people_add(name: str, make_default: bool) -> None:
    """Add a person, with an empty journal of their own.

    \b
    Example:
      companion people add "Dee Smith"
    """
    store = People()
    added = store.add(name)
    if make_default:
        store.make_default(added.id)
    more = " (the default)" if make_default else ""
    click.echo(f"Added {plainly(added.name)}{more}. Name them with --person to use their journal and voices.")


@people.command("rename")
@click.argument("name")
@click.argument("new_name", metavar="NEW_NAME")
@_named_here
def people_rename(name: str, new_name: str) -> None:
    """Give a person another name (their journal, voices and plans stay theirs).

    \b
    Example:
      companion people rename Listener Eve
    """
    renamed = People().rename(name, new_name)
    click.echo(f"{plainly(name)} is now called {plainly(renamed.name)}.")


@people.command("default")
@click.argument("name")
@_named_here
def people_default(name: str) -> None:
    """The person every command is for when --person is not given.

    \b
    Example:
      companion people default Ada
    """
    chosen = People().make_default(name)
    click.echo(f"{plainly(chosen.name)} is the default person now.")


@people.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
@_named_here
def people_remove(name: str, yes: bool) -> None:
    """Forget a person completely: their journal, recorded voices, preferences and plans,
    after one confirmation. Everyone else's stays as it was.

    \b
    Example:
      companion people remove Cy --yes
    """
    store = People()
    someone = store.get(name)
    what = f"{plainly(someone.name)} and everything of theirs (journal, voices, plans)"
    if not confirmed(f"Remove {what}? This cannot be undone.", yes, f"remove {plainly(someone.name)}"):
        click.echo("Nothing was removed.")
        return
    store.forget(someone.id)
    click.echo(f"Removed {plainly(someone.name)}: their journal, voices and plans are gone.")


@people.command("export")
@click.argument("name")
@click.option("-o", "--output", type=UserPath(), required=True, metavar="FILE.zip", help="The .zip to write.")
@_named_here
def people_export(name: str, output: Path) -> None:
    """One person's whole record as one .zip (readable by you alone): their journal as CSV,
    the care-team report as PDF, their recorded voices, preferences and plans.

    \b
    Example:
      companion people export Ada -o ada.zip
    """
    check_writable(output, (".zip",), "output")
    someone = People().get(name)
    export_person(someone, output)
    click.echo(f"Wrote {output}: {whose(someone)} whole record.")


@people.command("prefer")
@click.argument("name")
@click.option("--energy", type=click.Choice([e.value for e in Energy]), default=None, help="Their usual energy.")
@click.option(
    "--minutes", type=FiniteFloat(), default=None, help=f"Their usual length, {MIN_MINUTES:g} to {MAX_MINUTES:g}."
)
@click.option("--ambience", type=click.Choice(AMBIENCES), default=None, help="Their usual noise bed.")
@click.option(
    "--breath-rate",
    type=FiniteFloat(),
    default=None,
    help=f"Their own breaths per minute ({MIN_BREATH_RATE:g} to {MAX_BREATH_RATE:g}): the pace starts there.",
)
@click.option("--voice", metavar="NAME|FILE", default=None, help="Their usual voice: a recorded one, or 'joe'.")
@click.option(
    "--sleep-timer",
    type=FiniteFloat(),
    default=None,
    metavar="MINUTES",
    help=f"The app's sleep timer to start with, 0 (off) to {MAX_SLEEP_TIMER:g} minutes.",
)
@click.option(
    "--clear",
    type=click.Choice([*PREFERENCES, "all"]),
    multiple=True,
    help="Forget one usual choice (or all of them); give it again for more.",
)
@_named_here
def people_prefer(name: str, clear: tuple[str, ...], **given: Any) -> None:
    """Keep a person's usual choices: play, render, plan, today, pack and the app start from
    them for whatever is not chosen there and then, and say so. Nothing else changes them
    but the app's "Keep these" tick.

    \b
    Examples:
      companion people prefer Bea --energy low --minutes 10 --ambience brown
      companion people prefer Bea --clear minutes
    """
    someone = People().get(name)
    changes = {k: v for k, v in given.items() if v is not None}
    cleared = {c.replace("-", "_") for c in clear if c != "all"}
    both = sorted(cleared & set(changes))
    if both:
        what = both[0].replace("_", " ")
        raise BadInput(f"give a new {what} or clear it, not both", field=both[0], value=changes[both[0]])
    if "voice" in changes:  # one that can speak for them, or a word now rather than at their next session
        check_voice_name(changes["voice"], someone.voices_folder)
    start = Preferences() if "all" in clear else preferences(someone)
    kept = set_preferences(someone, start.but(**changes, **dict.fromkeys(cleared)))
    click.echo(_usual_line(someone, kept.said))


@people.command("show")
@click.argument("name")
@_named_here
def people_show(name: str) -> None:
    """A person's usual choices (see 'people prefer').

    \b
    Example:
      companion people show Bea
    """
    store = People()
    someone = store.get(name, made=False)
    default = " (the default person)" if someone.id == store.default(made=False).id else ""
    click.echo(f"{plainly(someone.name)}{default}")
    click.echo(_usual_line(someone, preferences(someone).said))


def _usual_line(someone: Person, said: str) -> str:
    if not said:
        return f"{plainly(someone.name)} has no usual choices: each session starts from the defaults."
    return f"{whose(someone)} usual: {plainly(said)}."
