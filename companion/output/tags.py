"""Tags, a cover and chapter marks in every format we write (mutagen), so a phone's player
shows what a track is and can skip from one part of the script to the next.

MP3 and WAV carry ID3 (chapters as CHAP frames listed by one CTOC); Ogg Vorbis, Opus and
FLAC carry Vorbis comments (chapters as CHAPTERnnn / CHAPTERnnnNAME, the Xiph convention;
the cover as a METADATA_BLOCK_PICTURE, or FLAC's own picture block). Nothing here carries
a date or a version, so the same session gives the same bytes.
"""

from __future__ import annotations

import base64
import errno
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from companion.errors import BadInput
from companion.options import check_types
from companion.plan.model import SessionPlan

if TYPE_CHECKING:
    from mutagen.flac import Picture
    from mutagen.id3 import ID3
    from mutagen.id3._util import ID3SaveConfig

ARTIST = "companion"


MAX_CHAPTER_S = (2**32 - 1) / 1000  # ID3 keeps a chapter's times as 32-bit milliseconds


@dataclass(frozen=True)
class Chapter:
    start_s: float
    end_s: float
    title: str

    def __post_init__(self) -> None:
        check_types(self)  # a caller's own tags: refused where given, not deep in the tag writer
        for name in ("start_s", "end_s"):
            at = getattr(self, name)
            if not (math.isfinite(at) and 0 <= at <= MAX_CHAPTER_S):
                raise BadInput(
                    f"a chapter's times are 0 to {MAX_CHAPTER_S:.0f} seconds, not {at:g}",
                    field=name,
                    value=at,
                    allowed=(0, MAX_CHAPTER_S),
                )
        if self.end_s < self.start_s:
            raise BadInput(
                f"a chapter ends after it starts, not at {self.end_s:g} s before {self.start_s:g} s",
                field="end_s",
                value=self.end_s,
                allowed=(self.start_s, MAX_CHAPTER_S),
            )


@dataclass(frozen=True)
class TrackTags:
    title: str
    album: str
    artist: str = ARTIST
    track: int | None = None  # its number in a pack
    total: int | None = None
    comment: str = ""
    cover_png: bytes | None = None
    chapters: tuple[Chapter, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_types(self)


def chapters_of(plan: SessionPlan) -> tuple[Chapter, ...]:
    """A chapter at each section of the script, or on a therapist's track with regions, at
    each region (its welcome and closing words fall inside the first and last region); the
    first starts at 0 so a player can always skip back to the beginning."""
    sr = plan.sample_rate
    marks: dict[int, str] = {}
    if len(plan.profile.regions) > 1:
        for start, name in plan.regions:
            marks.setdefault(start, name.capitalize())
    else:
        for start, name in plan.sections:
            marks.setdefault(start, name)
    starts = sorted(marks)
    if not starts:
        return (Chapter(0.0, plan.duration_s, plan.script_title),)
    if starts[0] != 0:
        marks[0] = marks.pop(starts[0])  # the opening before the first words belongs to the first part
        starts = sorted(marks)
    ends = starts[1:] + [plan.total_samples]
    return tuple(Chapter(s / sr, e / sr, marks[s]) for s, e in zip(starts, ends))


def write_tags(path: Path, tags: TrackTags, suffix: str | None = None) -> None:
    """Tag a finished audio file in place (before it is renamed into view: see FileSink);
    `suffix` names the format when the file's own name does not (a temporary name)."""
    from mutagen import MutagenError

    suffix = (suffix or path.suffix).lower()
    try:
        if suffix in (".mp3", ".wav"):
            _write_id3(path, tags, wave=suffix == ".wav")
        elif suffix == ".flac":
            _write_flac(path, tags)
        else:
            _write_ogg(path, tags, opus=suffix == ".opus")
    except MutagenError as exc:  # it wraps the OSError (a full disk, say) that the caller explains
        cause = exc.__cause__ or exc.__context__
        raise cause if isinstance(cause, OSError) else OSError(errno.EIO, str(exc)) from None


def _write_id3(path: Path, tags: TrackTags, wave: bool) -> None:
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TIT2, TPE1, TRCK, CTOCFlags
    from mutagen.wave import WAVE

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TALB(encoding=3, text=tags.album))
    if tags.track is not None:
        id3.add(TRCK(encoding=3, text=f"{tags.track}/{tags.total}" if tags.total else str(tags.track)))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
    if tags.cover_png is not None:
        id3.add(APIC(encoding=3, mime="image/png", type=3, desc="Cover", data=tags.cover_png))
    ids = [f"chp{i:03d}" for i in range(len(tags.chapters))]  # frames are written in the order of their ids
    if tags.chapters:
        flags = CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED
        id3.add(CTOC(element_id="toc", flags=flags, child_element_ids=ids, sub_frames=[TIT2(text=tags.title)]))
        for eid, ch in zip(ids, tags.chapters):
            start, end = round(ch.start_s * 1000), round(ch.end_s * 1000)
            id3.add(
                CHAP(
                    element_id=eid,
                    start_time=start,
                    end_time=end,
                    start_offset=0xFFFFFFFF,  # "use the times" (the ID3 chapter spec)
                    end_offset=0xFFFFFFFF,
                    sub_frames=[TIT2(encoding=3, text=ch.title)],
                )
            )
    if wave:
        audio = WAVE(path)
        audio.add_tags()
        assert audio.tags is not None
        for frame in id3.values():
            audio.tags.add(frame)
        _chapters_in_time_order(audio.tags)
        audio.save()
    else:
        _chapters_in_time_order(id3)
        id3.save(path, v2_version=4)


def _chapters_in_time_order(id3: ID3) -> None:
    """mutagen writes frames ordered by their size, so chapters with longer titles came later;
    a reader that lists chapters as stored (ffprobe, some players) showed them out of order.
    The other frames keep mutagen's order; the chapters follow them, in time order."""
    from mutagen.id3 import ID3
    from mutagen.id3._tags import save_frame  # mutagen's own encoder of one frame

    def write(config: ID3SaveConfig) -> bytearray:
        frames = list(id3.values())
        rest = ID3()
        for frame in frames:
            if frame.FrameID != "CHAP":
                rest.add(frame)
        chapters = sorted((f for f in frames if f.FrameID == "CHAP"), key=lambda f: (f.start_time, f.element_id))
        return bytearray(rest._write(config) + bytearray().join(save_frame(f, config=config) for f in chapters))

    id3._write = write  # type: ignore[method-assign]  # this one tag's writer, not mutagen's


def _vorbis_fields(tags: TrackTags) -> dict[str, list[str]]:
    fields = {"TITLE": [tags.title], "ARTIST": [tags.artist], "ALBUM": [tags.album]}
    if tags.track is not None:
        fields["TRACKNUMBER"] = [str(tags.track)]
    if tags.total:
        fields["TRACKTOTAL"] = [str(tags.total)]
    if tags.comment:
        fields["DESCRIPTION"] = [tags.comment]
    for i, ch in enumerate(tags.chapters, start=1):
        fields[f"CHAPTER{i:03d}"] = [_clock(ch.start_s)]
        fields[f"CHAPTER{i:03d}NAME"] = [ch.title]
    return fields


def _picture(png: bytes) -> Picture:
    from mutagen.flac import Picture

    picture = Picture()
    picture.type, picture.mime, picture.desc, picture.data = 3, "image/png", "Cover", png
    picture.width, picture.height, picture.depth = png_size(png)
    return picture


def png_size(png: bytes) -> tuple[int, int, int]:
    """Width, height and bits per pixel, from a PNG's header (what a picture block declares)."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("the cover is not a PNG picture")
    width, height = struct.unpack(">II", png[16:24])
    bit_depth, colour = png[24], png[25]
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}[colour]  # grey, RGB, palette, grey+alpha, RGBA
    return width, height, bit_depth * channels


def _write_ogg(path: Path, tags: TrackTags, opus: bool) -> None:
    from mutagen.oggopus import OggOpus
    from mutagen.oggvorbis import OggVorbis

    audio = OggOpus(path) if opus else OggVorbis(path)
    assert audio.tags is not None  # an Ogg stream always has its comment header
    audio.tags.clear()
    for key, values in _vorbis_fields(tags).items():
        audio.tags[key] = values
    if tags.cover_png is not None:
        data = _picture(tags.cover_png).write()
        audio.tags["METADATA_BLOCK_PICTURE"] = [base64.b64encode(data).decode("ascii")]
    audio.save()


def _write_flac(path: Path, tags: TrackTags) -> None:
    from mutagen.flac import FLAC

    audio = FLAC(path)
    for key, values in _vorbis_fields(tags).items():
        audio[key] = values
    audio.clear_pictures()
    if tags.cover_png is not None:
        audio.add_picture(_picture(tags.cover_png))
    audio.save()


def _clock(seconds: float) -> str:
    ms = round(seconds * 1000)
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    return f"{h:02d}:{m:02d}:{rest // 1000:02d}.{rest % 1000:03d}"
