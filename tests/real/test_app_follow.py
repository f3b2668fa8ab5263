"""A session playing in the page's own <audio> follows taps on its circle (issue 36, point 2).
Headless Chromium plays a session from the real server; the circle is clicked at a known pace
while it plays; then the stream the browser was served is read back from the server (bytes
served never change) and checked: until the junction it is the untapped session's sound, to
the sample; from there the tone glides to the tapped pace within two breaths, with no click
and no jump in pitch or loudness; and playback never stalled."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import soundfile as sf
from selenium.webdriver.common.keys import Keys

from companion.app.following import LEAD_S
from tests.browser import PHONE, axe_violations, chromium
from tests.real.test_app import SHOTS, App, _go, _keys, _open, _wait, running_app

PACE_S = 2.5  # 24 breaths a minute, well off the low-energy session's own pace
ON_A_PHONE = {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True}
# the page notes every 'waiting' after playback began: a stalled stream would show here
WATCH = (
    "var a = document.getElementById('player'); window.stalls = []; window.began = false;"
    "a.addEventListener('playing', function () { window.began = true; });"
    "a.addEventListener('waiting', function () { if (window.began) { window.stalls.push(a.currentTime); } });"
)
# n clicks on the playing circle `every` seconds apart, by the page's clock, the first `every`
# seconds after the call (a key pressed just before is the first tap of the run); the audio's
# own time at each click
TAP = (
    "var done = arguments[arguments.length - 1], n = arguments[0], every = arguments[1] * 1000;"
    "var circle = document.getElementById('follow-tap'), a = document.getElementById('player'), at = [];"
    "function next() { at.push(a.currentTime); circle.click();"
    "  if (at.length < n) { setTimeout(next, every); } else { done(at); } }"
    "setTimeout(next, every);"
)


@pytest.fixture
def app(shared_cache, null_audio_home, tmp_path):
    with running_app(shared_cache, tmp_path / "data", null_audio_home) as running:
        yield running


def _options():
    from companion.app.web import fitted
    from companion.plan.checkin import options_for_kind

    options = options_for_kind(
        "relax", energy="low", minutes=4, ambience="none", breath_rate=None, voice=None, fill_with_tts=False, name=None
    )
    return fitted(options)[0]


def _fetch(app: App, driver, path: str) -> bytes:
    """The whole file as it is now (no range: a download, held back by no playhead)."""
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
    where = urlsplit(app.base)
    conn = http.client.HTTPConnection(where.hostname or "127.0.0.1", where.port, timeout=60)
    with contextlib.closing(conn):
        conn.request("GET", path, headers={"Host": where.netloc, "Cookie": cookie})
        answer = conn.getresponse()
        assert answer.status == 200
        return answer.read()


def _db(x: np.ndarray, frame: int) -> np.ndarray:
    rms = np.sqrt(np.mean(x[: len(x) // frame * frame].astype(float).reshape(-1, frame) ** 2, axis=1))
    return 20 * np.log10(rms + 1e-9)


@pytest.mark.slow("a real server and Chromium; a session played for about 40 s, tapped along")
def test_taps_on_the_playing_circle_retime_the_stream_the_page_plays(app, shared_cache):
    from companion.cache import ClipCache
    from companion.plan.breathing import BreathCycle
    from companion.plan.retime import GLIDE_BREATHS
    from companion.session import make_session
    from companion.sound.renderer import blocks

    with chromium(PHONE) as driver:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", ON_A_PHONE)
        _open(driver, app, "/listen")
        for name, value in (("kind", "relax"), ("energy", "low"), ("minutes", "'4'"), ("ambience", "none")):
            driver.find_element("css selector", f"input[name={name}][value={value}]").click()
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        _wait(driver, "return !document.getElementById('play').disabled", timeout=60)
        job = driver.current_url.rstrip("/").split("/")[-1]
        driver.execute_script(WATCH)
        driver.find_element("id", "play").click()
        _wait(driver, "return document.getElementById('player').currentTime > 2")

        # the circle says what it does, works by keyboard, and the page has no violations
        tap = driver.find_element("id", "follow-tap")
        assert tap.get_attribute("aria-label") == "Tap as each breath in begins"
        assert driver.find_element("id", "follow-how").text == "Tap as each breath in begins; the tone will follow."
        top = driver.execute_script("return document.getElementById('follow-how').getBoundingClientRect().bottom")
        assert 0 < top <= PHONE[1]  # the circle and its words on the first screen while it plays
        assert axe_violations(driver) == []
        if SHOTS:
            Path(SHOTS).mkdir(parents=True, exist_ok=True)
            driver.save_screenshot(str(Path(SHOTS) / "playing-follow-phone.png"))

        # five taps 2.5 s apart: the first by keyboard, then four clicks
        driver.execute_script("document.getElementById('follow-tap').focus()")
        _keys(driver, Keys.ENTER)
        assert driver.find_element("id", "follow-said").text == "3 more taps, please."
        at = driver.execute_async_script(TAP, 4, PACE_S)
        _wait(driver, "return document.getElementById('follow-said').textContent.indexOf('breaths a minute') >= 0")
        assert driver.find_element("id", "follow-said").text == (
            "About 24 breaths a minute. The tone will follow within two breaths."
        )
        _wait(driver, f"return document.getElementById('player').currentTime > {at[-1] + 18}", timeout=40)
        heard_to = driver.execute_script("return document.getElementById('player').currentTime")
        assert driver.execute_script("return window.stalls") == []  # playback never waited for the stream
        reported = json.loads(
            driver.execute_script(f"return fetch('/jobs/{job}').then(function (r) {{ return r.text(); }})")
        )["track"]["breaths"]
        served = _fetch(app, driver, f"/session/{job}/audio.wav")

    got, sr = sf.read(io.BytesIO(served), dtype="int16", always_2d=True)
    got = got[: int(heard_to * sr), 0].astype(int)  # heard (or in the browser's buffer): it cannot have changed
    session = make_session(_options(), cache=ClipCache(shared_cache / "companion" / "clips"))
    old = session.plan
    untapped = np.concatenate(list(blocks(old, session.voice_clip(), session.cache, 8192, pcm16=True)))[:, 0]
    untapped = untapped[: len(got)].astype(int)
    cycles = [BreathCycle(*reported[i : i + 3]) for i in range(0, len(reported), 3)]

    # the glide begins where the sound first differs from the untapped session's: a little
    # after the fourth tap (the first that gives a breath), within about a breath of it
    differs = np.flatnonzero(got != untapped)
    assert len(differs), "the stream was not re-timed"
    glide = differs[0] / sr
    was = 60 / old.profile.start_rate  # the tone's own breath before the taps
    by = at[2] + LEAD_S + was
    # the tone is away from 1 s before a line's words to half a second after them: a glide
    # begun there is first heard as the tone comes back
    for line in old.narration:
        if line.start / sr - 1.0 <= by and line.end / sr + 0.5 >= at[2]:
            by = max(by, line.end / sr + 0.6)
    assert at[2] < glide < by, (at, glide)
    # the tone the page was served is the re-timed plan's (its breaths as the server reports them)
    followed = np.concatenate(
        list(blocks(replace(old, breaths=cycles), session.voice_clip(), session.cache, 8192, pcm16=True))
    )[: len(got), 0]
    assert np.max(np.abs(got - followed)) <= 0.002 * 32768  # the breaths' times are reported to the ms
    # the tapped pace within two breaths of the glide's start, and in step with the taps
    periods = [round(c.inhale_s + c.exhale_s, 3) for c in cycles]
    # the pace the page measured: its clicks are timers, late by a few ms each on a busy machine
    tapped = float(np.median(np.diff(at)))
    assert abs(tapped - PACE_S) < 0.15, at
    landed = next((i for i in range(len(cycles)) if all(abs(p - tapped) < 0.04 for p in periods[i : i + 6])), None)
    assert landed is not None, ("never at the tapped pace", at, periods[:30])
    # the last tap re-times too, from a junction no later than the stream's lead past it: after
    # that, two transitional breaths at most, then the tapped pace
    between = [c.start_s for c in cycles if at[-1] + LEAD_S < c.start_s < cycles[landed].start_s]
    assert glide < cycles[landed].start_s and len(between) <= GLIDE_BREATHS, (at, between, cycles[landed])
    phase = (cycles[landed].start_s - at[-1]) / tapped
    assert abs(phase - round(phase)) * tapped < 0.15  # a breath in where the taps expect one

    # no click: no sample-to-sample jump larger than the session's own
    around = slice(int((glide - 1) * sr), len(got))
    assert np.max(np.abs(np.diff(got[around]))) <= np.max(np.abs(np.diff(untapped))) + 1
    # loudness and pitch go on: between the words, the level moves no faster than the swell
    # (20 ms steps, whole periods of the tone), and the tone's strongest partial stays put
    frame = 4 * 225
    quiet = np.ones(len(got) // frame, bool)
    for line in old.narration:
        quiet[max(0, line.start // frame - 50) : line.end // frame + 50] = False
    db = _db(got, frame)
    window = np.arange(len(db))
    near = (window * frame / sr > glide - 2) & (window * frame / sr < heard_to)
    steps = [abs(db[i + 1] - db[i]) for i in window[near][:-1] if quiet[i] and quiet[i + 1]]
    assert len(steps) > 50 and max(steps) < 0.6, max(steps)

    def peak(a_s: float) -> float:
        x = got[int(a_s * sr) : int(a_s * sr) + sr // 2] * np.hanning(sr // 2)
        return float(np.argmax(np.abs(np.fft.rfft(x))) * 2.0)

    quiet_s = [i * frame / sr for i in range(len(quiet) - 30) if quiet[i : i + 30].all()]
    before = [s for s in quiet_s if s < glide - 0.6]
    after = [s for s in quiet_s if s > glide + 1]
    assert before and after
    assert peak(before[-1]) == peak(after[0])


# five clicks on Listen's tap circle `every` seconds apart; the page's wall clock at the last
TAP_BEFORE = (
    "var done = arguments[arguments.length - 1], every = arguments[0] * 1000, n = 0;"
    "var circle = document.getElementById('tap-circle');"
    "(function next() { circle.click(); if (++n < 5) { setTimeout(next, every); } else { done(Date.now()); } })();"
)


@pytest.mark.slow("a real server and Chromium; five taps on Listen, then Play a moment later")
def test_taps_before_play_put_the_first_rise_where_the_breath_is_at_play(app):
    with chromium(PHONE) as driver:
        _open(driver, app, "/listen")
        for name, value in (("kind", "relax"), ("energy", "low"), ("minutes", "'4'")):
            driver.find_element("css selector", f"input[name={name}][value={value}]").click()
        last_tap = driver.execute_async_script(TAP_BEFORE, PACE_S) / 1000
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('breaths a minute') >= 0")
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        _wait(driver, "return !document.getElementById('play').disabled", timeout=60)
        job = driver.current_url.rstrip("/").split("/")[-1]
        jobs = f"return fetch('/jobs/{job}').then(function (r) {{ return r.text(); }})"
        _wait(driver, jobs.replace("r.text()", "r.json().then(function (j) { return j.state === 'done'; })"))
        planned = json.loads(driver.execute_script(jobs))["track"]["breaths"]
        played = driver.execute_script("var t = Date.now(); document.getElementById('play').click(); return t") / 1000
        _wait(driver, "return document.getElementById('player').currentTime > 0.5")
        breaths = json.loads(driver.execute_script(jobs))["track"]["breaths"]
    first = min(breaths[i] for i in range(0, len(breaths), 3) if breaths[i] >= 0)  # the tone's first rise
    expected = (last_tap - played) % PACE_S  # the taps' next breath in after Play
    assert breaths != planned  # placed again at Play, not where it was when the form was sent
    assert abs(first - expected) < 0.15 or abs(abs(first - expected) - PACE_S) < 0.15, (first, expected)
