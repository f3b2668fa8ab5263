"""`companion app` as a person meets it: the real server on a free port, headless Chromium,
the real voice, and the journal in a real SQLite file. Each page's main flow, axe-core on
every page at phone and desktop size, 44 px targets, 200 % zoom, and the guard's refusals."""

from __future__ import annotations

import contextlib
import fcntl
import http.client
import io
import json
import os
import signal
import socket
import sqlite3
import subprocess
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest

from companion.safety import SAFETY_SCREEN
from tests.browser import DESKTOP, PHONE, axe_violations, chromium, off_screen, sideways_scroll, small_targets
from tests.helpers import default_person, run_wide, start_cli

SHOTS = os.environ.get("COMPANION_SCREENSHOTS")
LAN_ADDRESS = "127.0.0.2"  # a folder: the README's pictures are made here


@dataclass
class App:
    proc: subprocess.Popen
    base: str
    start: str
    data: Path
    cache: Path

    @property
    def port(self) -> int:
        return urlsplit(self.base).port or 80

    @property
    def journal_path(self) -> Path:
        return default_person(self.data) / "journal.sqlite3"

    def journal(self) -> sqlite3.Connection:
        return sqlite3.connect(self.journal_path)

    @contextlib.contextmanager
    def journal_with_a_note(self):
        from companion.journal.entries import Ratings
        from companion.journal.store import Journal

        with Journal(self.journal_path) as journal:
            journal.add(Ratings(pain=4, note="a private note"))
            yield journal

    def ratings(self) -> int:
        if not self.journal_path.exists():
            return 0
        with contextlib.closing(sqlite3.connect(self.journal_path)) as db:
            return db.execute("SELECT count(*) FROM ratings").fetchone()[0]

    def once_written(self, query: str, timeout: float = 30) -> list[tuple]:
        """The rows `query` finds once the app has written them: a check-in's session starts
        its journal rows in its job, once the session is planned, which on a loaded machine
        may be a moment after its page is shown. Read only (a journal not yet made is not
        made here)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(sqlite3.OperationalError):  # no journal yet, or no table in it
                with contextlib.closing(sqlite3.connect(f"file:{self.journal_path}?mode=ro", uri=True)) as db:
                    if rows := db.execute(query).fetchall():
                        return rows
            assert time.monotonic() < deadline, f"never written: {query}"
            time.sleep(0.1)


@contextlib.contextmanager
def running_app(cache: Path, data: Path, home: Path, *args: str, ends_with: int = 130):
    """The real `companion app` with its own data folder (and these arguments), until the end
    of the block; then Ctrl-C, which stops it at once and takes its folder of sessions along
    (`ends_with`: the status it ends with, when the block ends it otherwise)."""
    env = {"XDG_CACHE_HOME": str(cache), "XDG_DATA_HOME": str(data), "HOME": str(home)}
    proc = start_cli("app", "--no-browser", *args, env=env)
    assert proc.stdout is not None and proc.stderr is not None
    lines = []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        lines.append(line)
        if "/start?token=" in line:
            break
        assert line or proc.poll() is None, (lines, proc.stderr.read())
    try:
        start = next(w for line in lines for w in line.split() if "/start?token=" in w)
        base = start.split("/start")[0]
        yield App(proc, base, start, data, cache)
    finally:  # stopped even when the test failed: never left running (nor its file system busy)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    stderr = proc.stderr.read()
    assert proc.returncode == ends_with, stderr
    assert "Traceback" not in stderr and "Error" not in stderr, stderr  # no page failed on the server's side
    assert not list((cache / "companion").glob(f"app-{proc.pid}-*"))


@pytest.fixture
def app(request, shared_cache, null_audio_home, tmp_path, tmp_path_factory):
    # a second loopback address stands for the home network (a door of its own)
    lan = ("--lan", "--lan-address", LAN_ADDRESS) if request.node.get_closest_marker("lan") else ()
    with contextlib.ExitStack() as stack:
        if lan:  # one app at a time on it, on every worker: each announces the same name there
            turn = stack.enter_context(open(run_wide(tmp_path_factory) / "lan.lock", "w"))
            fcntl.flock(turn, fcntl.LOCK_EX)
        yield stack.enter_context(running_app(shared_cache, tmp_path / "data", null_audio_home, *lan))


def _named_and_asked_who(phone, app: App) -> None:
    """A phone whose code is typed: named "Anna's phone", then asked who uses it (the carer),
    its answer kept as its own, not the computer's."""
    phone.find_element("id", "name").send_keys("Anna's phone")
    _go(phone, phone.find_element("css selector", "button[type=submit]"))
    assert urlsplit(phone.current_url).path == "/who"  # the phone is asked who uses it, for itself
    _go(phone, phone.find_element("css selector", "button[value=caregiver]"))
    assert urlsplit(phone.current_url).path == "/caregiver"
    assert not (app.data / "companion" / "app-choices.json").exists()  # the computer's own stays unasked
    assert json.loads((app.data / "companion" / "devices.json").read_text())[0]["role"] == "caregiver"


def _wait(driver, script: str, timeout: float = 30, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"never true: {script}")


def _shot(driver, name: str, show: str | None = None, size: tuple[int, int] = PHONE) -> None:
    """A picture for the README (when COMPANION_SCREENSHOTS names a folder), at `size`, with
    the element `show` (a CSS selector) scrolled into view."""
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    driver.set_window_size(*size)
    if show is not None:
        driver.execute_script(f"document.querySelector('{show}').scrollIntoView()")
    time.sleep(0.2)
    driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))
    driver.set_window_size(*PHONE)


def _open(driver, app: App, path: str) -> None:
    """The app as its owner opens it: the one-time address first, then the page."""
    driver.get(app.start)
    driver.get(app.base + path)


def _go(driver, element) -> None:
    """Click what leads to another page, and wait for that page: a click can return before
    the next page has loaded, and a look at the page then would see the old one."""
    driver.execute_script("window.leaving = true")
    element.click()
    _wait(driver, "return !window.leaving && document.readyState === 'complete'")


def _keys(driver, *keys) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    chain = ActionChains(driver)
    for key in keys:
        chain.send_keys(key)
    chain.perform()


def _focused(driver) -> str:
    return driver.execute_script(
        "var e = document.activeElement; return (e.name || e.id || '') + '=' + (e.value || e.textContent.trim())"
    )


def _tab_to(driver, wanted: str, limit: int = 60) -> None:
    from selenium.webdriver.common.keys import Keys

    seen = []
    for _ in range(limit):
        seen.append(_focused(driver))
        if seen[-1].startswith(wanted):
            return
        _keys(driver, Keys.TAB)
    raise AssertionError(f"Tab never reached {wanted}: {seen}")


def _accessible(driver, name: str) -> None:
    """axe-core finds nothing, every control is at least 44 px, and at 200 % zoom nothing
    scrolls sideways; at phone and desktop size."""
    for size in (PHONE, DESKTOP):
        driver.set_window_size(*size)
        time.sleep(0.2)
        assert axe_violations(driver) == [], (name, size)
        assert small_targets(driver) == [], (name, size)
        assert off_screen(driver) == [], (name, size)
    driver.execute_script("document.getElementById('theme').click()")  # dim, for the night
    try:
        assert driver.execute_script("return document.documentElement.classList.contains('dim')")
        assert axe_violations(driver) == [], (name, "dim")
    finally:
        driver.execute_script("document.getElementById('theme').click()")
    driver.execute_cdp_cmd(  # 200 % zoom on the phone: half the CSS pixels each way
        "Emulation.setDeviceMetricsOverride",
        {"width": PHONE[0] // 2, "height": PHONE[1] // 2, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        time.sleep(0.2)
        assert sideways_scroll(driver) <= 0, name
    finally:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(*PHONE)


@pytest.mark.slow("a real server, Chromium and a session played in it for a few seconds")
def test_today_done_with_the_keyboard_plays_and_keeps_its_ratings(app):
    from selenium.webdriver.common.keys import Keys

    with chromium(PHONE) as driver:
        driver.get(app.start)
        assert urlsplit(driver.current_url).path == "/who"  # the token is gone; the first time, who uses it
        _go(driver, driver.find_element("css selector", "button[value=listener]"))
        assert urlsplit(driver.current_url).path == "/today"  # the listener's home
        _shot(driver, "today")
        _accessible(driver, "today")
        driver.find_element("tag name", "body").click()
        _tab_to(driver, "energy_score=")
        _keys(driver, *[Keys.ARROW_RIGHT] * 4)  # skip, 0, 1, 2, 3
        _tab_to(driver, "breathless=")
        _keys(driver, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # yes, no
        _tab_to(driver, "goal=")
        _keys(driver, Keys.ARROW_RIGHT)  # to rest
        _tab_to(driver, "=Choose my session")
        _keys(driver, Keys.ENTER)
        _wait(driver, "return location.pathname.startsWith('/session/')")
        reason = driver.find_element("css selector", ".reason").text
        assert reason.startswith("Low energy, to rest:") and "minutes" in reason
        _wait(driver, "return !document.getElementById('play').disabled")
        _tab_to(driver, "play=Play")
        _keys(driver, Keys.ENTER)
        _wait(driver, "return document.getElementById('player').currentTime > 2", timeout=20)
        _shot(driver, "session-playing")
        circle = [driver.execute_script("return document.getElementById('circle').style.transform")]
        time.sleep(1.0)
        circle.append(driver.execute_script("return document.getElementById('circle').style.transform"))
        assert circle[0] != circle[1]  # the breathing guide moves with the sound
        _accessible(driver, "session")
        _tab_to(driver, "done=")
        _keys(driver, Keys.ENTER)  # finished listening: the after ratings, focus on their heading
        assert driver.execute_script("return document.activeElement.id") == "after-title"
        _tab_to(driver, "pain=")
        _keys(driver, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_RIGHT)  # pain 2
        _tab_to(driver, "=Keep")
        _keys(driver, Keys.ENTER)
        _wait(driver, "var k = document.querySelector('#after .kept'); return k && k.textContent")
    with app.journal() as db:
        session = db.execute(
            "SELECT script, energy, energy_score, breathless, goal, minutes_heard, ended FROM sessions"
        )
        (script, energy, score, breathless, goal, heard, ended), *more = session.fetchall()
        assert (energy, score, breathless, goal, ended, more) == ("low", 3, 0, "rest", "stopped", [])
        assert 2 / 60 < heard < 1
        ratings = db.execute("SELECT moment, tiredness, pain FROM ratings ORDER BY id").fetchall()
    assert ratings == [("before", 7, None), ("after", None, 2)]  # energy 3 of 10 is tiredness 7


@pytest.mark.slow("a real server and Chromium; a caregiver track made and downloaded")
def test_the_caregiver_track_waits_for_the_notes(app, tmp_path):
    with chromium(PHONE) as driver:
        _open(driver, app, "/caregiver")
        notes = driver.find_element("css selector", ".notes")
        assert "Do not massage over" in notes.text
        assert not driver.find_elements("css selector", "input[name=part]")  # nothing to play yet
        _accessible(driver, "caregiver-notes")
        _shot(driver, "caregiver")
        # a track asked for before the notes are confirmed: the library refuses it
        answer = driver.execute_script(
            "return fetch('/caregiver', {method: 'POST', body: new URLSearchParams('action=play&part=hands')})"
            ".then(function (r) { return r.text().then(function (t) { return [r.status, t]; }); })"
        )
        assert answer[0] == 400 and "Not confirmed; nothing was made" in answer[1]
        _go(driver, driver.find_element("css selector", "button[value=confirm]"))  # the box is not ticked
        assert "Tick the box" in driver.find_element("css selector", ".error").text
        driver.find_element("css selector", "input[name=read]").click()
        _go(driver, driver.find_element("css selector", "button[value=confirm]"))
        driver.find_element("css selector", "input[name=part][value=feet]").click()
        _accessible(driver, "caregiver-confirmed")
        _go(driver, driver.find_element("css selector", "button[value=download]"))
        _wait(driver, "return !document.getElementById('links').hidden", timeout=120)
        assert driver.find_element("id", "notes-link").is_displayed()
        _accessible(driver, "file")
        got = driver.execute_script(
            "return Promise.all([fetch(document.getElementById('notes-link').href).then(r => r.text()),"
            " fetch(document.querySelector('#links a').href).then(r => r.arrayBuffer())"
            ".then(b => Array.from(new Uint8Array(b.slice(0, 3))))])"
        )
        assert got[0] == SAFETY_SCREEN
        assert bytes(got[1]) == b"ID3"  # an MP3 with its tags, as render writes it
        captions = driver.find_element("id", "captions-link")  # issue 30: and its words, as captions
        assert captions.is_displayed() and captions.get_attribute("href").endswith("/captions")
        words = driver.execute_script("return fetch(document.getElementById('captions-link').href).then(r => r.text())")
        assert words.startswith("WEBVTT\n\n1\n00:00:0")


@pytest.mark.slow("a real server and Chromium through every part of the journal")
def test_journal_add_change_delete_export_and_report(app, tmp_path):
    from pypdf import PdfReader

    with chromium(PHONE) as driver:
        _open(driver, app, "/journal")
        _accessible(driver, "journal-empty")
        driver.find_element("css selector", "#add summary").click()
        driver.find_element("css selector", "input[name=anxiety][value='6']").click()
        driver.find_element("id", "add-note").send_keys("=restless <b>night</b>")
        _go(driver, driver.find_element("css selector", "#add button[type=submit]"))
        assert "Kept in your journal" in driver.find_element("css selector", ".kept").text
        entry = driver.find_element("css selector", ".entry")
        assert "Anxiety 6" in entry.text and "=restless <b>night</b>" in entry.text  # shown as text
        _wait(driver, "return document.querySelector('.journal-chart svg.chart-strip')")
        _accessible(driver, "journal")
        _shot(driver, "journal", show=".journal-chart")
        _go(driver, entry.find_element("link text", "Change"))
        _accessible(driver, "edit")
        driver.find_element("css selector", "input[name=anxiety][value='4']").click()
        _go(driver, driver.find_element("css selector", "button[type=submit]"))
        assert "Anxiety 4" in driver.find_element("css selector", ".entry").text
        csv_text = driver.execute_script("return fetch('/journal/export.csv').then(r => r.text())")
        assert "'=restless <b>night</b>" in csv_text and ",4," in csv_text  # a formula made plain text
        pdf = driver.execute_script(
            "return fetch(document.querySelector('form[action$=\"report.pdf\"]').action + '?' +"
            " new URLSearchParams(new FormData(document.querySelector('form[action$=\"report.pdf\"]'))))"
            ".then(r => r.arrayBuffer()).then(b => Array.from(new Uint8Array(b)))"
        )
        (tmp_path / "report.pdf").write_bytes(bytes(pdf))
        text = PdfReader(tmp_path / "report.pdf").pages[0].extract_text()
        assert "care team" in text and "Anxiety" in text
        subprocess.run(
            ["pdftoppm", "-r", "40", "-png", str(tmp_path / "report.pdf"), str(tmp_path / "page")], check=True
        )
        (page,) = tmp_path.glob("page*.png")
        from tests.real.test_pack import _png_pixels

        pixels = _png_pixels(page)
        assert 0.01 < (pixels < 128).mean() < 0.5  # words on a white page
        _go(driver, driver.find_element("css selector", ".entry").find_element("link text", "Delete"))
        _accessible(driver, "delete")
        assert "Delete this entry?" in driver.find_element("tag name", "h1").text
        _go(driver, driver.find_element("css selector", "button[type=submit]"))
        assert "The entry is deleted" in driver.find_element("css selector", ".kept").text
        assert not driver.find_elements("css selector", ".entry")
    assert app.ratings() == 0


@pytest.mark.slow("a real server and Chromium: the Listen page plays a session by kind")
def test_listen_plays_a_sleep_session(app):
    with chromium(DESKTOP) as driver:
        _open(driver, app, "/listen")
        _accessible(driver, "listen")
        driver.set_window_size(*DESKTOP)
        _shot(driver, "listen-desktop", size=DESKTOP)
        driver.find_element("css selector", "input[name=kind][value=sleep]").click()
        driver.find_element("css selector", "input[name=energy][value=low]").click()
        driver.find_element("css selector", "input[name=minutes][value='4']").click()
        driver.find_element("id", "name").send_keys("Ada")
        started = time.monotonic()
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        _wait(driver, "return !document.getElementById('play').disabled")
        driver.find_element("id", "play").click()
        _wait(driver, "return document.getElementById('player').currentTime > 0.2", timeout=20)
        assert time.monotonic() - started < 20
        assert driver.find_element("id", "title").text == "Drifting towards sleep"
        duration = driver.execute_script("return document.getElementById('player').duration")
        assert 4 * 60 - 1 < duration < 4 * 60 + 30  # the whole length is known from the first byte
        driver.execute_script("document.getElementById('player').currentTime = 200")  # seek beyond what was sent
        _wait(driver, "var a = document.getElementById('player'); return a.currentTime > 200.5 && !a.paused")


def _seconds(clock: str) -> int:
    minutes, seconds = clock.split(":")
    return int(minutes) * 60 + int(seconds)


@pytest.mark.slow("a real server, Chromium, and a 90-minute track live on the tests' sound device")
def test_massage_regions_picture_and_live_controls(app):
    """The regions editor and the track's picture; then the track on this computer's sound
    output (the tests' ALSA null device, which takes sound faster than it plays), its state
    pushed to the page, and every control: pause, softer, louder, five more minutes, stop."""
    live = "return [document.getElementById('live').dataset.state, document.getElementById('live-left').textContent]"
    with chromium(PHONE) as driver:
        _open(driver, app, "/massage")
        _accessible(driver, "massage")
        driver.find_element("css selector", "input[name=minutes][value='90']").click()
        for i, (name, minutes) in enumerate((("back", "20"), ("legs", "15"))):
            driver.find_element("id", f"region_{i}").send_keys(name)
            driver.find_element("id", f"minutes_{i}").send_keys(minutes)
        _go(driver, driver.find_element("css selector", "button[value=plan]"))
        _wait(driver, "return document.querySelector('.plan-picture .plan-row')", timeout=60)
        assert driver.find_element("id", "region_1").get_attribute("value") == "legs"  # the form keeps its rows
        _shot(driver, "massage-plan", show="#plan-title", size=DESKTOP)  # the plan drawn in the page
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        _wait(driver, "return document.getElementById('live').dataset.state === 'playing'")
        driver.find_element("id", "live-pause").click()
        _wait(driver, "return document.getElementById('live').dataset.state === 'paused'")
        state, left = driver.execute_script(live)
        time.sleep(1.2)
        assert driver.execute_script(live) == [state, left]  # paused: the time left stands still
        assert driver.find_element("id", "live-region").text in ("back", "legs")
        assert driver.find_element("id", "live-next").text.startswith("chime: legs, in ")  # plan/cues.py's words
        driver.find_element("css selector", "button[value=softer]").click()
        _wait(driver, "return document.getElementById('live-volume').textContent === '-3 dB'")
        driver.find_element("css selector", "button[value=louder]").click()
        _wait(driver, "return document.getElementById('live-volume').textContent === 'full'")
        driver.find_element("css selector", "button[value=extend]").click()
        _wait(driver, "return document.getElementById('live-said').textContent.includes('five more minutes')")
        _wait(driver, f"return document.getElementById('live-left').textContent !== '{left}'")
        assert _seconds(driver.execute_script(live)[1]) - _seconds(left) == pytest.approx(300, abs=2)
        _accessible(driver, "live")
        _shot(driver, "massage-live")
        driver.find_element("id", "live-pause").click()  # go on, then stop with a fade
        driver.find_element("css selector", "button[value=stop]").click()
        _wait(driver, "return document.getElementById('live').dataset.state === 'ended'", timeout=60)
        assert driver.find_element("css selector", "button[value=stop]").get_attribute("disabled")
        said = driver.find_element("id", "live-said").text  # the null device takes sound faster than it plays
        assert said.startswith("Ended. The sound output took the track faster than it plays"), said
        driver.refresh()  # and the page drawn anew says the same
        assert driver.find_element("id", "live-said").text == said


def _make_pack(driver, name: str, voice: str | None = None) -> str:
    """A low-energy FLAC pack asked for on the Pack page, followed to its end: its .zip's address."""
    for level in ("medium", "high"):  # low energy only
        driver.find_element("css selector", f"input[name=energy][value={level}]").click()
    driver.find_element("css selector", "input[name=format][value=flac]").click()
    if voice is not None:
        driver.find_element("css selector", f"input[name=voice][value='{voice}']").click()
    field = driver.find_element("id", "name")
    field.clear()
    field.send_keys(name)
    _go(driver, driver.find_element("css selector", "button.play[type=submit]"))
    if voice is not None:  # a voice with phrases unrecorded: they are named first, then made anyway
        assert driver.find_element("tag name", "h1").text == "Before the pack is made"
        assert f"{voice}'s voice has no recording of" in driver.find_element("css selector", "p.reason").text
        _go(driver, driver.find_element("id", "make-anyway"))
    seen = set()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not driver.execute_script("return !document.getElementById('links').hidden"):
        seen.add(driver.execute_script("return document.getElementById('bar').value"))
        assert "failed" not in driver.find_element("id", "job").get_attribute("class"), driver.find_element(
            "id", "doing"
        ).text
        time.sleep(0.1)
    assert any(0 < v < 100 for v in seen)  # the bar moved while the pack was made
    assert driver.find_element("id", "doing").text == "Your pack is ready."  # the status line ends with the work
    return urlsplit(driver.find_element("css selector", "#links a").get_attribute("href")).path


@pytest.mark.slow("a real server and Chromium; two small FLAC home packs made, zipped and unzipped side by side")
def test_a_pack_is_made_with_its_progress_and_handed_over_as_a_zip(app, tmp_path):
    from companion.plan.catalogue import resolve_script
    from companion.plan.profile import Energy
    from companion.voice.recorded import RecordedVoice, script_phrases

    mum = RecordedVoice("Mum", default_person(app.data) / "voices")  # a loved one's voice, one phrase recorded
    mum.create()
    first_phrase = script_phrases(resolve_script("settling", Energy.LOW))[0]
    mum.keep(first_phrase, 0.1 * np.sin(np.linspace(0, 2000, 44100 * 2)).astype(np.float32), 44100)
    with chromium(PHONE) as driver:
        _open(driver, app, "/pack")
        _accessible(driver, "pack")
        voices = [e.get_attribute("value") for e in driver.find_elements("css selector", "input[name=voice]")]
        assert voices == ["", "Mum"]  # companion's voice, or the recorded one
        href = _make_pack(driver, "For Mum")
        assert not driver.find_element("id", "notes-link").is_displayed()
        _accessible(driver, "pack-made")
        cookie = f"companion={driver.get_cookie('companion')['value']}"  # the browser's own session
        _go(driver, driver.find_element("link text", "Play them here"))  # the tracks in this browser
        cards = driver.find_elements("css selector", "li.card")
        assert len(cards) == 3 and "6 minutes" in cards[0].text
        _accessible(driver, "pack-play")
        cards[1].find_element("css selector", ".play").click()
        _wait(driver, "return document.getElementById('player').currentTime > 1", timeout=20)
        assert driver.find_element("id", "now-title").text == cards[1].find_element(
            "css selector", ".play"
        ).get_attribute("aria-label").removeprefix("Pause: ")
        driver.execute_script("document.getElementById('player').currentTime = 200")  # seeking: a range request
        _wait(driver, "var a = document.getElementById('player'); return a.currentTime > 200.5 && !a.paused")
        driver.get(app.base + "/pack")
        second = _make_pack(driver, "Mum's rest: nights", voice="Mum")
    phone = tmp_path / "phone"  # both unzipped in one folder, as on a phone or a USB stick
    folders = {}
    for path, name in ((href, "For Mum"), (second, "Mum's rest - nights")):
        status, body = _request(app, "GET", path, {"Host": app.base[7:], "Cookie": cookie})
        assert status == 200
        archive = zipfile.ZipFile(io.BytesIO(body))
        names = archive.namelist()
        assert f"{name}/index.html" in names and any(n.endswith(".m3u8") for n in names)
        assert any(n.endswith(".pdf") for n in names)
        tracks = [n for n in names if n.endswith(".flac")]
        assert len(tracks) == 3 and all(n.startswith(f"{name}/0") for n in tracks)  # low, breathing easy, sleep
        archive.extractall(phone)
        folders[name] = json.loads((phone / name / ".companion-pack.json").read_text())["tracks"]
    assert sorted(p.name for p in phone.iterdir()) == ["For Mum", "Mum's rest - nights"]  # nothing overwritten
    bundled, recorded = folders["For Mum"], folders["Mum's rest - nights"]
    assert bundled.keys() == recorded.keys()
    assert all(bundled[f]["sound"] != recorded[f]["sound"] for f in bundled)  # the second in Mum's voice


@pytest.mark.slow("a real server and Chromium; takes spoken by the real voice, uploaded and cleaned")
def test_a_loved_ones_takes_are_uploaded_checked_and_removed(app, tmp_path):
    from tests.real.test_recorded_voice import a_person_saying, write_recording

    with chromium(PHONE) as driver:
        _open(driver, app, "/voices")
        consent = driver.find_element("css selector", ".stop")
        assert "agreement" in consent.text
        assert consent.location["y"] < driver.find_element("tag name", "form").location["y"]  # the consent first
        _accessible(driver, "voices")
        _go(driver, driver.find_element("css selector", "form[action='/voices/phrases'] button"))
        numbered = [
            e.text for e in driver.find_elements("css selector", ".entry") if e.is_displayed()
        ]  # a low-energy session's
        assert numbered[0].startswith("001 ") and len(numbered) > 3
        phrases = [line.split(" ", 1)[1] for line in numbered]
        _accessible(driver, "phrases")
        driver.get(app.base + "/voices")
        files = [write_recording(tmp_path, i + 1, a_person_saying(phrases[i]), "wav") for i in range(2)]
        silent = tmp_path / "003.wav"
        import soundfile as sf

        sf.write(silent, np.zeros(22050 * 2, np.float32), 22050)  # a take with no words in it
        driver.find_element("id", "voice").send_keys("Mum")
        driver.find_element("id", "takes").send_keys("\n".join(str(f) for f in [*files, silent]))
        _go(driver, driver.find_element("css selector", "form[action='/voices/import'] button"))
        _wait(driver, "var k = document.querySelector('.kept'); return k && k.textContent", timeout=60)
        assert driver.find_element("css selector", ".kept").text == "Kept 2 takes."
        redo = driver.find_element("css selector", ".entries").text
        assert redo.startswith("003") and phrases[2] in redo  # the take to redo, named by its phrase
        _accessible(driver, "imported")
        voice_folder = default_person(app.data) / "voices" / "Mum"
        assert len(list(voice_folder.glob("*"))) >= 2
        driver.get(app.base + "/listen")
        assert driver.find_elements("css selector", "input[name=voice][value=Mum]")  # offered for a session
        driver.get(app.base + "/voices")
        assert "Mum · 2 takes" in driver.find_element("css selector", ".entries").text
        _go(driver, driver.find_element("link text", "Delete"))
        _accessible(driver, "remove-voice")
        _go(driver, driver.find_element("css selector", "button[type=submit]"))
        assert "deleted" in driver.find_element("css selector", ".kept").text
    assert not voice_folder.exists()


def _request(app: App, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
    return _request_at("127.0.0.1", app.port, method, path, headers, body)


def _request_at(address: str, port: int, method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, bytes]:
    conn = http.client.HTTPConnection(address, port, timeout=10)
    try:
        conn.request(method, path, body=body or None, headers=headers)
        answer = conn.getresponse()
        return answer.status, answer.read()
    finally:
        conn.close()


def _cookie(app: App) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
    conn.request("GET", urlsplit(app.start).path + "?" + urlsplit(app.start).query, headers={"Host": app.base[7:]})
    answer = conn.getresponse()
    assert answer.status == 303
    cookie = answer.getheader("set-cookie")
    assert cookie is not None and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    conn.close()
    return cookie.split(";")[0]


def test_the_guard_refuses_what_a_stranger_sends(app):
    """A forged Host, a cross-origin POST, no session cookie, a used token, an oversized body."""
    host = app.base[7:]
    cookie = _cookie(app)
    ok = {"Host": host, "Cookie": cookie}
    status, body = _request(app, "GET", "/journal", ok)
    assert status == 200 and b"Comfort journal" in body
    assert _request(app, "GET", "/journal", {**ok, "Host": f"evil.example:{app.port}"})[0] == 421
    assert _request(app, "GET", "/journal", {"Host": host})[0] == 403
    assert _request(app, "GET", urlsplit(app.start).path + "?" + urlsplit(app.start).query, {"Host": host})[0] == 403
    form = b"anxiety=5"
    post = {**ok, "Content-Type": "application/x-www-form-urlencoded", "Content-Length": str(len(form))}
    assert _request(app, "POST", "/journal", {**post, "Origin": "http://evil.example"}, form)[0] == 403
    assert _request(app, "POST", "/journal", post, form)[0] == 403  # no Origin at all
    assert _request(app, "POST", "/journal", {**post, "Origin": app.base, "Cookie": "companion=guess"}, form)[0] == 403
    big = b"note=" + b"x" * 70_000
    assert (
        _request(app, "POST", "/journal", {**post, "Origin": app.base, "Content-Length": str(len(big))}, big)[0] == 413
    )
    huge = {**post, "Origin": app.base, "Content-Length": str(300 << 20)}
    assert _request(app, "POST", "/voices/import", huge, b"x")[0] == 413  # refused before a byte is read
    assert app.ratings() == 0  # none of them wrote
    assert _request(app, "POST", "/journal", {**post, "Origin": app.base}, form)[0] == 303  # the page's own
    for path in ("/today", "/journal/export.csv", "/journal/report.pdf", "/journal/chart.png", "/jobs/x"):
        status, body = _request(app, "GET", path, {"Host": host})
        assert status == 403 and b"Anxiety" not in body and b"anxiety" not in body, path
    status, _ = _request(app, "GET", "/static/app.css", {"Host": host})
    assert status == 200  # the style is not private


def test_the_server_answers_while_a_report_is_drawn(app):
    """The report is drawn off the event loop: a small file asked for while it is drawn is
    answered meanwhile, many times over, not after it. (Its time is a figure for
    benchmarks/app.py; here only the order is checked.)"""
    import threading

    from companion.journal.entries import Ratings
    from companion.journal.store import Journal

    with Journal(default_person(app.data) / "journal.sqlite3") as journal:
        for i in range(300):
            journal.add(Ratings(pain=i % 11, anxiety=(3 * i) % 11, note="a restless night " * 10))
    ok = {"Host": app.base[7:], "Cookie": _cookie(app)}
    before_it = []
    for _ in range(3):
        drawn: list[int] = []

        def draw(into: list[int] = drawn) -> None:
            into.append(_request(app, "GET", "/journal/report.pdf", ok)[0])

        drawing = threading.Thread(target=draw)
        drawing.start()
        answered = 0
        while drawing.is_alive():
            status, _ = _request(app, "GET", "/static/app.css", {"Host": app.base[7:]})
            assert status == 200
            answered += drawing.is_alive()  # answered while the report was still being drawn
        drawing.join()
        assert drawn == [200]
        before_it.append(answered)
    # a blocked server answers at most the one request that came before the drawing began
    assert sum(before_it) >= 10, before_it


def _children(pid: int) -> list[tuple[str, str]]:
    """(state, command line) of each process whose parent is `pid`: state 'Z' is a zombie,
    ended and never reaped (its command line is gone)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                line = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append((fields[0], line))
    return found


def test_the_voice_made_in_the_background_leaves_no_zombie(app):
    """The app starts `voice prepare` beside it; with the voice cache warm it ends within
    seconds, and the app reaps it then, not when the app stops."""

    def waiting() -> list[tuple[str, str]]:
        return [(state, line) for state, line in _children(app.proc.pid) if state == "Z" or "prepare" in line]

    deadline = time.monotonic() + 60
    while waiting() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert waiting() == []


def test_a_lan_address_without_lan_is_refused_in_one_line(tmp_path):
    from tests.helpers import run_cli

    refused = run_cli("app", "--no-browser", "--lan-address", LAN_ADDRESS, env={"XDG_DATA_HOME": str(tmp_path)})
    assert refused.returncode == 2 and refused.stdout == ""
    (line,) = refused.stderr.strip().splitlines()
    assert line.startswith("Error: --lan-address is for the home network: add --lan"), line
    assert not (tmp_path / "companion").exists()  # nothing was started


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP (its window closed)"])
def test_sigterm_stops_the_app_within_two_seconds(app, sig):
    with pytest.raises(ConnectionRefusedError):  # without --lan, nothing listens beyond 127.0.0.1
        socket.create_connection((LAN_ADDRESS, app.port), timeout=5).close()
    time.sleep(0.5)
    started = time.monotonic()
    app.proc.send_signal(sig)
    app.proc.wait(timeout=5)
    assert time.monotonic() - started < 2
    assert app.proc.returncode == 130
    assert "Traceback" not in app.proc.stderr.read()


@pytest.mark.lan
@pytest.mark.slow("a real server on two addresses, two browsers, and a track live on the tests' sound device")
def test_a_phone_across_the_room_pairs_and_works_the_massage_remote(app):
    """The home network's door (a second loopback address): every route refused to an
    unpaired phone, pairing with the code the computer shows, the therapist's remote with
    the computer's page and the phone's watching the same live state, and removal."""
    from zeroconf import Zeroconf

    from companion.app.announce import SERVICE, local_name

    lan_base = f"http://{LAN_ADDRESS}:{app.port}"
    lan_host = lan_base[7:]
    with app.journal_with_a_note():
        pass
    finder = Zeroconf(interfaces=[LAN_ADDRESS])  # the app found by name, as a phone finds it
    try:
        name = f"companion on {local_name().removesuffix('.local')}.{SERVICE}"
        found = finder.get_service_info(SERVICE, name, timeout=10_000)
    finally:
        finder.close()
    assert found is not None and found.port == app.port and found.parsed_addresses() == [LAN_ADDRESS]
    assert found.server == f"{local_name()}." and found.properties[b"path"] == b"/pair"
    by_name = {"Host": f"{local_name()}:{app.port}"}
    assert _request_at(LAN_ADDRESS, app.port, "GET", "/pair", by_name)[0] == 200  # it answers to that name
    for path in ("/today", "/journal", "/journal/export.csv", "/voices", "/massage/live/events", "/cover.png"):
        status, body = _request_at(LAN_ADDRESS, app.port, "GET", path, {"Host": lan_host})
        assert status == 303 and b"private" not in body, path
    assert _request_at(LAN_ADDRESS, app.port, "GET", "/devices", {"Host": lan_host})[0] == 403
    with chromium(DESKTOP) as computer, chromium(PHONE) as phone:
        _open(computer, app, "/devices")
        assert "reached from your home network" in computer.find_element("css selector", ".stop").text
        assert computer.find_element("css selector", ".reason").text == f"{lan_base}/pair"
        _accessible(computer, "devices")
        _go(computer, computer.find_element("css selector", "form[action='/devices/code'] button"))
        code = computer.find_element("css selector", ".code").text
        _shot(computer, "devices", show=".qr", size=DESKTOP)
        phone.get(lan_base + "/journal")  # not paired: the pairing page, and nothing else
        assert urlsplit(phone.current_url).path == "/pair"
        _accessible(phone, "pair")
        phone.find_element("id", "code").send_keys(code)
        _named_and_asked_who(phone, app)
        phone.get(lan_base + "/journal")
        assert "private note" in phone.find_element("css selector", ".entries").text
        computer.get(app.base + "/devices")
        assert "Anna's phone" in computer.find_element("css selector", ".entries").text

        computer.get(app.base + "/massage")
        computer.find_element("css selector", "input[name=minutes][value='90']").click()
        _go(computer, computer.find_element("css selector", "button[value=play]"))
        _wait(computer, "return document.getElementById('live').dataset.state === 'playing'")
        phone.get(lan_base + "/massage/live")  # the remote: the track plays on the computer
        phone.find_element("id", "live-pause").click()
        for page in (phone, computer):  # both pages see it paused, pushed from the server
            _wait(page, "return document.getElementById('live').dataset.state === 'paused'")
        left = phone.find_element("id", "live-left").text
        _wait(computer, f"return document.getElementById('live-left').textContent === '{left}'")
        phone.find_element("css selector", "button[value=stop]").click()
        for page in (phone, computer):
            _wait(page, "return document.getElementById('live').dataset.state === 'ended'", timeout=60)

        computer.get(app.base + "/devices")
        _go(computer, computer.find_element("css selector", "form[action$='/remove'] button"))
        assert "removed" in computer.find_element("css selector", ".kept").text
        phone.get(lan_base + "/journal")
        assert urlsplit(phone.current_url).path == "/pair"  # refused at once
    log = (app.data / "companion" / "devices.log").read_text().splitlines()
    assert [line.split("  ")[1:] for line in log] == [["paired", "Anna's phone"], ["removed", "Anna's phone"]]


@pytest.mark.lan
@pytest.mark.slow("the real voice speaks into Chromium's fake microphone; a session then renders in that voice")
def test_a_phrase_recorded_on_a_paired_phone_becomes_a_voice_that_renders(app, tmp_path):
    """The walk-through on a phone: the consent first, the phrase to read, a take recorded
    from the browser's microphone (a spoken WAV fed to Chromium's fake one) with the level
    meter moving, checked and cleaned as `voice import` does, then the next phrase; and a
    session in that voice (the bundled voice filling in the rest) is made."""
    import soundfile as sf

    from tests.real.test_recorded_voice import a_person_saying

    lan_base = f"http://{LAN_ADDRESS}:{app.port}"
    with chromium(DESKTOP) as computer:
        _open(computer, app, "/devices")
        _go(computer, computer.find_element("css selector", "form[action='/devices/code'] button"))
        code = computer.find_element("css selector", ".code").text
    first = _first_phrase(app)
    spoken = a_person_saying(first)
    sf.write(tmp_path / "spoken.wav", spoken, 22050, subtype="PCM_16")
    fake_mic = ("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-audio-capture={tmp_path / 'spoken.wav'}")  # fmt: skip
    with chromium(PHONE, fake_mic) as phone:
        phone.get(lan_base + "/pair")
        phone.find_element("id", "code").send_keys(code)
        phone.find_element("id", "name").send_keys("Mum's phone")
        _go(phone, phone.find_element("css selector", "button[type=submit]"))
        phone.get(lan_base + "/voices/record?voice=Mum&script=settling")
        assert "agreement" in phone.find_element("css selector", ".stop").text  # the consent first
        assert phone.find_element("id", "phrase").text == first
        assert phone.find_element("id", "where").text.startswith("Phrase 1 of ")
        assert phone.find_element("id", "rec").is_displayed()  # 127.0.0.2 is a secure page: the microphone
        _accessible(phone, "record")
        phone.find_element("id", "rec").click()
        loudest = 0.0
        deadline = time.monotonic() + len(spoken) / 22050 + 0.5
        while time.monotonic() < deadline:
            loudest = max(loudest, phone.execute_script("return document.getElementById('level').value"))
            time.sleep(0.05)
        phone.find_element("id", "rec").click()  # stop
        _wait(phone, "return !document.getElementById('back').hidden && document.getElementById('take').files.length")
        assert loudest > 0.05  # the meter moved while the voice spoke
        _go(phone, phone.find_element("id", "keep"))
        assert phone.find_element("id", "where").text.startswith("Phrase 2 of "), phone.page_source[:2000]
        assert "1 kept so far" in phone.find_element("id", "where").text
        phone.get(lan_base + "/voices/record?voice=Mum&script=settling")  # resumes where it stopped
        assert phone.find_element("id", "where").text.startswith("Phrase 2 of ")
        phone.get(lan_base + "/listen")
        phone.find_element("css selector", "input[name=voice][value=Mum]").click()
        phone.find_element("css selector", "input[name=minutes][value='4']").click()
        _go(phone, phone.find_element("css selector", "button[value=play]"))
        assert phone.find_element("tag name", "h1").text == "Before it plays"  # the phrases still missing, named
        _go(phone, phone.find_element("id", "play-anyway"))
        _wait(phone, "return !document.getElementById('play').disabled", timeout=120)  # made, in Mum's voice
    assert len(list((default_person(app.data) / "voices" / "Mum").glob("*.flac"))) == 1  # the one take, cleaned


def _request_from(source: str, app: App, method: str, path: str, headers: dict, body: bytes = b"") -> tuple:
    """A request to the home network's door from `source`, another address of this computer
    (another device on the network, as the server sees it): (status, headers, body)."""
    conn = http.client.HTTPConnection(LAN_ADDRESS, app.port, timeout=10, source_address=(source, 0))
    try:
        conn.request(method, path, body=body or None, headers={"Host": f"{LAN_ADDRESS}:{app.port}", **headers})
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def _form(app: App, fields: dict, origin: str) -> tuple[dict, bytes]:
    from urllib.parse import urlencode

    body = urlencode(fields).encode()
    kind = "application/x-www-form-urlencoded"
    return {"Origin": origin, "Content-Type": kind, "Content-Length": str(len(body))}, body


def _new_code(app: App, cookie: str) -> str:
    import re

    headers = {"Host": app.base[7:], "Cookie": cookie, "Origin": app.base, "Content-Length": "0"}
    status, page = _request(app, "POST", "/devices/code", headers)
    assert status == 200
    shown = re.search(rb'class="code"[^>]*>(\d{6})<', page)
    assert shown is not None, page
    return shown.group(1).decode()


@pytest.mark.lan
@pytest.mark.slow("a real server on two addresses and Chromium as the phone that pairs")
def test_wrong_codes_from_one_device_leave_the_owners_phone_free_to_pair(app):
    """Another device on the network sends wrong codes until it must wait; the owner's phone
    (another address) pairs at once with the right one, and a blank name does not use it up."""
    from companion.app.devices import FREE_TRIES

    lan_base = f"http://{LAN_ADDRESS}:{app.port}"
    code = _new_code(app, _cookie(app))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    said = []
    for _ in range(FREE_TRIES + 2):
        status, _, body = _request_from(
            "127.0.0.3", app, "POST", "/pair", *_form(app, {"code": wrong, "name": "x"}, lan_base)
        )
        said.append(status)
    assert said == [400] * FREE_TRIES + [429, 429] and b"wait 30 seconds" in body
    status, _, _ = _request_from("127.0.0.3", app, "POST", "/pair", *_form(app, {"code": code, "name": "x"}, lan_base))
    assert status == 429  # that device waits, even with the right code
    with chromium(PHONE) as phone:  # the owner's phone comes from 127.0.0.1
        phone.get(lan_base + "/pair")
        phone.find_element("id", "code").send_keys(code)
        phone.find_element("id", "name").send_keys("   ")
        _go(phone, phone.find_element("css selector", "button[type=submit]"))
        assert "Give the device a name" in phone.find_element("css selector", ".error").text
        _accessible(phone, "pair-refused")
        phone.find_element("id", "code").send_keys(code)  # the same code: it was not used up
        _named_and_asked_who(phone, app)
    log = (app.data / "companion" / "devices.log").read_text().splitlines()
    assert [line.split("  ")[1:] for line in log] == [["paired", "Anna's phone"]]


@pytest.mark.lan
@pytest.mark.slow("a real server, Chromium as the computer, and a 90-minute track live on the tests' sound device")
def test_a_removed_device_loses_its_open_update_stream_at_once(app):
    lan_base = f"http://{LAN_ADDRESS}:{app.port}"
    with chromium(DESKTOP) as computer:
        _open(computer, app, "/massage")
        code = _new_code(app, f"companion={computer.get_cookie('companion')['value']}")
        fields = {"code": code, "name": "Tablet"}
        status, headers, _ = _request_from("127.0.0.3", app, "POST", "/pair", *_form(app, fields, lan_base))
        assert status == 303
        device = headers["set-cookie"].split(";")[0]
        computer.find_element("css selector", "input[name=minutes][value='90']").click()
        _go(computer, computer.find_element("css selector", "button[value=play]"))
        _wait(computer, "return document.getElementById('live').dataset.state === 'playing'")
        stream = http.client.HTTPConnection(LAN_ADDRESS, app.port, timeout=10, source_address=("127.0.0.3", 0))
        stream.request("GET", "/massage/live/events", headers={"Host": lan_base[7:], "Cookie": device})
        events = stream.getresponse()
        assert events.status == 200 and events.readline().startswith(b"data: ")  # the phone watches
        computer.get(app.base + "/devices")
        _go(computer, computer.find_element("css selector", "form[action$='/remove'] button"))
        assert "removed" in computer.find_element("css selector", ".kept").text
        after = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and (line := events.readline()):
            after.append(line)
        stream.close()
        # at most what was on its way as it was removed; the track itself plays on
        assert not line and len([x for x in after if x.startswith(b"data: ")]) <= 2, after
        computer.get(app.base + "/massage/live")
        _wait(computer, "return document.getElementById('live').dataset.state === 'playing'")


def _first_phrase(app: App) -> str:
    from companion.plan.catalogue import resolve_script
    from companion.plan.profile import Energy
    from companion.voice.recorded import script_phrases

    return script_phrases(resolve_script("settling", Energy.MEDIUM))[0]
