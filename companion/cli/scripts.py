"""The script library: scripts list, show and check."""

from __future__ import annotations

import json
from pathlib import Path

import click

from companion import ScriptEntry as Entry
from companion import builtin_script, builtin_scripts, claim_warnings, load_script
from companion.cli.options import UserPath


@click.group()
def scripts() -> None:
    """The narration script library and a validator."""


@scripts.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
def scripts_list(as_json: bool) -> None:
    """List the built-in scripts.

    \b
    Example:
      companion scripts list
    """
    items = builtin_scripts()
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "title": s.title,
                        "short": s.short,
                        "summary": s.summary,
                        "purpose": s.purpose,
                        "group": s.group,
                        "energies": list(s.energies),
                        "modes": list(s.modes),
                    }
                    for s in items
                ],
                indent=1,
            )
        )
        return
    width = max(len(s.name) for s in items)
    click.echo(f"{'name':<{width}}  {'group':<13}  {'energies':<16}  title")
    for s in items:
        click.echo(f"{s.name:<{width}}  {s.group:<13}  {' '.join(s.energies):<16}  {s.title}")
        if s.summary:
            click.echo(f"{'':<{width}}  {s.summary}")


@scripts.command("show")
@click.argument("name")
def scripts_show(name: str) -> None:
    """Print a built-in script's text.

    \b
    Example:
      companion scripts show settling
    """
    click.echo(Path(builtin_script(name).path).read_text(encoding="utf-8"), nl=False)


@scripts.command("check")
@click.argument("file", type=UserPath())
def scripts_check(file: Path) -> None:
    """Check a script file for mistakes (errors name the line).

    \b
    Example:
      companion scripts check my-script.txt
    """
    script = load_script(file)
    for warning in claim_warnings(script):
        click.echo(f"warning: {warning}", err=True)
    spoken = sum(isinstance(i, Entry) for i in script.items)
    click.echo(
        f"{file}: OK: '{script.title}', {len(script.sections)} section(s), {spoken} spoken line(s), "
        f"energies {' '.join(script.energies)}"
    )
