"""What a pack's folder holds besides its tracks: a playlist, a large-print page to play them
from (it works offline, straight from the folder), and a printable version of that page.

The page fetches nothing from anywhere: its style and script are files beside it in the
pack's folder (the browser app serves the same two), and its content policy runs no script
and applies no style written inside the page, so a name or a note that somehow held markup
could never run. It is made from Jinja2 templates (templates/). The caregiver's safety
notes come before the tracks. Each card says what its track is for and how long it is, with
one large Play button; every track plays in one player along the bottom (seek bar, time left,
15 s back and forward, lock-screen keys), where a circle grows and shrinks with that track's
own breath schedule.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader

from companion.pack.model import Track, file_safe, write_file
from companion.printable import a4, paragraph

HERE = Path(__file__).resolve().parent  # templates/ and static/ beside this module
BESIDE = ("player.css", "player.js")  # the page's style and script, copied beside it
# 'self' where the folder is served, file: where it is opened from a disk, content: on Android
POLICY = (
    "default-src 'none'; script-src 'self' file: content:; style-src 'self' file: content:; "
    "media-src 'self' file: content:; img-src 'self' file: content:"
)

GUIDE_NOTE = "A circle grows as the tone rises (breathing in) and shrinks as it falls (breathing out)."
HONEST = (
    "These sessions may help you feel calmer or more comfortable. They are not a treatment; "
    "keep to the care your team gives."
)


def write_playlist(folder: Path, name: str, tracks: list[Track], entries: list[dict[str, Any]]) -> Path:
    """An extended M3U in UTF-8 (.m3u8), with paths relative to itself: it plays from any copy."""
    lines = ["#EXTM3U", f"#PLAYLIST:{name}"]
    for track, entry in zip(tracks, entries):
        lines += [f"#EXTINF:{round(entry['duration_s'])},{track.title}", track.file]
    return write_file(folder / f"{_file_name(name)}.m3u8", "\n".join(lines) + "\n")


def write_page(
    folder: Path,
    name: str,
    tracks: list[Track],
    entries: list[dict[str, Any]],
    stop_rule: str,
    safety_notes: str | None,
    printable: str,
    playlist: str,
) -> Path:
    # what the player needs of each track: its file, its name and its breaths (flat triples)
    cards = [card(i, t, e) for i, (t, e) in enumerate(zip(tracks, entries))]
    player = [
        {
            "src": quote(t.file),
            "label": card["label"],
            "breaths": [x for cycle in e["breaths"] for x in cycle],
            "captions": quote(e["captions"]) if e.get("captions") else None,  # the .vtt beside it
            "lines": e.get("lines", []),  # the same words, shown as they are spoken (a file page may not load a .vtt)
        }
        for t, e, card in zip(tracks, entries, cards)
    ]
    page = (
        _templates()
        .get_template("index.html")
        .render(
            name=name,
            stop_rule=stop_rule,
            cards=cards,
            notes=safety_notes,
            guide_note=GUIDE_NOTE,
            honest=HONEST,
            printable=quote(printable),
            playlist=quote(playlist),
            policy=POLICY,
            style=BESIDE[0],
            script=BESIDE[1],
            tracks=script_json(player),
        )
    )
    for name in BESIDE:
        write_file(folder / name, _static(name))
    return write_file(folder / "index.html", page)


@cache
def _templates() -> Environment:
    return Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=True, keep_trailing_newline=True)


@cache
def _static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")


def script_json(value: object) -> str:
    """JSON to put inside a <script> element: '<' escaped, so no text can close the element."""
    return json.dumps(value, separators=(",", ":")).replace("<", "\\u003c")


def card(i: int, track: Track, entry: dict[str, Any]) -> dict[str, Any]:
    """What a track's card shows (the page's, and the app's page of a pack)."""
    minutes = f"{track.minutes:g} minutes"
    return {
        "i": i,
        "n": i + 1,
        "number": track.number,
        "short": track.short,
        "purpose": track.purpose,
        "group": track.group,
        "minutes": minutes,
        "label": f"{track.short}, {minutes}",
        "chapters": [title for _, title in entry.get("chapters", [])],
        "notes": bool(entry.get("notes")),
    }


def write_printable(
    folder: Path,
    name: str,
    tracks: list[Track],
    entries: list[dict[str, Any]],
    stop_rule: str,
    safety_notes: str | None,
) -> Path:
    """The page on paper (A4, large type): the caregiver's safety notes first, then the
    tracks on a page of their own."""
    pdf = a4(name)
    paragraph(pdf, name, 26, bold=True, after=4)
    paragraph(pdf, "Choose a track, press play, and rest. You can stop at any time.", 16)
    paragraph(pdf, stop_rule, 16, bold=True, after=6)
    if safety_notes is not None:  # read before the tracks they concern
        title, _, body = safety_notes.partition("\n")
        paragraph(pdf, title, 20, bold=True)
        paragraph(pdf, body.strip(), 15)
        pdf.add_page()
    for track, entry in zip(tracks, entries):
        paragraph(
            pdf, f"{track.number}. {track.short}  ({track.group}, {track.minutes:g} minutes)", 18, bold=True, after=1
        )
        paragraph(pdf, track.purpose, 15, after=1)
        parts = ", ".join(title for _, title in entry.get("chapters", []))
        paragraph(pdf, f"Parts: {parts}\nFile: {track.file}", 12, after=5)
    paragraph(pdf, HONEST, 12)
    return write_file(folder / f"{_file_name(name)} - to print.pdf", bytes(pdf.output()))


def _file_name(name: str) -> str:
    return file_safe(name)
