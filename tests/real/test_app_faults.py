"""`companion app` under faults, as a person meets them: the real server, real files (30 MB
uploads, a damaged journal, a full disk) and headless Chromium. A refused or failed upload
leaves nothing behind at once; a damaged journal is said as the command line says it and
left as it was; Massage with no sound output says so and makes the MP3 instead (making an
MP3 from start to end is tested in tests/real/test_app.py)."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from companion.app.room import OWNER_FILE
from tests.browser import PHONE, axe_violations, chromium, small_targets
from tests.helpers import default_person, mounted_tmpfs, run_cli, start_cli
from tests.real.test_app import App, _cookie, _go, _wait

MB = 1 << 20


@contextlib.contextmanager
def running_app(tmp_path: Path, cache: Path, home: Path, **env: str):
    """`companion app` with this cache, home and environment; stopped with Ctrl-C after, when
    it must have said nothing on its error stream and left no folder of its own."""
    data = tmp_path / "data"
    proc = start_cli(
        "app", "--no-browser", env={"XDG_CACHE_HOME": str(cache), "XDG_DATA_HOME": str(data), "HOME": str(home), **env}
    )
    line, deadline = "", time.monotonic() + 30
    while "/start?token=" not in line:
        assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read()  # type: ignore[union-attr]
        line = proc.stdout.readline()  # type: ignore[union-attr]
    start = next(word for word in line.split() if "/start?token=" in word)
    try:
        yield App(proc, start.split("/start")[0], start, data, cache)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=10)
    stderr = proc.stderr.read()  # type: ignore[union-attr]
    assert proc.returncode == 130 and "Traceback" not in stderr and "Error" not in stderr, stderr
    assert not list((cache / "companion").glob(f"app-{proc.pid}-*"))


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _owner(app: App):
    import httpx2

    return httpx2.Client(base_url=app.base, headers={"cookie": _cookie(app), "origin": app.base}, timeout=60)


def test_refused_uploads_leave_nothing_behind(tmp_path, shared_cache, null_audio_home):
    """Eight refused 30 MB uploads once left 240 MB in the app's folder until it stopped; now
    each is gone before its page is answered, from the app's folder and the temporary one."""
    spool = tmp_path / "tmp"  # where the form parser keeps a large upload while it is read
    spool.mkdir()
    big = tmp_path / "001.wav"
    with open(big, "wb") as f:  # a WAV's name and header, then no sound a recording can have
        f.write(b"RIFF" + (30 * MB).to_bytes(4, "little") + b"WAVEfmt ")
        f.write(os.urandom(30 * MB))
    with running_app(tmp_path, shared_cache, null_audio_home, TMPDIR=str(spool)) as app, _owner(app) as owner:
        (work,) = (shared_cache / "companion").glob(f"app-{app.proc.pid}-*")
        for i in range(4):
            with open(big, "rb") as f:
                sent = owner.post("/voices/import", data={"voice": f"Mum{i}"}, files=[("takes", ("001.wav", f))])
            assert sent.status_code == 400 and "001.wav" in sent.text
            with open(big, "rb") as f:
                take = {"take": ("take.wav", f, "audio/wav")}
                sent = owner.post("/voices/record", data={"voice": "Mum", "script": "settling", "n": "1"}, files=take)
            assert sent.status_code == 400 and 'role="alert"' in sent.text
            assert _size(work) < MB and _size(spool) < MB  # gone at once, while the app runs
        assert not list((app.data / "companion").glob("voices/*"))  # and no voice was begun


@pytest.fixture
def small_cache(tmp_path):
    yield from mounted_tmpfs(tmp_path / "small-cache", "size=4m")


def test_an_upload_that_fills_the_disk_is_said_and_not_kept(tmp_path, small_cache, null_audio_home):
    """The app's folder on a disk without room: the take is not kept, even in part, and the
    page says why (here the app's own floor speaks first: it keeps 1 GB free on the disk)."""
    take = tmp_path / "take.wav"
    take.write_bytes(b"RIFF" + os.urandom(6 * MB))
    with running_app(tmp_path, small_cache, null_audio_home) as app, _owner(app) as owner:
        (work,) = (small_cache / "companion").glob(f"app-{app.proc.pid}-*")
        with open(take, "rb") as f:
            files = {"take": ("take.wav", f, "audio/wav")}
            sent = owner.post("/voices/record", data={"voice": "Mum", "script": "settling", "n": "1"}, files=files)
        assert sent.status_code == 503 and "free on the disk" in sent.text, sent.text[-600:]
        assert sent.headers["retry-after"]
        assert [p.name for p in work.iterdir()] == [OWNER_FILE]  # nothing of the take is kept


def _damage(journal: Path) -> bytes:
    """A real journal with a page in its middle overwritten, as a failing disk leaves it."""
    from companion.journal.entries import Ratings
    from companion.journal.store import Journal

    with Journal(journal) as kept:
        for i in range(300):
            kept.add(Ratings(pain=i % 11, note="a night of rest, and a walk in the garden " * 3))
    data = bytearray(journal.read_bytes())
    data[4096 * 3 : 4096 * 5] = b"\xff" * 8192
    journal.write_bytes(bytes(data))
    return bytes(data)


@pytest.mark.slow("a real server and Chromium through every page of a damaged journal")
def test_a_damaged_journal_is_said_as_the_command_line_says_it(tmp_path, shared_cache, null_audio_home):
    journal = tmp_path / "data" / "companion" / "journal.sqlite3"
    journal.parent.mkdir(parents=True)
    damaged = _damage(journal)
    env = {"XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CACHE_HOME": str(shared_cache)}
    said = run_cli("journal", "add", "--pain", "3", env=env).stderr.strip().removeprefix("Error: ")
    assert "is damaged" in said and "move it aside" in said
    sentence = said[:1].upper() + said[1:] + "."
    with running_app(tmp_path, shared_cache, null_audio_home) as app, chromium(PHONE) as driver:
        driver.get(app.start)
        driver.get(app.base + "/journal")
        assert driver.find_element("tag name", "h1").text == "That cannot be done just now"
        assert driver.find_element("css selector", ".error").text == sentence
        assert axe_violations(driver) == [] and small_targets(driver) == []
        for path in ("/journal/report.pdf", "/journal/chart.png", "/journal/export.csv", "/journal/1/edit"):
            driver.get(app.base + path)
            assert driver.find_element("css selector", ".error").text == sentence, path
        answer = driver.execute_script(  # adding an entry, as the page's form sends it
            "return fetch('/journal', {method: 'POST', body: new URLSearchParams('pain=3')})"
            ".then(function (r) { return r.text().then(function (t) { return [r.status, t]; }); })"
        )
        assert answer[0] == 503 and "is damaged" in answer[1]
        _go(driver, driver.find_element("link text", "Back to Journal"))
    moved = default_person(tmp_path / "data") / "journal.sqlite3"  # the first person's now, moved as it was
    assert moved.read_bytes() == damaged and not journal.exists()  # nothing in the file was changed


@pytest.mark.slow("a real server with no sound output, Chromium, and the massage track begun as an MP3")
def test_massage_with_no_sound_output_offers_the_mp3(tmp_path, shared_cache):
    home = tmp_path / "home"  # no ALSA configuration: PortAudio finds no sound output here
    home.mkdir()
    with running_app(tmp_path, shared_cache, home) as app, chromium(PHONE) as driver:
        driver.get(app.start)
        driver.get(app.base + "/massage")
        driver.find_element("css selector", "input[name=minutes][value='30']").click()
        driver.find_element("id", "region_0").send_keys("back")
        driver.find_element("id", "minutes_0").send_keys("10")
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        error = driver.find_element("css selector", ".error").text
        assert "no sound output" in error and "MP3 instead" in error
        assert driver.find_element("id", "region_0").get_attribute("value") == "back"  # the track as it was
        assert axe_violations(driver) == [] and small_targets(driver) == []
        _go(driver, driver.find_element("xpath", "//button[normalize-space()='Make the MP3 instead']"))
        assert re.fullmatch(r"/file/[\w-]+", urlsplit(driver.current_url).path)
        _wait(driver, "return document.getElementById('bar').value > 0", timeout=60)  # the MP3 is being made
        assert "The track carries its title" in driver.find_element("tag name", "main").text


@pytest.mark.slow("a real server and Chromium; takes uploaded from the Voices page and cleaned")
def test_an_import_whose_every_take_fails_leaves_no_voice(tmp_path, shared_cache, null_audio_home):
    import numpy as np
    import soundfile as sf

    takes = []
    for n in (1, 2):  # silence: no take can be kept
        takes.append(tmp_path / f"00{n}.wav")
        sf.write(takes[-1], np.zeros(22050 * 2, np.float32), 22050)
    with running_app(tmp_path, shared_cache, null_audio_home) as app, chromium(PHONE) as driver:
        driver.get(app.start)
        driver.get(app.base + "/voices")
        driver.find_element("id", "voice").send_keys("Mum")
        driver.find_element("id", "takes").send_keys("\n".join(str(t) for t in takes))
        _go(driver, driver.find_element("css selector", "form[action='/voices/import'] button"))
        _wait(driver, "var k = document.querySelector('.kept'); return k && k.textContent", timeout=60)
        assert driver.find_element("css selector", ".kept").text == "Kept 0 takes."
        assert "No voice called Mum was made" in driver.find_element("tag name", "main").text
        assert axe_violations(driver) == []
        driver.get(app.base + "/voices")
        assert "None yet." in driver.find_element("tag name", "main").text
    assert not (default_person(app.data) / "voices" / "Mum").exists()
