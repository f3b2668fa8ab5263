"""A home listening pack: ready, tagged tracks in one folder that can be copied to a phone,
a tablet or a simple player, with a playlist and a large-print page to play them from.

What goes in is one table (choose_tracks); each track is rendered through the library API
(make_session, render), several at once in separate processes. A manifest in the folder
records, for each finished track, a hash of everything its sound depends on, its tags and
a hash of its content, so a second run makes only what is missing or changed (re-tagging
what only needs new tags), and an interrupted run keeps every track it finished.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, replace
from functools import cache
from pathlib import Path
from typing import Any

from companion.atomic import DISK_FULL, PARTIAL_SUFFIX, write_failed
from companion.errors import BadInput, Interrupted
from companion.modes import CAREGIVER, MASSAGE, RELAX
from companion.options import SessionOptions, check_argument, check_callable, check_path, user_path
from companion.output.tags import ARTIST
from companion.pack.model import (
    FORMATS,
    Manifest,
    PackOptions,
    PackResult,
    Progress,
    Track,
    check_name,
    file_safe,
    write_file,
)
from companion.pack.page import write_page, write_playlist, write_printable
from companion.pack.render import render_tracks, retag_track, stop_heard
from companion.pack.unrecorded import unrecorded_notice, unrecorded_tracks
from companion.paths import PACKAGE
from companion.pictures.draw import draw_cover
from companion.plan.catalogue import resolve_script, script_for_group
from companion.plan.checkin import ENERGY_WORDS
from companion.plan.profile import Energy, default_minutes, parse_energy
from companion.plan.scripts import Script
from companion.process import while_heard
from companion.safety import SAFETY_SCREEN, confirm_safety
from companion.session import STOP_RULE, Notice, check_options
from companion.voice.models import resolve_voice
from companion.voice.pronounce import load_fixups
from companion.voice.recorded import RecordedVoice

SLEEP_MINUTES = 20.0  # long enough to fall asleep to; the sleep script fades slowly into quiet

# The default pack: for each energy level, the scripts that suit it at that level's length.
DEFAULT_SCRIPTS: dict[Energy, tuple[str, ...]] = {
    Energy.LOW: ("settling",),
    Energy.MEDIUM: ("body-scan", "after-massage"),
    Energy.HIGH: ("calm-place", "gratitude"),
}
BREATHING_EASY, SLEEP = script_for_group("breathing").name, script_for_group("sleep").name


def choose_tracks(opts: PackOptions) -> list[Track]:
    """The pack's tracks in order: each energy level's scripts (the breathing-easy track with
    the gentlest level chosen), then sleep, then the therapist's and the caregiver's tracks."""
    if opts.format not in FORMATS:
        raise BadInput(
            f"unknown format '{opts.format}'; use {', '.join(FORMATS)}",
            field="format",
            value=opts.format,
            allowed=FORMATS,
        )
    energies = sorted({parse_energy(e, "energies") for e in opts.energies}, key=list(Energy).index)
    if not energies:
        raise BadInput(
            "name at least one energy level, e.g. low and medium",
            field="energies",
            value=opts.energies,
            allowed=tuple(e.value for e in Energy),
        )
    rows: list[tuple[str, str, SessionOptions]] = []  # (group, script, options)
    gentlest = energies[0]
    for energy in energies:
        group = ENERGY_WORDS[energy]  # as the check-in says it: "Some energy"
        minutes = default_minutes(RELAX, energy)
        names = _named_scripts(opts.scripts, energy) if opts.scripts else DEFAULT_SCRIPTS[energy]
        if opts.scripts is None and energy is gentlest:
            names = names + (BREATHING_EASY,)
        for name in names:
            length = SLEEP_MINUTES if name == SLEEP else minutes
            rows.append((group, name, _relax(energy, name, length)))
    if opts.scripts is None:
        rows.append(("Sleep", SLEEP, _relax(gentlest, SLEEP, SLEEP_MINUTES)))
    if opts.massage:
        rows.append(
            ("Massage", "therapist", SessionOptions(mode=MASSAGE.name, minutes=default_minutes(MASSAGE, gentlest)))
        )
    if opts.caregiver:
        for part in CAREGIVER.parts:
            options = SessionOptions(
                mode=CAREGIVER.name, part=part.name, minutes=default_minutes(CAREGIVER, gentlest, part)
            )
            rows.append(("Caregiver", part.script, options))
    if not rows:
        raise BadInput(
            "none of the scripts named is written for the energy levels chosen", field="scripts", value=opts.scripts
        )
    tracks = []
    for number, (group, name, plain) in enumerate(rows, start=1):
        options = _in_voice(plain, opts.voice, opts.voices_folder)
        short, purpose = _about(name, options)
        # two digits always: adding tracks to a pack never renames the ones it has
        named = file_safe(short)  # a name that begins with its group says it once: "Massage - welcome..."
        named = named if named.startswith(f"{group} - ") else f"{group} - {named}"
        file = f"{number:02d} {named} - {options.minutes:g} min.{opts.format}"
        tracks.append(Track(number, group, short, purpose, options, file))
    return tracks


def _relax(energy: Energy, script: str, minutes: float) -> SessionOptions:
    return SessionOptions(energy=energy.value, script=script, minutes=minutes, breathless=script == BREATHING_EASY)


def _in_voice(options: SessionOptions, voice: str | None, voices_folder: Path | None) -> SessionOptions:
    """A track in the pack's voice: a recorded voice's missing phrases said by the bundled one."""
    if voice is None:
        return options
    recorded = RecordedVoice.known(voice, voices_folder)
    return replace(options, voice=voice, fill_with_tts=recorded, voices_folder=voices_folder if recorded else None)


def voice_identity(voice: str | None, voices_folder: Path | None = None) -> str:
    """The identity of a track's voice: a recorded voice's takes (and the bundled voice that
    fills in), else the Piper voice's."""
    if voice is not None and RecordedVoice.known(voice, voices_folder):
        return f"{RecordedVoice(voice, voices_folder).identity()}+{resolve_voice(None).identity}"
    return resolve_voice(voice).identity


def _named_scripts(names: tuple[str, ...], energy: Energy) -> tuple[str, ...]:
    """The scripts named that are written for this energy level (relax scripts only)."""
    chosen = []
    for name in names:
        try:
            script = resolve_script(name, energy)
        except BadInput as exc:  # the pack's own field: its scripts
            raise BadInput(exc.message, field="scripts", value=name, allowed=exc.allowed) from None
        if "relax" not in script.modes:
            owner = "massage" if "massage" in script.modes else "caregiver"
            raise BadInput(
                f"'{name}' is not a script to listen to alone; its track comes with the {owner} tracks",
                field="scripts",
                value=name,
                allowed=(owner,),
            )
        if energy.value in script.energies:
            chosen.append(name)
    return tuple(chosen)


def _about(name: str, options: SessionOptions) -> tuple[str, str]:
    """A track's name on its card and in its file name, and what it is for: the catalogue's."""
    script = resolve_script(name, parse_energy(options.energy))
    return script.short, script.purpose


def sound_hash(track: Track, script: Script, fmt: str) -> str:
    """Everything a track's sound depends on: the program, its options, its script's text, the
    voice and its pronunciations, and the format. The same hash means the same sound; its tags
    (album, number, total) are kept apart, so a change of those only re-tags the file."""
    voice = voice_identity(track.options.voice, track.options.voices_folder)
    fixups = [asdict(f) for f in load_fixups()]
    blob = {
        "program": program_hash(),
        "options": {k: v for k, v in asdict(track.options).items() if k != "voices_folder"},  # the takes count
        "script": hashlib.sha256(Path(script.path).read_bytes()).hexdigest(),
        "voice": voice,
        "pronunciations": fixups,
        "format": fmt,
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True, default=str).encode()).hexdigest()


def tags_for(track: Track, album: str, total: int) -> list[Any]:
    return [album, track.title, track.number, total, track.purpose]


@cache
def program_hash() -> str:
    """The program's own source: a new version may sound different, so its tracks are made again."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in (".py", ".txt") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def make_pack(
    folder: str | Path,
    opts: PackOptions | None = None,
    *,
    confirm: Callable[[str], bool] | None = None,
    notify: Callable[[Notice], None] | None = None,
    progress: Progress | None = None,
) -> PackResult:
    """Make (or bring up to date) a pack in `folder`. Everything is checked before anything is
    made; the caregiver tracks need their safety notes confirmed (`confirm(notes)`, or
    opts.safety_confirmed). `notify(notice)` hears, before anything is written, which phrases a
    recorded voice lacks. `progress(done, total)` hears how far the renders are."""
    check_path("folder", folder)
    check_argument("opts", opts, opts is None or isinstance(opts, PackOptions), "PackOptions or None")
    check_callable("confirm", confirm)
    check_callable("notify", notify)
    check_callable("progress", progress)
    opts = opts or PackOptions()
    name = check_name(opts.name)
    folder = user_path(folder, "folder")
    tracks = choose_tracks(opts)
    # every track checked (a script that cannot fit is refused) before anything is made
    scripts = {t.file: check_options(t.options)[1] for t in tracks}
    if opts.caregiver:
        confirm_safety(opts.safety_confirmed, confirm)
    tracks = [_confirmed(t) for t in tracks]
    lacking = unrecorded_tracks(opts.voice, tracks, opts.voices_folder) if notify is not None else []
    if notify is not None and (notice := unrecorded_notice(str(opts.voice), lacking)):
        notify(notice)
    made = _prepare(folder)
    try:
        return _make(folder, opts, name, tracks, scripts, progress)
    except BaseException:
        if made is not None and not any(p.suffix.lstrip(".") in FORMATS for p in folder.iterdir()):
            shutil.rmtree(made, ignore_errors=True)  # the folders this run made, with no track in them
        raise


def _make(
    folder: Path,
    opts: PackOptions,
    name: str,
    tracks: list[Track],
    scripts: dict[str, Script],
    progress: Progress | None,
) -> PackResult:
    manifest = Manifest.load(folder)
    notes = []
    if manifest.set_aside is not None:
        notes.append(
            f"The pack's record was damaged; it is kept as '{manifest.set_aside.name}' and made anew, "
            "so every track is checked again."
        )
    _remove_partials(folder, {t.file for t in tracks} | set(manifest.tracks) | set(manifest.earlier))
    sounds = {t.file: sound_hash(t, scripts[t.file], opts.format) for t in tracks}
    tags = {t.file: tags_for(t, name, len(tracks)) for t in tracks}
    retag: list[tuple[Track, str]] = []
    todo: list[Track] = []
    for t in tracks:
        entry = manifest.intact(t.file, sounds[t.file])
        if entry is not None:
            if entry["tags"] != tags[t.file]:
                retag.append((t, t.file))  # the sound is right: only its tags change
        elif (source := manifest.same_sound(sounds[t.file], t.file)) is not None:
            retag.append((t, source))  # the same sound under another name: copied and re-tagged
        else:
            todo.append(t)
    # matplotlib loaded and a cover drawn take seconds on a busy machine: a stop is heard meanwhile
    cover = while_heard(draw_cover, (name, ARTIST), lambda: stop_heard(progress, len(todo)))
    write_file(folder / "cover.png", cover)
    before = {t.file: _identity(folder / t.file) for t in todo}
    try:
        for track, source in retag:
            entry = retag_track(folder, source, track, manifest.tracks[source], tags[track.file], cover)
            manifest.tracks[track.file] = entry
            manifest.save()
        render_tracks(folder, todo, name, len(tracks), cover, manifest, sounds, tags, opts.jobs, progress)
    except KeyboardInterrupt:
        _remove_unlisted(folder, todo, before, manifest, sounds)
        finished = sum(t.file in manifest.tracks and manifest.tracks[t.file]["sound"] == sounds[t.file] for t in tracks)
        said = f"the {finished} finished track{'s are' if finished != 1 else ' is'} kept" if finished else ""
        raise Interrupted(
            f"interrupted; {said or 'none was finished'} and nothing half-made is left: "
            "run the same command again to make the rest"
        ) from None
    # only now, with every track complete, do the ones this pack no longer has go
    removed = _remove_stale(folder, manifest, {t.file for t in tracks})
    entries = [manifest.tracks[t.file] for t in tracks]
    safety = SAFETY_SCREEN if opts.caregiver else None
    playlist = write_playlist(folder, name, tracks, entries)
    printable = write_printable(folder, name, tracks, entries, STOP_RULE, safety)
    page = write_page(folder, name, tracks, entries, STOP_RULE, safety, printable.name, playlist.name)
    made = [t.file for t in todo]
    return PackResult(
        folder,
        tracks,
        made,
        [t.file for t in tracks if t.file not in made],
        removed,
        page,
        playlist,
        printable,
        retagged=[t.file for t, _ in retag],
        notes=notes,
    )


def _confirmed(track: Track) -> Track:
    if track.options.mode != CAREGIVER.name:
        return track
    return replace(track, options=replace(track.options, safety_confirmed=True))


def _prepare(folder: Path) -> Path | None:
    """The pack's folder, made if need be; the outermost folder this run made, if any."""
    try:
        missing = [f for f in (folder, *folder.parents) if not f.exists()]
        if not missing and not folder.is_dir():
            raise BadInput(f"'{folder}' is a file; give a folder for the pack", field="folder", value=str(folder))
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if exc.errno in DISK_FULL:
            raise write_failed(exc, folder, "nothing was made") from None
        raise BadInput(
            f"cannot make the folder '{folder}' ({exc.strerror}); choose another place",
            field="folder",
            value=str(folder),
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(
            f"cannot write in the folder '{folder}'; choose a folder you can write to",
            field="folder",
            value=str(folder),
        )
    return missing[-1] if missing else None


def _identity(path: Path) -> tuple[int, int] | None:
    """Which file is at `path` (a finished track is put in place by a rename: a new inode)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _remove_unlisted(
    folder: Path,
    todo: list[Track],
    before: dict[str, tuple[int, int] | None],
    manifest: Manifest,
    sounds: dict[str, str],
) -> None:
    """A signal can land after a track is put in place but before it is listed: interrupted
    means not made, so a file this run put there unlisted goes again (the next run makes it),
    and every track in the folder stays one the record lists."""
    for t in todo:
        listed = manifest.tracks.get(t.file, {}).get("sound") == sounds[t.file]
        if not listed and _identity(folder / t.file) not in (None, before[t.file]):
            (folder / t.file).unlink(missing_ok=True)
            for beside, key in ((".txt", "notes"), (".vtt", "captions")):
                extra = folder / Path(t.file).with_suffix(beside)
                if extra.exists() and extra.name not in {e.get(key) for e in manifest.tracks.values()}:
                    extra.unlink()


def _remove_partials(folder: Path, files: set[str]) -> None:
    """What a run that was killed outright left half-written (a hidden temporary file)."""
    for file in files:
        stem = Path(file).stem[:64]
        for partial in folder.glob(f".{glob.escape(stem)}.*{PARTIAL_SUFFIX}"):
            partial.unlink(missing_ok=True)


def _remove_stale(folder: Path, manifest: Manifest, wanted: set[str]) -> list[str]:
    """Tracks an earlier run made that this pack no longer has (only files a record lists)."""
    removed = []
    for file in sorted((set(manifest.tracks) | set(manifest.earlier)) - wanted):
        entry = manifest.tracks.pop(file, None)
        notes = entry["notes"] if entry is not None else manifest.earlier.get(file)
        words = entry.get("captions") if entry is not None else None
        manifest.earlier.pop(file, None)
        for name in (file, notes, words):
            if name and Path(name).name == name:  # never a path outside the folder
                try:
                    (folder / name).unlink(missing_ok=True)
                except OSError:
                    pass
        removed.append(file)
    if removed:
        manifest.save()
    return removed
