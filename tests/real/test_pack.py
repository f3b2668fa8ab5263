"""The home listening pack, made for real: file names, tags, cover and chapters read back with
mutagen and ffprobe, the playlist, the page in a real headless Chromium, the printable PDF,
resuming after an interruption, and failures that leave no half-made track."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import mutagen
import numpy as np
import pytest
import soundfile as sf
from mutagen.flac import Picture

from companion.pack.model import MANIFEST
from companion.safety import SAFETY_SCREEN
from companion.session import STOP_RULE
from tests.audio_checks import lufs, read, spans, true_peak_db
from tests.browser import PHONE, axe_violations, chromium, small_targets
from tests.helpers import made_once, mounted_tmpfs, plan_json, run_cli


def ffprobe(path: Path) -> dict:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters", "-show_format", "-show_streams", path],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def pack_env(tmp: Path, shared_cache: Path, null_audio_home: Path) -> dict:
    """The environment of a test's own process, for fixtures made once per module."""
    return {
        "HOME": str(null_audio_home),
        "XDG_CACHE_HOME": str(shared_cache),
        "XDG_DATA_HOME": str(tmp / "data"),
        "XDG_CONFIG_HOME": str(tmp / "config"),
    }


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


def made_pack(tmp_path_factory, name: str, env: dict, *args: str) -> tuple[Path, str]:
    """A pack made once for the whole run (the workers share it): its folder, and what the
    command said."""

    def make(folder: Path) -> str:
        result = run_cli("pack", str(folder / "pack"), *args, env=env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    folder, said = made_once(tmp_path_factory, name, make)
    return folder / "pack", said


@pytest.fixture(scope="session")
def mp3_pack(tmp_path_factory, shared_cache, null_audio_home):
    """Two low-energy tracks as MP3, made on two processes."""
    env = pack_env(tmp_path_factory.mktemp("mp3-pack"), shared_cache, null_audio_home)
    args = ("--name", "Test pack", "--energies", "low", "--scripts", "settling,breathlessness", "--jobs", "2")
    return made_pack(tmp_path_factory, "mp3-pack", env, *args)


@pytest.fixture(scope="session")
def flac_pack(tmp_path_factory, shared_cache, null_audio_home):
    """A low-energy track and the caregiver's two, as FLAC (quick to write), for the page."""
    env = pack_env(tmp_path_factory.mktemp("flac-pack"), shared_cache, null_audio_home)
    args = ("--energies", "low", "--scripts", "settling", "--caregiver", "--yes", "--format", "flac")
    return made_pack(tmp_path_factory, "flac-pack", env, *args)


@pytest.mark.slow("the first to use the run's MP3 pack: two 6-minute tracks on two processes")
def test_pack_names_tags_cover_and_chapters(mp3_pack):
    out, said = mp3_pack
    files = sorted(p.name for p in out.iterdir())
    assert files == [
        ".companion-pack.json",
        "01 Low energy - Settling - 6 min.mp3",
        "01 Low energy - Settling - 6 min.vtt",
        "02 Low energy - Breathing easy - 6 min.mp3",
        "02 Low energy - Breathing easy - 6 min.vtt",
        "Test pack - to print.pdf",
        "Test pack.m3u8",
        "cover.png",
        "index.html",
        "player.css",
        "player.js",
    ]
    assert "Made 2 tracks" in said
    cover = (out / "cover.png").read_bytes()
    assert cover.startswith(b"\x89PNG")
    for number, (script, extra) in enumerate([("settling", ()), ("breathlessness", ("--breathless",))], start=1):
        path = next(out.glob(f"{number:02d} *.mp3"))
        tags = mutagen.File(path)
        assert str(tags["TIT2"]) == path.stem.split(" - ")[1] + " (low energy, 6 min)"
        assert str(tags["TPE1"]) == "companion" and str(tags["TALB"]) == "Test pack"
        assert str(tags["TRCK"]) == f"{number}/2"
        (apic,) = tags.tags.getall("APIC")
        assert apic.mime == "image/png" and apic.type == 3 and apic.data == cover
        # chapters at the script's sections, where the plan puts them
        plan = plan_json("--energy", "low", "--minutes", "6", "--script", script, *extra)
        starts = [0.0] + [s["start_s"] for s in plan["sections"][1:]]
        names = [s["name"] for s in plan["sections"]]
        (toc,) = tags.tags.getall("CTOC")
        chaps = {c.element_id: c for c in tags.tags.getall("CHAP")}
        assert [str(chaps[i].sub_frames["TIT2"]) for i in toc.child_element_ids] == names
        assert [chaps[i].start_time for i in toc.child_element_ids] == [round(s * 1000) for s in starts]
        probed = ffprobe(path)
        chapters = sorted(probed["chapters"], key=lambda c: float(c["start_time"]))
        assert [c["tags"]["title"] for c in chapters] == names
        assert [float(c["start_time"]) for c in chapters] == pytest.approx(starts, abs=0.001)
        assert float(chapters[-1]["end_time"]) == pytest.approx(360.0, abs=0.001)
        assert probed["format"]["tags"]["album"] == "Test pack"
        assert [s["codec_name"] for s in probed["streams"]] == ["mp3", "png"]  # the cover, embedded
        # the sound itself: the whole session, its voice at the level every session's voice is
        x, sr = read(path)
        assert len(x) == 6 * 60 * sr
        voice = lufs(spans(x, sr, [(e["start_s"], e["end_s"]) for e in plan["narration"]]), sr)
        # low energy: nearly every line returns after a long quiet, softer by design (docs/defaults.md)
        assert voice == pytest.approx(-18.5, abs=2) and true_peak_db(x) <= -1.0


def test_pack_track_is_the_session_render_makes(mp3_pack, tmp_path):
    out, _ = mp3_pack
    single = tmp_path / "single.mp3"
    result = run_cli("render", "--energy", "low", "--minutes", "6", "--script", "settling", "-o", str(single))
    assert result.returncode == 0, result.stderr
    packed = next(out.glob("01 *.mp3"))
    assert np.array_equal(read(packed)[0], read(single)[0])  # the same sound; only the tags differ
    tags = mutagen.File(single)
    assert str(tags["TIT2"]) == "Settling (low energy, 6 min)"
    assert str(tags["TALB"]) == "companion sessions"


def test_playlist_entries_resolve(mp3_pack):
    out, _ = mp3_pack
    lines = (out / "Test pack.m3u8").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U"
    entries = [line for line in lines if line and not line.startswith("#")]
    infos = [line for line in lines if line.startswith("#EXTINF:")]
    assert len(entries) == len(infos) == 2
    for entry, info in zip(entries, infos):
        path = out / entry
        assert path.is_file()
        seconds = int(info.split(":")[1].split(",")[0])
        assert seconds == round(sf.info(str(path)).duration)


@pytest.mark.slow("renders and tags a session in each of five formats")
def test_render_tags_and_chapters_in_every_format(tmp_path):
    plan = plan_json("--energy", "low", "--minutes", "2")
    names = [s["name"] for s in plan["sections"]]
    for suffix in ("wav", "flac", "ogg", "opus", "mp3"):
        out = tmp_path / f"s.{suffix}"
        result = run_cli("render", "--energy", "low", "--minutes", "2", "-o", str(out))
        assert result.returncode == 0, result.stderr
        probed = ffprobe(out)
        chapters = sorted(probed["chapters"], key=lambda c: float(c["start_time"]))
        assert [c.get("tags", {}).get("title") for c in chapters] == names, (suffix, chapters)
        assert float(chapters[1]["start_time"]) == pytest.approx(plan["sections"][1]["start_s"], abs=0.001)
        found = probed["format"].get("tags") or probed["streams"][0]["tags"]  # Ogg: the stream's own
        tags = {k.lower(): v for k, v in found.items()}
        assert tags["title"] == "Settling (low energy, 2 min)", suffix
        assert tags["artist"] == "companion", suffix
        tagged = mutagen.File(out)
        if suffix in ("ogg", "opus"):
            picture = Picture(__import__("base64").b64decode(tagged["METADATA_BLOCK_PICTURE"][0]))
            assert picture.data.startswith(b"\x89PNG") and picture.type == 3
        elif suffix == "flac":
            assert tagged.pictures[0].data.startswith(b"\x89PNG")
        else:
            assert tagged.tags.getall("APIC")[0].data.startswith(b"\x89PNG")
    x, sr = read(tmp_path / "s.opus")
    assert sr == 48000 and abs(len(x) - 2 * 60 * 48000) <= 1  # Opus at 48 kHz, the same length
    assert -24 <= lufs(x, sr) <= -17 and true_peak_db(x) <= -1.0


def test_parallel_and_one_at_a_time_give_the_same_bytes(tmp_path):
    args = ("--energies", "low", "--scripts", "settling,calm-place", "--format", "flac")
    one, two = tmp_path / "one", tmp_path / "two"
    assert run_cli("pack", str(one), *args, "--jobs", "1").returncode == 0
    assert run_cli("pack", str(two), *args, "--jobs", "2").returncode == 0
    for path in one.glob("*.flac"):
        assert path.read_bytes() == (two / path.name).read_bytes(), path.name


@pytest.mark.slow("a real headless Chromium, after the module's FLAC pack is made")
def test_page_in_a_real_browser(flac_pack, tmp_path):
    """The page opened in Debian's Chromium: the cards, the stop rule, the caregiver's safety
    notes, and the breathing guide growing and shrinking with the track's own breaths."""
    from selenium.webdriver.common.by import By

    out, _ = flac_pack
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    manifest = json.loads((out / MANIFEST).read_text())["tracks"]
    with chromium(PHONE) as driver:
        driver.get((out / "index.html").as_uri())
        assert axe_violations(driver) == []  # WCAG 2.1 A and AA
        assert small_targets(driver) == []
        cards = driver.find_elements(By.CSS_SELECTOR, "li.card")
        assert len(cards) == 3
        titles = [c.find_element(By.TAG_NAME, "h2").text for c in cards]
        assert titles == ["1 Settling", "2 Hand massage", "3 Foot massage"]
        assert "When you feel tired" in cards[0].text and "6 minutes" in cards[0].text
        assert STOP_RULE in driver.find_element(By.CSS_SELECTOR, ".stop").text
        notes = driver.find_element(By.CSS_SELECTOR, ".notes").text
        assert "Do not massage over" in notes and "lymphoedema" in notes
        for card in cards[1:]:  # each caregiver card leads to the notes on the page
            link = card.find_element(By.LINK_TEXT, "Read the safety notes first")
            assert link.get_attribute("href").endswith("#safety")
        for name in ("02 Caregiver - Hand massage - 12 min", "03 Caregiver - Foot massage - 16 min"):
            assert (out / f"{name}.txt").read_text() == SAFETY_SCREEN  # and beside each track
        # screen readers: every button and player is named, the guide is hidden from them
        for button in driver.find_elements(By.CSS_SELECTOR, ".card .play"):
            assert button.get_attribute("aria-label").startswith("Play: ")
        assert driver.find_element(By.CSS_SELECTOR, ".guide").get_attribute("aria-hidden") == "true"
        shot = tmp_path / "page.png"
        driver.save_screenshot(str(shot))
        image = _png_pixels(shot)
        assert _share_of(image, (0x0B, 0x3D, 0x5C)) > 0.005  # the cards' borders and buttons are drawn
        assert _share_of(image, (0x8F, 0xD1, 0xBD)) == 0  # no guide until something plays

        cards[0].find_element(By.CSS_SELECTOR, ".play").click()
        breaths = manifest["01 Low energy - Settling - 6 min.flac"]["breaths"]
        seen: list[tuple[float, float, float]] = []
        log: list[object] = []
        deadline = time.monotonic() + 20
        while len(seen) < 12 and time.monotonic() < deadline:
            time.sleep(0.35)
            t, shown, width, full = driver.execute_script(
                "var a = document.querySelector('audio'), c = document.getElementById('circle');"
                "return [a.currentTime, Number(c.dataset.t || -1), c.getBoundingClientRect().width, c.offsetWidth];"
            )
            log.append((t, shown, width, full))
            if t > 0 and shown >= 0 and full > 0:  # playing, and the guide is drawn
                seen.append((t, shown, width / full))
        assert len(seen) >= 8, f"the track did not play in the browser: {log}"
        scales = [s for _, _, s in seen]
        assert max(scales) - min(scales) > 0.25  # it grows and shrinks
        for t, shown, scale in seen:
            assert abs(shown - t) < 0.5  # the circle keeps up with the sound
            assert scale == pytest.approx(_guide_size(breaths, shown), abs=0.01)  # the track's own breaths
        driver.save_screenshot(str(shot))
        assert _share_of(_png_pixels(shot), (0x8F, 0xD1, 0xBD)) > 0.003  # the guide shows while it plays
        _the_words_as_spoken(driver, out, manifest["01 Low energy - Settling - 6 min.flac"])
        _the_one_player(driver, out, tmp_path)
        sources = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert all(s.startswith("file://") for s in sources), sources


def _the_words_as_spoken(driver, out: Path, entry: dict) -> None:
    """Each track's words beside it as WebVTT, given to the audio as its captions, and shown
    in the panel line by line at the times the plan gave them."""
    vtt = out / entry["captions"]
    assert vtt.name == "01 Low energy - Settling - 6 min.vtt" and vtt.read_text().startswith("WEBVTT\n")
    track = driver.execute_script("var t = document.querySelector('audio track'); return [t.kind, t.src]")
    assert track == ["captions", vtt.as_uri()]
    start, end, text = entry["lines"][2]
    driver.execute_script(f"document.querySelector('audio').currentTime = {start + 0.3}")
    deadline = time.monotonic() + 5
    while driver.find_element("id", "words").text != text and time.monotonic() < deadline:
        time.sleep(0.1)
    assert driver.find_element("id", "words").text == text


def _the_one_player(driver, out: Path, tmp_path: Path) -> None:
    """The player as a phone shows it (412x915): a panel of at most a quarter of the screen that
    never hides the control with focus; pause that fades and freezes the circle; 15 s skips;
    the place kept for next time; lock-screen names; the dim theme; 200 % zoom."""
    from selenium.webdriver.common.by import By

    js = driver.execute_script
    panel = "return document.getElementById('now').getBoundingClientRect().toJSON()"
    assert len(driver.find_elements(By.CSS_SELECTOR, ".card audio")) == 0  # one play control a track
    assert js("return document.querySelector('.notes').getBoundingClientRect().top") < js(
        "return document.querySelector('.card').getBoundingClientRect().top"
    )  # the safety notes come before the tracks
    now = js(panel)
    assert now["height"] <= 0.25 * js("return innerHeight"), now
    last = "document.querySelectorAll('.card .play')[2]"
    js(f"{last}.focus()")
    focused = js(f"return {last}.getBoundingClientRect().toJSON()")
    assert focused["bottom"] <= js(panel)["top"], (focused, js(panel))  # focus is never under the panel
    assert js("return navigator.mediaSession.metadata.title") == "Settling, 6 minutes"

    js("document.getElementById('toggle').click()")  # pause: a short fade, then still
    time.sleep(1.3)
    assert js("return document.querySelector('audio').paused") and not js(
        "return document.getElementById('now').hidden"
    )
    frozen = js("return document.getElementById('circle').style.transform")
    time.sleep(0.6)
    assert js("return document.getElementById('circle').style.transform") == frozen
    before = js("return document.querySelector('audio').currentTime")
    js("document.getElementById('forward').click()")
    assert js("return document.querySelector('audio').currentTime") == pytest.approx(before + 15, abs=0.5)
    assert "left" in driver.find_element(By.ID, "left").text

    kept = float(
        js(
            "return localStorage.getItem('companion-position:' + JSON.parse("
            "document.getElementById('tracks-data').textContent)[0].src)"
        )
    )
    assert kept == pytest.approx(before + 15, abs=0.5)  # kept as it moves
    driver.refresh()  # another day: the track is found where it was left
    js("document.querySelector('.card .play').click()")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and js("return document.querySelector('audio').currentTime") < kept - 1:
        time.sleep(0.1)
    assert js("return document.querySelector('audio').currentTime") >= kept - 1

    light = _png_pixels(_shot(driver, tmp_path / "light.png"))
    js("document.getElementById('theme').click()")  # dim, for the night
    assert js("return document.documentElement.classList.contains('dim')")
    assert axe_violations(driver) == []  # the dim theme's contrast too
    dim = _png_pixels(_shot(driver, tmp_path / "dim.png"))
    assert dim.mean() < 0.5 * light.mean()

    driver.execute_cdp_cmd(  # 200 % zoom on the same phone: half the CSS pixels each way
        "Emulation.setDeviceMetricsOverride", {"width": 206, "height": 457, "deviceScaleFactor": 2, "mobile": True}
    )
    time.sleep(0.3)
    now = js(panel)
    assert now["height"] <= 0.25 * 457, now
    for control in ("back", "toggle", "forward"):
        box = js(f"return document.getElementById('{control}').getBoundingClientRect().toJSON()")
        assert box["width"] >= 44 and box["height"] >= 44, (control, box)
        assert 0 <= box["left"] and box["right"] <= 206 and box["top"] >= now["top"], (control, box)  # all on screen
    _shot(driver, tmp_path / "zoomed.png")
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _shot(driver, path: Path) -> Path:
    driver.save_screenshot(str(path))
    return path


def _guide_size(breaths: list, t: float) -> float:
    """The page's own formula, in Python: 0.5 at rest, 1.0 at the top of an in-breath."""
    import math

    cycle = max((b for b in breaths if b[0] <= t), key=lambda b: b[0], default=None)
    if cycle is None:
        return 0.5

    def ease(u: float) -> float:
        return (1 - math.cos(math.pi * min(max(u, 0.0), 1.0))) / 2

    start, inhale, exhale = cycle
    x = t - start
    return 0.5 + 0.5 * ease(x / inhale) if x < inhale else 1 - 0.5 * ease((x - inhale) / exhale)


def _png_pixels(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def _share_of(image: np.ndarray, colour: tuple[int, int, int]) -> float:
    return float(np.mean(np.all(np.abs(image.astype(int) - colour) <= 6, axis=2)))


def test_printable_version(flac_pack):
    out, _ = flac_pack
    pdf = (out / "Comfort at home - to print.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", pdf)
    assert len(pages) == 2  # the caregiver's safety notes first, then the tracks on a page of their own


@pytest.mark.slow("makes the same pack three times over, as a user would")
def test_a_second_run_makes_nothing_and_a_change_remakes_only_its_track(tmp_path):
    out = tmp_path / "pack"
    args = ("pack", str(out), "--energies", "low", "--scripts", "settling,calm-place", "--format", "flac")
    assert run_cli(*args).returncode == 0
    before = {p.name: p.stat().st_mtime_ns for p in out.glob("*.flac")}
    again = run_cli(*args)
    assert again.returncode == 0 and "Made 0 tracks, kept 2 already made" in again.stdout
    assert {p.name: p.stat().st_mtime_ns for p in out.glob("*.flac")} == before
    # a track changed by hand (or damaged) is made again; the other is kept
    damaged = out / "02 Low energy - A calm place - 6 min.flac"
    damaged.write_bytes(damaged.read_bytes()[:1000])
    fixed = run_cli(*args)
    assert "Made 1 track, kept 1 already made" in fixed.stdout
    assert sf.info(str(damaged)).duration == 360
    kept = "01 Low energy - Settling - 6 min.flac"
    assert (out / kept).stat().st_mtime_ns == before[kept]
    # a smaller pack removes what it no longer has, and only that
    (out / "mine.txt").write_text("kept")
    smaller = run_cli("pack", str(out), "--energies", "low", "--scripts", "settling", "--format", "flac")
    assert "Removed '02 Low energy - A calm place - 6 min.flac'" in smaller.stdout
    assert not damaged.exists() and (out / "mine.txt").exists()


@pytest.mark.slow("makes a three-track pack, stops it part-way and makes the rest")
@pytest.mark.parametrize(
    "fmt, to_the_group",
    [("flac", False), ("mp3", True)],  # written by libsndfile, and by ffmpeg
    ids=["SIGTERM to the command", "Ctrl-C to every process (as a terminal sends it)"],
)
def test_interrupted_pack_keeps_finished_tracks_and_resumes(tmp_path, fmt, to_the_group):
    """Stopped mid-pack: every worker stops within a second or two (including one that was
    about to start its next track), nothing half-made is left, every track on disk is in the
    manifest, and the next run makes only the tracks that were not finished."""
    out = tmp_path / "pack"
    args = ["pack", str(out), "--energies", "low", "--scripts", "settling,breathlessness,calm-place"]
    args += ["--format", fmt, "--jobs", "2"]
    command = [sys.executable, "-m", "companion", *args]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    manifest = out / MANIFEST
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and child.poll() is None:
        if manifest.exists() and json.loads(manifest.read_text())["tracks"]:
            break
        time.sleep(0.05)
    started = time.monotonic()
    if to_the_group:
        os.killpg(child.pid, signal.SIGINT)
    else:
        child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert time.monotonic() - started < 3  # answered within a second or two
    time.sleep(0.5)
    left = subprocess.run(["ps", "-o", "pid=,stat=,args=", "-s", str(child.pid)], capture_output=True, text=True)
    running = [line for line in left.stdout.splitlines() if " Z" not in line]  # a zombie holds no memory
    assert running == []  # no worker, encoder or helper left behind
    finished = json.loads(manifest.read_text())["tracks"]
    if child.returncode == 0:
        pytest.fail("the pack finished before it could be interrupted")
    assert child.returncode == 130, err
    assert err.decode().count("\n") == 1 and err.decode().startswith("Error: interrupted; the ")
    assert "Traceback" not in err.decode()
    assert leftovers(out) == []
    tracks = sorted(p.name for p in out.glob(f"*.{fmt}"))
    assert tracks == sorted(finished)  # every track there is a finished one
    for name in tracks:
        assert sf.info(str(out / name)).duration == 360
    before = {name: (out / name).stat().st_mtime_ns for name in tracks}
    resumed = run_cli(*args)
    assert resumed.returncode == 0, resumed.stderr
    made = 3 - len(tracks)
    assert f"Made {made} track{'s' if made != 1 else ''}, kept {len(tracks)} already made" in resumed.stdout
    assert {name: (out / name).stat().st_mtime_ns for name in tracks} == before  # not made again
    assert len(list(out.glob(f"*.{fmt}"))) == 3


def test_full_disk_leaves_no_half_track(tmp_path):
    for mount in mounted_tmpfs(tmp_path / "small", "size=4m"):
        out = mount / "pack"
        result = run_cli("pack", str(out), "--energies", "low", "--scripts", "settling,calm-place", "--jobs", "2")
        assert result.returncode == 1, result.stderr
        assert result.stderr.startswith("Error: the disk holding") and result.stderr.count("\n") == 1
        assert not out.exists()  # the folder this run made, with no track finished in it, is gone
