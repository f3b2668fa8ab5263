"""`companion pack`: a folder of ready tracks for a phone, a tablet or a simple player."""

from __future__ import annotations

import re
from pathlib import Path

import click

from companion import DEFAULT_PACK_NAME as DEFAULT_NAME
from companion import PACK_FORMATS as FORMATS
from companion import PackOptions, counted, make_pack
from companion.cli.common import ask_to_confirm, show_notice
from companion.cli.options import UserPath
from companion.cli.people import person
from companion.cli.progress import ProgressBar
from companion.cli.usual import from_usual


def _words(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(w for w in re.split(r"[\s,]+", text) if w)


@click.command()
@click.argument("out_dir", type=UserPath(), metavar="OUT_DIR")
@click.option(
    "--name", default=DEFAULT_NAME, show_default=True, help="The album name on every track and the page's title."
)
@click.option(
    "--energies",
    default="low,medium,high",
    show_default=True,
    metavar="LEVELS",
    help="Energy levels to make tracks for, each at its own length (6, 12, 20 minutes).",
)
@click.option(
    "--scripts",
    default=None,
    metavar="NAME,...",
    help="Only these scripts, at each energy level (default: a chosen set, a sleep and a breathing-easy track).",
)
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="mp3", show_default=True, help="The tracks' format."
)
@click.option("--jobs", type=int, default=None, help="Tracks made at once (default: one per core).")
@click.option("--massage", is_flag=True, help="Add a 60-minute therapist's track for the massage table.")
@click.option(
    "--caregiver", is_flag=True, help="Add the caregiver's hand and foot massage tracks (safety notes first)."
)
@click.option(
    "--voice",
    metavar="NAME|FILE",
    default=None,
    help="'joe' (bundled, default), a recorded voice (the bundled voice says what it lacks) or a Piper .onnx file.",
)
@click.option("--yes", is_flag=True, help="Caregiver: confirm you have read the safety notes.")
def pack(
    out_dir: Path,
    name: str,
    energies: str,
    scripts: str | None,
    fmt: str,
    jobs: int | None,
    massage: bool,
    caregiver: bool,
    voice: str | None,
    yes: bool,
) -> None:
    """Make a folder of ready tracks to copy to a phone, a tablet or a player: tagged, with
    chapters, a playlist, and a large-print page (index.html) to play them from.

    Run it again after a change, or after stopping it: only what is missing or changed is made.

    \b
    Examples:
      companion pack ~/Music/comfort
      companion pack ~/Music/comfort --caregiver --massage
      companion pack ~/Music/rest --energies low --format ogg
    """
    voice = from_usual({"voice": voice}, names=("voice",)).voice or voice  # the person's usual voice, if any
    options = PackOptions(
        name=name,
        energies=_words(energies) or (),
        scripts=_words(scripts),
        format=fmt,
        massage=massage,
        caregiver=caregiver,
        jobs=jobs,
        voice=voice,
        voices_folder=person(made=False).voices_folder if voice is not None else None,
    )
    with ProgressBar("Making the pack", "tracks", time_left=True) as progress:
        # a recorded voice's missing phrases are named before anything is written
        result = make_pack(out_dir, options, confirm=ask_to_confirm(yes), notify=show_notice, progress=progress)
    for note in result.notes:
        click.echo(f"Note: {note}", err=True)
    made, kept, retagged = len(result.made), len(result.kept), len(result.retagged)
    done = f"Made {counted(made, 'track')}" + (f", kept {kept} already made" if kept else "")
    if retagged:
        done += f" ({retagged} with new tags or a new name, not made again)"
    click.echo(f"{done}, in {result.folder}.")
    for file in result.removed:
        click.echo(f"Removed '{file}', which the pack no longer has under that name.")
    click.echo(f"Open {result.page.name} there to play them, or copy the folder to a phone or player.")
