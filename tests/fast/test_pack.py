"""The pack without rendering: which tracks, their names, the manifest that says what is
finished, the page and playlist written from the templates, and bad input."""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser

import numpy as np
import pytest

from companion.pack.make import choose_tracks
from companion.pack.model import MANIFEST, Manifest, PackOptions
from companion.pack.page import write_page, write_playlist
from tests.helpers import ROOT, run_main


def test_the_default_pack_is_a_good_one():
    tracks = choose_tracks(PackOptions())
    names = [t.file for t in tracks]
    assert names == [
        "01 Low energy - Settling - 6 min.mp3",
        "02 Low energy - Breathing easy - 6 min.mp3",
        "03 Some energy - Body scan - 12 min.mp3",
        "04 Some energy - After a massage - 12 min.mp3",
        "05 Good energy - A calm place - 20 min.mp3",
        "06 Good energy - A thankful moment - 20 min.mp3",
        "07 Sleep - Drifting towards sleep - 20 min.mp3",
    ]
    breathing = tracks[1].options
    assert breathing.script == "breathlessness" and breathing.breathless and breathing.energy == "low"
    assert tracks[-1].options.energy == "low"  # sleep: the gentlest pacing and fewest words
    every = choose_tracks(PackOptions(massage=True, caregiver=True, format="ogg"))
    assert [t.file for t in every[-3:]] == [
        "08 Massage - welcome and closing - 60 min.ogg",
        "09 Caregiver - Hand massage - 12 min.ogg",
        "10 Caregiver - Foot massage - 16 min.ogg",
    ]
    assert every[0].file.startswith("01 ")  # two digits always: adding tracks renames none
    # the breathing-easy track goes with the gentlest level chosen
    medium_up = choose_tracks(PackOptions(energies=("high", "medium")))
    assert medium_up[0].group == "Some energy" and medium_up[2].short == "Breathing easy"


@pytest.mark.parametrize(
    "args, message",
    [
        (("--energies", "lots"), "unknown energy level 'lots'"),
        (("--scripts", "therapist"), "its track comes with the massage tracks (--massage)"),
        (("--scripts", "nope"), "no script named 'nope'"),
        (("--format", "aiff"), "'aiff' is not one of"),
        (("--name", " "), "give the pack a name"),
        (("--caregiver",), "confirm them with --yes"),
    ],
)
def test_bad_input_is_one_line_and_nothing_is_made(tmp_path, args, message):
    out = tmp_path / "pack"
    result = run_main("pack", str(out), *args)
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("Error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.glob("*.mp3"))


def test_pack_into_a_file_is_refused(tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    result = run_main("pack", str(target))
    assert result.returncode == 2 and "is a file" in result.stderr


def test_the_readme_shows_the_pack():
    readme = (ROOT / "README.md").read_text()
    assert "companion pack ~/Music/comfort" in readme and "companion pack" in (ROOT / "docs" / "cli.md").read_text()


def entry_for(track, notes=None, content=b"done") -> dict:
    return {
        "sound": "abc",
        "tags": ["Comfort at home", track.title, track.number, 7, track.purpose],
        "sha256": hashlib.sha256(content).hexdigest(),
        "bytes": len(content),
        "title": track.title,
        "duration_s": track.minutes * 60,
        "breaths": [[0.0, 1.5, 2.25], [3.75, 1.5, 2.25]],
        "chapters": [[0.0, "Arriving"], [60.0, "Resting </script><b>"]],
        "notes": notes,
    }


def test_the_manifest_keeps_a_track_only_while_its_content_is_as_written(tmp_path):
    track = choose_tracks(PackOptions(energies=("low",)))[0]
    (tmp_path / track.file).write_bytes(b"done")
    manifest = Manifest.load(tmp_path)
    assert manifest.tracks == {} and manifest.set_aside is None
    manifest.tracks[track.file] = entry_for(track)
    manifest.save()
    again = Manifest.load(tmp_path)
    assert again.intact(track.file, "abc") is not None and again.intact(track.file, "another sound") is None
    (tmp_path / track.file).write_bytes(b"DONE")  # damage of the same size: its hash tells
    assert Manifest.load(tmp_path).intact(track.file, "abc") is None
    (tmp_path / track.file).write_bytes(b"done")
    renamed = tmp_path / ("0" + track.file)
    assert Manifest.load(tmp_path).same_sound("abc", renamed.name) == track.file


@pytest.mark.parametrize(
    "damage",
    [
        b"{not json",
        b"[]",
        b"\xff\xfe",
        b'{"version": 99, "tracks": {}}',
        b'{"version": 2, "tracks": {"a.mp3": "not an entry"}}',
        b'{"version": 2, "tracks": {"../a.mp3": {}}}',
        b'{"version": 2, "tracks": []}',
    ],
)
def test_a_damaged_record_is_set_aside_with_one_note_and_made_anew(tmp_path, damage):
    (tmp_path / MANIFEST).write_bytes(damage)
    manifest = Manifest.load(tmp_path)
    assert manifest.tracks == {} and manifest.set_aside == tmp_path / (MANIFEST + ".damaged")
    assert (
        manifest.set_aside is not None
        and manifest.set_aside.read_bytes() == damage
        and not (tmp_path / MANIFEST).exists()
    )


def test_an_older_record_lists_its_files_for_tidying_only(tmp_path):
    old = {"version": 1, "tracks": {"1 Low energy - Settling - 6 min.mp3": {"inputs": "x", "bytes": 4, "notes": None}}}
    (tmp_path / MANIFEST).write_text(json.dumps(old))
    manifest = Manifest.load(tmp_path)
    assert manifest.tracks == {} and manifest.set_aside is None
    assert manifest.earlier == {"1 Low energy - Settling - 6 min.mp3": None}
    manifest.save()
    assert Manifest.load(tmp_path).earlier == manifest.earlier  # kept until the pack is complete


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_the_page_and_playlist_from_the_templates(tmp_path):
    tracks = choose_tracks(PackOptions(caregiver=True))
    entries = [entry_for(t, notes="x.txt" if t.group == "Caregiver" else None) for t in tracks]
    name = 'Ann\'s "calm" <pack> & more'
    page = write_page(tmp_path, name, tracks, entries, "The stop rule.", "Safety first\nLine <one>", "p.pdf", "p.m3u8")
    html = page.read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(html)
    buttons = [a for t, a in parsed.tags if t == "button" and a.get("data-i") is not None]
    assert len(buttons) == len(tracks)  # one large Play button a track
    assert all(b["aria-label"].startswith("Play: ") for b in buttons)
    assert [t for t, _ in parsed.tags].count("audio") == 1  # and one player for them all
    player = json.loads(html.split('id="tracks-data">', 1)[1].split("</script>", 1)[0])
    assert player[0]["src"] == "01%20Low%20energy%20-%20Settling%20-%206%20min.mp3"
    assert player[0]["breaths"] == [0.0, 1.5, 2.25, 3.75, 1.5, 2.25]
    assert html.index('id="safety"') < html.index('class="tracks"')  # the notes before the tracks
    text = "".join(parsed.text)
    assert name in text and "Line <one>" in text and "The stop rule." in text
    assert "<pack>" not in html and "Line <one>" not in html  # every value escaped
    assert html.count('href="#safety"') == 2  # each caregiver card leads to the notes
    assert "</script><b>" not in html.split("<ol", 1)[1].split("</ol>", 1)[0]
    csp = next(a["content"] for t, a in parsed.tags if t == "meta" and a.get("http-equiv"))
    assert "default-src 'none'" in csp and "connect-src" not in csp and "unsafe-inline" not in csp
    assert ("script", {"src": "player.js"}) in parsed.tags and "requestAnimationFrame" not in html  # none inside
    assert "<style" not in html and not re.search(r"<[^>]*\s(on\w+|style)=", html)  # no handler or style inside
    beside = {name: (tmp_path / name).read_text() for name in ("player.js", "player.css")}
    assert "requestAnimationFrame" in beside["player.js"] and ".circle" in beside["player.css"]
    playlist = write_playlist(tmp_path, name, tracks, entries).read_text(encoding="utf-8").splitlines()
    assert playlist[0] == "#EXTM3U" and playlist[2].startswith("#EXTINF:360,") and playlist[3] == tracks[0].file


@pytest.mark.parametrize("jobs", [0, -2])
def test_a_pack_needs_at_least_one_job(jobs, tmp_path):
    result = run_main("pack", str(tmp_path / "pack"), "--jobs", str(jobs))
    assert result.returncode == 2 and result.stderr.startswith("Error: ")


def test_an_interrupt_stops_the_pack_with_its_own_words(tmp_path, monkeypatch):
    """Ctrl-C while tracks are made (raised at the work's next step): the pack ends as
    interrupted in its own words, its unfinished tracks gone."""
    import companion.pack.make as make
    from companion.errors import Interrupted

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(make, "render_tracks", stopped)
    monkeypatch.setattr(make, "draw_cover", lambda *args: b"\x89PNG")  # matplotlib's font scan starts a process
    with pytest.raises(Interrupted) as ended:
        make.make_pack(tmp_path / "pack", PackOptions(energies=("low",), scripts=("settling",), format="flac"))
    assert "none was finished" in ended.value.message
    assert not list((tmp_path / "pack").glob("*.flac"))


def test_a_pack_in_a_recorded_voice_fills_what_it_lacks_and_is_made_again(tmp_path, monkeypatch):
    from companion.pack.make import voice_identity
    from companion.voice.recorded import RecordedVoice

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    mum = RecordedVoice("Mum")
    mum.create()
    tracks = choose_tracks(PackOptions(energies=("low",), voice="Mum"))
    assert all(t.options.voice == "Mum" and t.options.fill_with_tts for t in tracks)  # the bundled voice fills in
    assert all(t.options.voice is None for t in choose_tracks(PackOptions(energies=("low",))))
    before = voice_identity("Mum")
    mum.keep("Welcome.", np.zeros(4410, dtype=np.float32), 44100)
    assert voice_identity("Mum") != before  # a new take: the pack's tracks are made again
