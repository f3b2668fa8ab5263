"""The command reference in docs/cli.md, made from the command tree itself (every command,
argument and option, with the help, ranges and defaults the code states), so it cannot go
stale: tests/fast/test_docs.py checks the page holds exactly this.

    .venv/bin/python -m tests.docs_reference    # writes it into docs/cli.md
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click

from companion.cli.main import cli

PAGE = Path(__file__).resolve().parents[1] / "docs" / "cli.md"
START, END = "<!-- commands: made by tests/docs_reference.py -->", "<!-- end of commands -->"
SHARED_BY = ("plan", "render", "play")  # the session options, listed once for these


def commands(group: click.Group = cli, path: tuple[str, ...] = ("companion",)) -> Iterator[tuple[str, click.Command]]:
    """Every command a person can run, by its full name, in the order `--help` lists them."""
    ctx = click.Context(group, info_name=path[-1])
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))
        else:
            yield " ".join((*path, name)), command


def _options(command: click.Command, ctx: click.Context, leave_out: set[str]) -> str:
    rows = [
        record
        for param in command.get_params(ctx)  # arguments are in the usage line; every command takes --help
        if isinstance(param, click.Option)
        and param.name not in leave_out
        and param is not command.get_help_option(ctx)
        and (record := param.get_help_record(ctx)) is not None
    ]
    if not rows:
        return ""
    formatter = click.HelpFormatter(width=100)
    with formatter.indentation():
        formatter.write_dl(rows, col_max=34)
    return formatter.getvalue()


def session_option_names() -> set[str]:
    named = [{p.name for p in command.params} for name, command in commands() if name.split()[-1] in SHARED_BY]
    return set.intersection(*named) - {"help"}


def reference() -> str:
    shared = session_option_names()
    parts = []
    for name, command in commands():
        ctx = click.Context(command, info_name=name)
        usage = " ".join([name, *command.collect_usage_pieces(ctx)])
        mine = shared if name.split()[-1] in SHARED_BY else set()
        more = " [SESSION OPTIONS]" if mine else ""
        entry = f"{usage}{more}\n    {command.get_short_help_str(96)}\n{_options(command, ctx, mine)}"
        parts.append(entry.rstrip() + "\n")
    any_shared = next(command for name, command in commands() if name.split()[-1] == SHARED_BY[0])
    ctx = click.Context(any_shared, info_name="companion")
    kept = {p.name for p in any_shared.params} - shared
    parts.append(f"SESSION OPTIONS ({', '.join(SHARED_BY)})\n{_options(any_shared, ctx, kept)}")
    return "```\n" + "\n".join(parts).rstrip() + "\n```"


def written(page: str) -> str:
    """The page's reference block as it stands."""
    return page[page.index(START) + len(START) : page.index(END)].strip()


def main() -> None:
    page = PAGE.read_text(encoding="utf-8")
    before, after = page[: page.index(START) + len(START)], page[page.index(END) :]
    PAGE.write_text(f"{before}\n{reference()}\n{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
