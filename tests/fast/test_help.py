"""Every command explains itself: a help text with an example, shown by --help."""

from __future__ import annotations

import click

from companion.cli.main import cli
from tests.helpers import run_main


def walk(command: click.Command, path=()):
    yield path, command
    if isinstance(command, click.Group):
        for name in command.list_commands(click.Context(command)):
            sub = command.get_command(click.Context(command), name)
            assert sub is not None, name
            yield from walk(sub, path + (name,))


def test_every_command_has_help_and_an_example():
    for path, command in walk(cli):
        assert command.help and command.help.strip(), path
        if not isinstance(command, click.Group) or not path:
            result = run_main(*path, "--help")
            assert result.returncode == 0 and "Usage:" in result.stdout, path
        if path and not isinstance(command, click.Group):
            assert "Example" in command.help, path
