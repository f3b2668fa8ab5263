"""`companion voice ...`: a familiar voice, from recordings made elsewhere (a phone's voice memos)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import click

from companion import RECORDING_CONSENT as CONSENT
from companion import RECORDING_RATE as RATE
from companion import (
    SAMPLE_RATE,
    BadInput,
    Energy,
    RecordedVoice,
    add_voice,
    added_voice_path,
    counted,
    import_takes,
    level_bar,
    list_added_voices,
    numbered_files,
    personalise,
    play_back,
    resolve_script,
    script_phrases,
    take_for,
)
from companion import check_spoken_name as check_name
from companion import record_take as record
from companion import recorded_voices as list_voices
from companion.cli.asking import can_ask, confirmed, heading, keys_mode, wait_for
from companion.cli.options import UserPath, plainly
from companion.cli.people import person, whose


@click.group()
def voice() -> None:
    """A familiar voice: a person's own recordings, spoken in place of the synthetic voice.

    \b
    Examples:
      companion voice phrases settling > to-record.txt
      companion voice import mum ./memos --script settling
      companion play --energy low --voice mum
    """


@voice.command("phrases")
@click.argument("script")
@click.option("--name", "listener", default=None, help="The listener's name, for lines that greet them by name.")
@click.option(
    "--energy",
    type=click.Choice([e.value for e in Energy]),
    default=None,
    help="Only the phrases a session at this energy level speaks (the numbers stay the same).",
)
def voice_phrases(script: str, listener: str | None, energy: str | None) -> None:
    """Number the phrases of a script, to record one file each (001.m4a, 002.mp3, ...).

    Every energy level's phrases are numbered; --energy lists only those one level speaks
    (a tired listener's low-energy sessions need far fewer).

    \b
    Examples:
      companion voice phrases settling
      companion voice phrases settling --energy low
    """
    found = resolve_script(script, Energy.MEDIUM)
    name = check_name(listener)
    numbered = list(enumerate(script_phrases(found, name), start=1))
    if energy is not None:
        spoken = set(personalise(found, name).phrases_for(energy))
        numbered = [(n, t) for n, t in numbered if t in spoken]
    for number, text in numbered:
        click.echo(f"{number:03d}  {text}")
    everything = len(script_phrases(found, name))
    if energy is None:
        click.echo(
            f"{counted(everything, 'phrase')} for every energy level; "
            "--energy low lists what a low-energy session needs.",
            err=True,
        )
    else:
        click.echo(f"{len(numbered)} of the {counted(everything, 'phrase')} are spoken at {energy} energy.", err=True)


@voice.command("record")
@click.argument("name")
@click.option("--script", "script_name", required=True, metavar="NAME|FILE", help="The script to record.")
@click.option("--name", "listener", default=None, help="The listener's name, for lines that greet them by name.")
def voice_record(name: str, script_name: str, listener: str | None) -> None:
    """Record a script's phrases from the microphone, one at a time.

    Each phrase is shown in turn: Enter starts and stops the recording (a level shows
    while you speak), then r records it again, p plays it back, s skips it. Each take is
    kept at once; q stops for now, and the next time starts with what is missing.

    \b
    Example:
      companion voice record mum --script settling
    """
    if not can_ask():
        raise BadInput("recording needs a terminal, to show each phrase and take your keys")
    someone = person()
    recorded = RecordedVoice(name, someone.voices_folder)
    phrases = script_phrases(resolve_script(script_name, Energy.MEDIUM), check_name(listener))
    todo = [(i, phrases[i - 1]) for i in recorded.lacking(phrases)]
    if recorded.create():
        click.echo(CONSENT)
    click.echo(
        f"{len(todo)} of {counted(len(phrases), 'phrase')} to record for '{name}', one of {whose(someone)} voices."
    )
    with keys_mode():
        for number, text in todo:
            if not _record_phrase(recorded, number, len(phrases), text):
                break
    lacking = recorded.lacking(phrases)
    if lacking:
        shown = _numbers(lacking, 12)
        click.echo(f"Still to record: {shown}. Run the same command again to go on.")
    else:
        click.echo(f"Every phrase of {script_name} is recorded: use --voice {name}.")


def _record_phrase(recorded: RecordedVoice, number: int, total: int, text: str) -> bool:
    """One phrase, as often as needed; False when the person stops for now."""
    heading(f"Phrase {number} of {total}")
    click.secho(f"      {text}", bold=True)
    click.echo()
    while True:
        click.echo("  Enter: record    s: skip    q: stop for now")
        key = wait_for("\r\nsq")
        if key in "sq":
            return key == "s"
        click.echo("  Recording. Enter to stop.")
        stop = threading.Event()
        stopper = threading.Thread(target=_stop_on_enter, args=(stop,), daemon=True)
        stopper.start()
        raw = record(stop, on_level=lambda rms: click.echo(f"\r  {level_bar(rms)}", nl=False))
        stop.set()
        stopper.join()
        click.echo()
        take, problem = take_for(raw, RATE, text, SAMPLE_RATE)
        if take is None:
            click.echo(f"  Not kept: {problem}.")
            continue
        recorded.keep(text, take, SAMPLE_RATE)
        click.echo("  Kept.  Enter: next    p: play back    r: again    q: stop for now")
        while (key := wait_for("\r\npqr")) == "p":
            play_back(take, SAMPLE_RATE)
        if key != "r":
            return key != "q"


def _stop_on_enter(stop: threading.Event) -> None:
    wait_for("\r\n", stop)
    stop.set()


@voice.command("import")
@click.argument("name")
@click.argument("folder", type=UserPath())
@click.option("--script", "script_name", required=True, metavar="NAME|FILE", help="The script the files are for.")
@click.option("--map", "mapping", type=UserPath(), default=None, help="A CSV of 'file,number'.")
@click.option("--name", "listener", default=None, help="The listener's name, for lines that greet them by name.")
def voice_import(name: str, folder: Path, script_name: str, mapping: Path | None, listener: str | None) -> None:
    """Import recordings made elsewhere: one file per phrase (wav, flac, ogg, mp3, m4a).

    Files are named by the phrase's number in 'companion voice phrases SCRIPT' (001.m4a,
    002.mp3, ...) or listed in a CSV of 'file,number'. Each take is checked and cleaned;
    takes that need redoing are listed by phrase, and not kept.

    \b
    Example:
      companion voice import mum ./memos --script settling
    """
    someone = person()
    recorded = RecordedVoice(name, someone.voices_folder)
    phrases = script_phrases(resolve_script(script_name, Energy.MEDIUM), check_name(listener))
    files = numbered_files(folder, mapping)
    if recorded.create():
        click.echo(CONSENT)
    kept, problems = import_takes(recorded, files, phrases, SAMPLE_RATE)
    click.echo(f"Kept {kept} take(s) for '{name}', one of {whose(someone)} voices.")
    for p in problems:
        click.echo(f"  {p.number:03d} '{p.text}': {p.problem}")
    lacking = recorded.lacking(phrases)
    if lacking:
        shown = _numbers(lacking, 12)
        click.echo(f"Still to record for {script_name}: {shown}")
    if problems:
        raise BadInput(f"{len(problems)} take(s) need recording again (listed above)")


@voice.command("add")
@click.argument("path", type=UserPath())
@click.option("--name", default=None, help="The name to use with --voice (default: the file's name).")
def voice_add(path: Path, name: str | None) -> None:
    """Add any Piper voice (its .onnx file, with the .onnx.json beside it) by name.

    \b
    Example:
      companion voice add ~/Downloads/en_GB-alba-medium.onnx --name alba
    """
    added, spec = add_voice(path, name)
    click.echo(f"Added the Piper voice '{added}': use it with --voice {added}.")


@voice.command("list")
def voice_list() -> None:
    """The recorded voices on this machine, and the Piper voices added by name.

    \b
    Example:
      companion voice list
    """
    someone = person(made=False)
    found = list_voices(someone.voices_folder)
    if not found:
        click.echo(f"{plainly(someone.name)} has no recorded voices yet; see 'companion voice import --help'.")
    else:
        click.echo(f"{whose(someone)} recorded voices:")
    for v in found:
        click.echo(f"{v.name}  ({counted(v.takes(), 'take')})")
    for name in list_added_voices():
        click.echo(f"{name}  (a Piper voice)")


@voice.command("show")
@click.argument("name")
def voice_show(name: str) -> None:
    """What a recorded voice can say: for each built-in script, the phrases it still lacks.

    \b
    Example:
      companion voice show mum
    """
    from companion import builtin_scripts

    recorded = _existing(name)
    someone = person(made=False)
    click.echo(f"{recorded.name} ({whose(someone)}): {counted(recorded.takes(), 'take')}, in {recorded.folder}")
    for script in builtin_scripts():
        phrases = script_phrases(script)
        lacking = recorded.lacking(phrases)
        done = len(phrases) - len(lacking)
        if done:
            missing = _numbers(lacking, 10)
            click.echo(f"  {script.name}: {done} of {len(phrases)}" + (f"; missing {missing}" if lacking else ""))


@voice.command("remove")
@click.argument("name")
@click.option("--yes", is_flag=True, help="Do not ask to confirm.")
def voice_remove(name: str, yes: bool) -> None:
    """Delete a recorded voice and every take of it (or a Piper voice added by name).

    \b
    Example:
      companion voice remove mum
    """
    model = added_voice_path(name)
    someone = person(made=False)
    recorded = RecordedVoice(name, someone.voices_folder) if model is None else None
    if recorded is not None and not recorded.exists:
        raise BadInput(f"no voice named '{name}'; see 'companion voice list'")
    what = f"the voice '{name}'" + (
        f" and its {counted(recorded.takes(), 'take')}, one of {whose(someone)} voices" if recorded is not None else ""
    )
    if not confirmed(f"Delete {what}?", yes, f"delete {what}"):
        click.echo("Nothing was deleted.")
        return
    if recorded is not None:
        recorded.remove()
    elif model is not None:
        shutil.rmtree(model.parent)
    click.echo(f"Deleted the voice '{name}'.")


def _numbers(phrases: list[int], most: int) -> str:
    """Phrase numbers as 'voice phrases' prints them, the first `most` of them."""
    return ", ".join(f"{i:03d}" for i in phrases[:most]) + (" ..." if len(phrases) > most else "")


def _existing(name: str) -> RecordedVoice:
    recorded = RecordedVoice(name, person(made=False).voices_folder)
    if not recorded.exists:
        raise BadInput(f"no recorded voice named '{name}'; see 'companion voice list'")
    return recorded


@voice.command("prepare")
@click.option("--quiet", is_flag=True, help="Say nothing (for a background job).")
def voice_prepare(quiet: bool) -> None:
    """Make the bundled voice's phrases for every built-in script now, at low priority, so a
    session started later speaks at once. Takes a minute or two on a fresh machine; a
    session can play meanwhile.

    \b
    Example:
      companion voice prepare
    """
    from companion import prepare_voice

    if hasattr(os, "nice"):
        os.nice(10)  # a background chore: whatever else runs comes first
    if not quiet:
        click.echo("Preparing the voice for every built-in script…")
    made = prepare_voice()
    if not quiet:
        made_now = f"The voice is ready: {counted(made, 'phrase')} made now."
        click.echo(made_now if made else "The voice was ready already.")
