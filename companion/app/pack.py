"""The Pack page: a home pack made as `companion pack` makes it (its progress shown calmly),
then handed over as one .zip to copy to a phone, a tablet or a USB stick."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from companion import DEFAULT_PACK_NAME as DEFAULT_NAME
from companion import (
    OWNER_ONLY_DIR,
    SAFETY_SCREEN,
    BadInput,
    PackOptions,
    choose_tracks,
    file_safe,
    make_pack,
    script_json,
    written_atomically,
)
from companion import PACK_FORMATS as FORMATS
from companion import PackManifest as Manifest
from companion import pack_card as card
from companion import recorded_voices as list_voices
from companion.app.jobs import Job
from companion.app.room import MB, NoRoom
from companion.app.sessions import made_here
from companion.app.unrecorded import unrecorded_before_packing
from companion.app.web import (
    ENERGIES,
    PACK_DEFAULTS,
    AppState,
    Made,
    NotHere,
    back_to,
    chosen,
    page,
    state_of,
    who_asks,
    words,
)
from companion.app.whose import person_of

BYTES_PER_S = {"mp3": 24_000, "ogg": 20_000, "opus": 12_000, "flac": 110_000}  # stereo, above what each gives
FORMAT_WORDS = {"mp3": "MP3 (any phone)", "ogg": "Ogg", "opus": "Opus (smallest)", "flac": "FLAC (lossless)"}


def _shown(state: AppState, request: Request, **more: Any) -> dict[str, Any]:
    formats = [(f, FORMAT_WORDS[f]) for f in FORMATS]
    return {
        "voices": [
            v.name for v in list_voices(person_of(request).voices_folder)
        ],  # a loved one's recorded voices, as Listen offers them
        "energies": ENERGIES,
        "formats": formats,
        "default_name": DEFAULT_NAME,
        "confirmed": state.safety_confirmed,
        **more,
    }


async def pack(request: Request) -> Response:
    state = state_of(request)
    if request.method == "GET":
        return page(request, "pack.html", **_shown(state, request))
    form = await request.form()
    try:
        energies = tuple(e for e in form.getlist("energy") if isinstance(e, str))
        known = tuple(e for e, _ in ENERGIES)
        if not energies or not set(energies) <= set(known):
            raise BadInput("choose at least one energy level for the pack", field="energies", value=energies)
        opts = PackOptions(
            name=str(form.get("name") or "").strip() or DEFAULT_NAME,
            energies=energies,
            format=chosen(form, "format", FORMATS) or PACK_DEFAULTS.format,
            massage=form.get("massage") == "yes",
            caregiver=form.get("caregiver") == "yes",
            voice=chosen(form, "voice", tuple(v.name for v in list_voices(person_of(request).voices_folder))),
            voices_folder=person_of(request).voices_folder,  # a recorded voice is the person's own
        )
        if opts.caregiver and not state.safety_confirmed:
            raise BadInput("read and confirm the safety notes on the Caregiver page first; nothing was made")
        # issue 30: a recorded voice's missing phrases are named before the pack is made
        missing = unrecorded_before_packing(opts) if form.get("anyway") != "yes" else None
    except BadInput as exc:
        return page(request, "pack.html", 400, error=words(exc), **_shown(state, request))
    if missing is not None:
        fields = [(k, str(v)) for k, v in form.multi_items() if isinstance(v, str)]
        return page(request, "pack-unrecorded.html", missing=missing, fields=fields)

    def work(job: Job) -> None:
        folder = _folder(made)
        result = make_pack(
            folder,
            opts,
            confirm=lambda notes: state.safety_confirmed,  # the library's rule, relayed
            progress=lambda done, total: job.progress(done, total, "Making the tracks"),
        )
        entries = Manifest.load(result.folder).tracks
        for i, track in enumerate(result.tracks):
            entry = entries[track.file]
            flat = [x for cycle in entry["breaths"] for x in cycle]
            made.cards.append({**card(i, track, entry), "file": track.file, "breaths": flat, **_words(entry)})
        job.progress(1, 1, "Putting them in one file")
        _zip(result.folder, made.path, job)

    job = state.jobs.new("pack")
    # the .zip and the folder inside it named after the pack: two packs unpack side by side
    made = Made(job, f"{file_safe(opts.name)}.zip", state.work / job.id / "download.zip")
    made.path.parent.mkdir(mode=OWNER_ONLY_DIR)
    try:
        if state.start(job, work, who_asks(request), "pack", _pack_bytes(opts), made.path.parent):
            made.replaced = (
                "Your earlier pack was still being made on this device; it has stopped, and this one takes its place."
            )
    except NoRoom as exc:
        return page(request, "pack.html", 503, error=words(exc), **_shown(state, request))
    state.made[job.id] = made
    return back_to(f"/file/{job.id}")


def _folder(made: Made) -> Path:
    """Where the pack's tracks are made: a folder named as the pack (the .zip's one folder)."""
    return made.path.parent / "tracks" / made.name.removesuffix(".zip")


def _pack_bytes(opts: PackOptions) -> int:
    """About what the pack takes on disk: its tracks, and the .zip of them beside."""
    seconds = sum(t.options.minutes or 0 for t in choose_tracks(opts)) * 60
    return 2 * int(seconds * BYTES_PER_S[opts.format]) + 4 * MB


def _zip(folder: Path, path: Path, job: Job) -> None:
    """The pack's folder as one .zip, a megabyte at a time, its room checked as it grows."""
    with written_atomically(path, private=True) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(p for p in folder.rglob("*") if p.is_file()):
            name = f"{folder.name}/{file.relative_to(folder).as_posix()}"
            with open(file, "rb") as source, archive.open(name, "w") as into:
                while chunk := source.read(1 << 20):
                    into.write(chunk)
                    job.progress(1, 1)


async def play_here(request: Request) -> Response:
    """A pack's tracks in this browser (a phone's too), with the one player."""
    made = made_here(request)
    if made.job.state != "done" or not made.cards:
        raise NotHere("not made")
    job = made.job.id
    tracks = [
        {"src": f"/pack/{job}/track/{c['i']}", "label": c["label"], "breaths": c["breaths"], **_page_words(job, c)}
        for c in made.cards
    ]
    notes = SAFETY_SCREEN if any(c["notes"] for c in made.cards) else None
    return page(request, "pack-play.html", made=made, cards=made.cards, tracks=script_json(tracks), notes=notes)


async def track(request: Request) -> Response:
    made = made_here(request)
    i = request.path_params["i"]
    if made.job.state != "done" or not 0 <= i < len(made.cards):
        raise NotHere("no such track")
    return FileResponse(_folder(made) / made.cards[i]["file"])  # with range requests


# -- issue 30: a pack's words, as the audio's captions and line by line in the page ---------
def _words(entry: dict[str, Any]) -> dict[str, Any]:
    return {"captions": entry.get("captions"), "lines": entry.get("lines", [])}


def _page_words(job: str, card: dict[str, Any]) -> dict[str, Any]:
    src = f"/pack/{job}/captions/{card['i']}" if card.get("captions") else None
    return {"captions": src, "lines": card.get("lines", [])}


async def captions(request: Request) -> Response:
    """A track's .vtt, for the page's <track kind="captions">."""
    made = made_here(request)
    i = request.path_params["i"]
    if made.job.state != "done" or not 0 <= i < len(made.cards) or not made.cards[i].get("captions"):
        raise NotHere("no such captions")
    return FileResponse(_folder(made) / made.cards[i]["captions"], media_type="text/vtt")
