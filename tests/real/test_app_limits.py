"""The app's bounds with the real server, real sessions and headless Chromium: its working
files within the disk budget (the oldest removed first, what cannot fit refused with a
page that says why), the disk's free space kept on a real small file system (checked as a
session is written, while another program fills the disk), and one session made at a time
per device."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from companion.app.room import MB, size_of
from companion.app.web import REPLACED
from tests.browser import PHONE, chromium
from tests.helpers import mounted_tmpfs
from tests.real.test_app import App, _accessible, _go, _wait, running_app


def _work_folder(app: App) -> Path:
    (folder,) = (app.cache / "companion").glob(f"app-{app.proc.pid}-*")
    return folder


def _listen(driver, app: App, minutes: int) -> str:
    """A sleep session of `minutes` asked for on the Listen page; the page it leads to."""
    driver.get(app.base + "/listen")
    driver.find_element("css selector", "input[name=kind][value=sleep]").click()
    driver.find_element("css selector", "input[name=energy][value=low]").click()
    driver.find_element("css selector", f"input[name=minutes][value='{minutes}']").click()
    _go(driver, driver.find_element("css selector", "button[value=play]"))
    return urlsplit(driver.current_url).path


def _ask(driver, fields: str) -> str:
    """The Listen form sent from the page's own script (as the page would); where it led."""
    return driver.execute_script(
        f"return fetch('/listen', {{method: 'POST', body: new URLSearchParams('{fields}')}})"
        ".then(function (r) { return new URL(r.url).pathname; })"
    )


def _job(driver, page: str) -> dict:
    return driver.execute_script(
        f"return fetch('/jobs/{page.rsplit('/', 1)[1]}').then(function (r) {{ return r.json(); }})"
    )


def _made(driver, page: str) -> None:
    deadline = time.monotonic() + 120
    while (job := _job(driver, page))["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert job["state"] == "done", job


def _status(driver, path: str) -> int:
    return driver.execute_script(
        f"return fetch('{path}', {{headers: {{range: 'bytes=0-1'}}}}).then(function (r) {{ return r.status; }})"
    )


@pytest.mark.slow("a real server and Chromium; three real sessions made within a 100 MB budget")
def test_sessions_stay_within_the_disk_budget_the_oldest_removed_first(shared_cache, null_audio_home, tmp_path):
    with running_app(shared_cache, tmp_path / "data", null_audio_home, "--disk-budget", "100MB") as app:
        with chromium(PHONE) as driver:
            driver.get(app.start)
            pages = []
            for _ in range(3):  # 42 MB each: the third makes room by removing the first
                pages.append(_listen(driver, app, 4))
                _made(driver, pages[-1])
                assert size_of(_work_folder(app)) <= 100 * MB
            assert [_status(driver, f"{p}/audio.wav") for p in pages] == [404, 206, 206]
            driver.get(app.base + pages[0])
            assert "not here" in driver.find_element("tag name", "main").text.lower()
            assert _listen(driver, app, 10) == "/listen"  # 106 MB: more than the whole budget
            error = driver.find_element("css selector", ".error").text
            assert "not enough room" in error and "within 100 MB" in error and "shorter session" in error
            _accessible(driver, "no-room")
            assert [_status(driver, f"{p}/audio.wav") for p in pages[1:]] == [206, 206]  # nothing removed for it
            assert size_of(_work_folder(app)) <= 100 * MB


@pytest.fixture
def small_disk(tmp_path, shared_cache):
    """A real 1.7 GB file system for the app's cache folder (the voice's clips linked from the
    warm one): 700 MB above the 1 GB the app leaves free."""
    for mount in mounted_tmpfs(tmp_path / "disk", "size=1700000000,mode=0700"):
        (mount / "companion").mkdir()
        (mount / "companion" / "clips").symlink_to(shared_cache / "companion" / "clips")
        yield mount


@pytest.mark.slow("a real server, Chromium and an hour-long session written on a small real file system")
def test_the_disk_keeps_a_gigabyte_free_before_and_while_a_session_is_written(small_disk, null_audio_home, tmp_path):
    with running_app(small_disk, tmp_path / "data", null_audio_home) as app, chromium(PHONE) as driver:
        driver.get(app.start)
        assert _ask(driver, "kind=sleep&energy=low&minutes=90&action=play") == "/listen"  # 950 MB would not leave 1 GB
        driver.get(app.base + "/listen")
        driver.execute_script(  # the same, as the page shows it
            "var f = document.querySelector('form'); var m = document.createElement('input');"
            "m.type = 'hidden'; m.name = 'minutes'; m.value = '90'; f.appendChild(m);"
            "f.querySelectorAll('input[name=minutes][type=radio]').forEach(function (r) { r.disabled = true; });"
        )
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        error = driver.find_element("css selector", ".error").text
        assert "not enough room" in error and "at least 1.0 GB free" in error, error
        _accessible(driver, "no-room-on-disk")

        hour = _ask(driver, "kind=sleep&energy=low&minutes=60&action=play")  # 635 MB: it fits
        assert hour.startswith("/session/")
        while _job(driver, hour)["percent"] < 5:
            time.sleep(0.02)
        with open(small_disk / "another-program.bin", "wb") as other:  # meanwhile the disk fills up
            other.write(b"\0" * 100 * MB)
        deadline = time.monotonic() + 60
        while (job := _job(driver, hour))["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert job["state"] == "failed" and "not enough room" in job["message"], job
        assert not list(_work_folder(app).glob("*.wav"))  # what it had written is gone
        assert shutil.disk_usage(small_disk).free >= 1000 * MB - 100 * MB  # it stopped where it noticed
        driver.get(app.base + hour)
        _wait(driver, "return document.getElementById('job').classList.contains('failed')")
        assert "not enough room" in driver.find_element("id", "doing").text
        os.remove(small_disk / "another-program.bin")


@pytest.mark.slow("a real server and Chromium; a half-hour session replaced while it is made")
def test_a_device_makes_one_session_at_a_time_the_newer_takes_its_place(shared_cache, null_audio_home, tmp_path):
    with running_app(shared_cache, tmp_path / "data", null_audio_home) as app, chromium(PHONE) as driver:
        driver.get(app.start)
        first, second = driver.execute_script(  # asked for one after the other, from this computer
            "var ask = function (m) { return fetch('/listen', {method: 'POST', body: new URLSearchParams("
            "'kind=relax&energy=medium&action=play&minutes=' + m)})"
            ".then(function (r) { return new URL(r.url).pathname; }); };"
            "return ask(30).then(function (a) { return ask(4).then(function (b) { return [a, b]; }); });"
        )
        _made(driver, second)
        assert _job(driver, first) == {**_job(driver, first), "state": "failed", "message": REPLACED["session"]}
        assert not (_work_folder(app) / f"{first.rsplit('/', 1)[1]}.wav").exists()
        driver.get(app.base + second)
        reason = driver.find_element("css selector", ".reason").text
        assert "Your earlier session was still being made on this device; it has stopped" in reason
        driver.get(app.base + first)
        _wait(driver, "return document.getElementById('job').classList.contains('failed')")
        assert driver.find_element("id", "doing").text == REPLACED["session"]
        _accessible(driver, "replaced")


@pytest.mark.slow("three real servers, one killed outright, and another program given a folder's number")
def test_a_killed_apps_folder_is_swept_and_its_journal_free_when_the_next_app_starts(
    shared_cache, null_audio_home, tmp_path
):
    import signal
    import subprocess

    cache = tmp_path / "cache"
    (cache / "companion").mkdir(parents=True)
    (cache / "companion" / "clips").symlink_to(shared_cache / "companion" / "clips")
    other = subprocess.Popen(["sleep", "60"])  # another program, now holding a number an app once had
    try:
        reused = cache / "companion" / f"app-{other.pid}-old"
        reused.mkdir()
        (reused / "session.wav").write_bytes(b"RIFF" * 1000)
        (reused / ".owner").write_text(f"{other.pid} 1\n")
        with running_app(cache, tmp_path / "data", null_audio_home, ends_with=-signal.SIGKILL) as first:
            left = _work_folder(first)
            (left / "session.wav").write_bytes(b"RIFF" * 1000)
            assert not reused.exists()  # swept at start: its number is another program's now
            first.proc.kill()  # kill -9: nothing of its own clean-up runs
            first.proc.wait(timeout=5)
            assert left.exists()
            assert str(first.proc.pid) in (tmp_path / "data" / "companion" / "app.lock").read_text()  # its words stay
            # the next app over the same journal starts all the same: the lock went with the process
            with running_app(cache, tmp_path / "data", null_audio_home) as second:
                assert not left.exists()  # swept by the next app
                assert _work_folder(second).exists()
    finally:
        other.send_signal(signal.SIGTERM)
        other.wait(timeout=5)


@pytest.mark.slow("a real server, a second `companion app` over its journal, and Chromium")
def test_a_second_app_over_the_same_journal_opens_the_running_one(shared_cache, null_audio_home, tmp_path):
    import stat

    from tests.helpers import run_cli

    data = tmp_path / "data"
    env = {"XDG_CACHE_HOME": str(shared_cache), "XDG_DATA_HOME": str(data), "HOME": str(null_audio_home)}
    with running_app(shared_cache, data, null_audio_home) as app:
        assert stat.S_IMODE((data / "companion" / "app.lock").stat().st_mode) == 0o600
        with chromium(PHONE) as driver:
            driver.get(app.start)
            driver.get(app.start)  # used already, but this browser is in: straight to the app
            assert urlsplit(driver.current_url).path == "/who"  # which asks, until answered, who uses it
        second = run_cli("app", "--no-browser", env=env, timeout=30)
        assert second.returncode == 0 and second.stderr == "", second.stderr
        assert f"already open over this journal (process {app.proc.pid})" in second.stdout
        address = next(w for w in second.stdout.split() if "/start?token=" in w)
        assert address.startswith(app.base + "/start?token=") and address != app.start
        with chromium(PHONE) as driver:  # a browser without the app's cookie: the address lets it in once
            driver.get(address)
            assert urlsplit(driver.current_url).path == "/who"
            _accessible(driver, "who-again")
        with chromium(PHONE) as driver:
            driver.get(address)
            assert "used already" in driver.find_element("tag name", "main").text
        third = run_cli("app", "--no-browser", env=env, timeout=30)
        assert third.returncode == 0 and address not in third.stdout  # a new one in its place
        lan = run_cli("app", "--no-browser", "--lan", "--lan-address", "127.0.0.2", env=env, timeout=30)
        assert lan.returncode == 2 and lan.stdout == ""
        (line,) = lan.stderr.strip().splitlines()
        assert line.startswith(f"Error: companion app is already running over this journal, at {app.base}"), line
        assert "without the home network" in line and "Ctrl-C" in line


def _children(pid: int) -> set[int]:
    kids = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.add(int(stat.parent.name))
    return kids


@pytest.mark.slow("a real server making a pack from an empty voice cache, stopped as its workers start")
def test_ctrl_c_ends_the_app_at_once_while_a_pack_is_made_from_cold(xdg_cache, null_audio_home, tmp_path):
    """The pack's workers start and load the voice, which takes seconds and hears no signal:
    the app must not wait for them."""
    import http.cookiejar
    import signal
    import urllib.parse
    import urllib.request

    with running_app(xdg_cache, tmp_path / "data", null_audio_home) as app:  # an empty cache: the voice is made
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        browser.open(app.start).read()
        fields = [("name", "Rest"), ("energy", "low"), ("energy", "medium"), ("format", "mp3"), ("massage", "yes")]
        form = urllib.request.Request(
            app.base + "/pack", urllib.parse.urlencode(fields).encode(), headers={"Origin": app.base}
        )
        assert "/file/" in browser.open(form).url
        deadline = time.monotonic() + 60
        while len(workers := _children(app.proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)  # the drawing process and the pack's workers, as they start
        assert len(workers) >= 2, workers
        time.sleep(0.3)
        asked = time.monotonic()
        app.proc.send_signal(signal.SIGINT)
        app.proc.wait(timeout=10)
        took = time.monotonic() - asked
        assert took < 2.0, f"took {took:.1f} s"
        deadline = time.monotonic() + 2  # a worker ended with the app is gone once reaped
        while (left := [pid for pid in workers if Path(f"/proc/{pid}").exists()]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, left
