"""Many listeners (issue 33): `companion people list | add | rename | remove | export`, and
whose data a command reads and writes (the global --person, else the default person)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from companion import BadInput, People, Person, check_writable, export_person
from companion.cli.asking import confirmed
from companion.cli.options import UserPath, plainly


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
