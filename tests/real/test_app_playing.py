"""A session playing in the app's page (issue 30): the "now playing" view a tired person can
live with (one control, a large circle, the words as they are spoken, a sleep timer), and
the page's sound from an empty voice cache: the samples `render` writes, begun before the
voice is made. The real server, headless Chromium and the real voice."""

from __future__ import annotations

import contextlib
import http.client
import io
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import soundfile as sf

from companion import Preferences, set_preferences
from companion.people.store import People
from tests.browser import DESKTOP, PHONE, axe_violations, chromium
from tests.real.test_app import SHOTS, App, _go, _open, _wait, running_app

PLAY_PAUSE = (
    "return Array.prototype.filter.call(document.querySelectorAll('button'), function (b) {"
    "  var r = b.getBoundingClientRect();"
    "  return !b.closest('[hidden]') && r.width > 0 && /^(Play|Pause|Go on)\\b/.test(b.textContent.trim());"
    "}).map(function (b) { return b.id; })"
)
ZOOM_200 = {"width": PHONE[0] // 2, "height": PHONE[1] // 2, "deviceScaleFactor": 2, "mobile": True}
SETTLED_AT = "!a.seeking && Math.abs(a.currentTime - %r) < 0.01"  # paused, the seek done
# a phone's own viewport: a headless window is never narrower than 500 px
ON_A_PHONE = {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": True}


@pytest.fixture
def app(shared_cache, null_audio_home, tmp_path):
    with running_app(shared_cache, tmp_path / "data", null_audio_home) as running:
        yield running


def _listen(driver, app: App, energy: str = "low", minutes: str = "4") -> str:
    """Choose a session on the Listen page and press its Play here: the session's page, its job id."""
    _open(driver, app, "/listen")
    driver.find_element("css selector", "input[name=kind][value=relax]").click()
    driver.find_element("css selector", f"input[name=energy][value={energy}]").click()
    driver.find_element("css selector", f"input[name=minutes][value='{minutes}']").click()
    _go(driver, driver.find_element("css selector", "button[value=play]"))
    _wait(driver, "return !document.getElementById('play').disabled", timeout=60)
    return driver.current_url.rstrip("/").split("/")[-1]


def _listened():
    """The options the Listen page makes of the choices _listen makes."""
    from companion.app.web import fitted
    from companion.plan.checkin import options_for_kind

    return fitted(options_for_kind("relax", energy="low", minutes=4, voice=None, fill_with_tts=False, name=None))[0]


def _plan_lines(app: App, job: str, driver) -> list[list]:
    """The words and their times as the app's plan gives them, once the voice is all made."""
    script = (
        "var done = arguments[arguments.length - 1];"
        f"fetch('/jobs/{job}', {{headers: {{accept: 'application/json'}}}}).then(function (r) {{ return r.json(); }})"
        ".then(function (j) { done(j); });"
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answer = driver.execute_async_script(script)
        if answer["state"] == "done":
            return answer["lines"]
        time.sleep(0.5)
    raise AssertionError("the session was never all made")


def _visible(driver, element_id: str) -> bool:
    return driver.execute_script(
        "var r = document.getElementById(arguments[0]).getBoundingClientRect();"
        "return r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight;",
        element_id,
    )


def _shot(driver, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        time.sleep(0.3)
        driver.save_screenshot(str(Path(SHOTS) / f"{name}.png"))


@pytest.mark.slow("a real server, Chromium, and a session played for half a minute")
def test_now_playing_is_one_calm_view_with_the_words_as_spoken(app, shared_cache):
    from companion.cache import ClipCache
    from companion.session import make_plan

    with chromium(PHONE) as driver:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", ON_A_PHONE)
        job = _listen(driver, app)
        driver.find_element("id", "play").click()
        _wait(driver, "return document.getElementById('player').currentTime > 0.1", timeout=30)
        assert driver.execute_script(PLAY_PAUSE) == ["toggle"]  # the page's own Play gave way to the one control
        width = driver.execute_script("return window.innerWidth")
        circle = driver.execute_script("return document.getElementById('circle').getBoundingClientRect().width")
        assert circle >= width / 2, (circle, width)  # at its smallest (breathing out) too: it never goes below

        # the words come line by line as they are spoken: the page notes the audio's clock at
        # each change of the words shown (in the page, so a slow test machine cannot blur it)
        driver.execute_script(
            "window.wordsSeen = []; var a = document.getElementById('player'), w = document.getElementById('words');"
            "new MutationObserver(function () { window.wordsSeen.push([a.currentTime, w.textContent]); })"
            ".observe(w, {childList: true, characterData: true, subtree: true});"
        )
        _wait(driver, "return new Set(window.wordsSeen.map(function (s) { return s[1]; }).filter(Boolean)).size >= 2")
        seen = [(t, w) for t, w in driver.execute_script("return window.wordsSeen")]
        lines = _plan_lines(app, job, driver)
        plan = make_plan(_listened(), cache=ClipCache(shared_cache / "companion" / "clips"))  # planned here
        planned = [(e.start / plan.sample_rate, " ".join(e.text.split())) for e in plan.narration]
        assert [w for _, _, w in lines] == [w for _, w in planned]
        assert all(abs(a - b) < 0.002 for (a, _, _), (b, _) in zip(lines, planned))
        for start, _, text in lines[:2]:
            first = next(t for t, w in seen if w == text)
            assert start - 0.05 <= first <= start + 0.3, (text, start, first)
        # and at known moments later on, paused there: each line shown while spoken, not before
        driver.execute_script("document.getElementById('player').pause()")
        for start, end, text in lines[5:7]:
            for at, shown in ((start - 0.3, False), (start + 0.3, True), ((start + end) / 2, True)):
                driver.execute_script(f"document.getElementById('player').currentTime = {at}")
                _wait(driver, f"var a = document.getElementById('player'); return {SETTLED_AT % at}")
                time.sleep(0.3)  # the page's next 'timeupdate' has shown what it shows
                assert (driver.find_element("id", "words").text == text) is shown, (text, at)
        driver.execute_script(
            "document.getElementById('player').currentTime = 20; document.getElementById('player').play()"
        )
        _wait(driver, "return !document.getElementById('player').paused")

        _shot(driver, "playing-phone")
        driver.execute_script("document.getElementById('theme').click()")  # dim, for the night
        _shot(driver, "playing-phone-dark")
        assert axe_violations(driver) == []
        driver.execute_script("document.getElementById('theme').click()")
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", ZOOM_200)
        try:  # 200 %: scrolled down to the controls, the name and the time left are still in sight
            driver.execute_script("document.getElementById('sleep').scrollIntoView({block: 'end'})")
            time.sleep(0.3)
            assert _visible(driver, "now-title") and _visible(driver, "left")
            assert driver.find_element("id", "left").text.endswith("left")
            _shot(driver, "playing-phone-200")
            assert (
                driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                <= 0
            )
        finally:
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(*DESKTOP)
        time.sleep(0.2)
        assert axe_violations(driver) == []
        assert driver.execute_script(PLAY_PAUSE) == ["toggle"]
        _shot(driver, "playing-desktop")
        driver.set_window_size(*PHONE)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", ON_A_PHONE)

        # the words turned off stay off, on this page and the next time it opens
        driver.find_element("id", "words-toggle").click()
        assert not driver.find_element("id", "words").is_displayed()
        driver.refresh()
        _wait(driver, "return !document.getElementById('play').disabled")
        driver.find_element("id", "play").click()
        _wait(driver, "return !document.getElementById('player').paused")
        assert driver.find_element("id", "words-toggle").get_attribute("aria-pressed") == "false"
        assert not driver.find_element("id", "words").is_displayed()

        # "I have finished listening" stops the sound (with its short fade), and asks how it went
        driver.find_element("id", "done").click()
        _wait(driver, "return document.getElementById('player').paused", timeout=3)
        assert driver.find_element("id", "after").is_displayed()


# The page's clock, driven: Date.now (and performance.now) run ahead of the real clock by what
# the test adds, so the player's own timer and fade (their intervals still firing in real time)
# see a half-minute pass in a few seconds. Nothing of the player is replaced.
DRIVEN_CLOCK = (
    "if (window.companionAhead === undefined) {"
    "  var now = Date.now, perf = performance.now.bind(performance);"
    "  window.companionAhead = 0;"
    "  Date.now = function () { return now.call(Date) + window.companionAhead; };"
    "  performance.now = function () { return perf() + window.companionAhead; };"
    "}"
)
# what the page shows now (its clock, the volume, paused), then its clock moved on by arguments[0] ms
HEARD_THEN_AHEAD = (
    "var a = document.getElementById('player'), heard = [Date.now(), a.volume, a.paused];"
    "window.companionAhead += arguments[0]; return heard"
)


@pytest.mark.slow("a real server, Chromium, and a sleep timer's half-minute fade on the page's driven clock")
def test_the_sleep_timer_fades_out_over_its_time_then_pauses(app):
    # issue 33: the listener's usual sleep timer, started when the sound starts
    set_preferences(People(app.data / "companion").default(), Preferences(sleep_timer=40.0))
    with chromium(PHONE) as driver:
        reduced = {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]}
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", reduced)  # the circle for one who asks for less motion
        _listen(driver, app)
        assert driver.find_element("id", "sleep-left").text == ""  # not counting before the sound starts
        driver.find_element("id", "play").click()
        _wait(driver, "var a = document.getElementById('player'); return a.currentTime > 1 && a.volume > 0.99")
        assert driver.execute_script("return document.getElementById('sleep').value") == "40"
        _wait(driver, "return document.getElementById('sleep-left').textContent == 'Fading out in 40 min.'")
        looks = set()
        for _ in range(30):
            looks.add(
                driver.execute_script(
                    "var c = document.getElementById('circle'); return [c.style.transform, c.style.opacity].join(' ')"
                )
            )
            time.sleep(0.1)
        assert {look.split()[0] for look in looks} == {"scale(1)"}  # it keeps its size
        assert len(looks) > 5  # and its colour follows the breath
        fade_s = driver.execute_script("return window.companionPlayer.sleepFadeS")
        assert fade_s == 30
        driver.execute_script(DRIVEN_CLOCK)
        # the test's hook: no key offers seconds; the time it was set, by the page's clock
        start = driver.execute_script("window.companionPlayer.sleepIn(0.2); return Date.now()") / 1000
        _wait(driver, "return document.getElementById('sleep-left').textContent == 'Fading out now.'", timeout=5)
        heard: list[tuple[float, float, bool]] = []
        while not heard or heard[-1][0] < fade_s + 4:
            now_ms, volume, paused = driver.execute_script(HEARD_THEN_AHEAD, 400)
            heard.append((now_ms / 1000 - start, volume, paused))
            time.sleep(0.08)  # the fade's 20 ms steps run on the real clock: a few between looks
        volumes = [v for _, v, p in heard if not p]
        assert all(b <= a + 1e-6 for a, b in zip(volumes, volumes[1:]))  # only ever down
        middle = [v for t, v, p in heard if abs(t - fade_s / 2) < 1.5]
        assert middle and all(0.25 < v < 0.75 for v in middle), middle  # a slow fade, not a cut
        assert not any(p for t, _, p in heard if t < fade_s - 1.5)  # it plays on through the fade
        assert heard[-1][2]  # then pauses
        assert "sleep timer" in driver.find_element("id", "sleep-left").text


def _maps_onnxruntime(pid: int) -> bool:
    return "libonnxruntime" in Path(f"/proc/{pid}/maps").read_text()


def _voice_process(server: int) -> int | None:
    """The app's voice process (issue 30, part 4), once it has loaded ONNX Runtime: a child of
    the server's, apart from `voice prepare` (a command of its own) and the drawing process."""
    for task in Path(f"/proc/{server}/task").iterdir():
        for child in (task / "children").read_text().split():
            with contextlib.suppress(OSError):
                command = Path(f"/proc/{child}/cmdline").read_bytes()
                if b"multiprocessing" in command and _maps_onnxruntime(int(child)):
                    return int(child)
    return None


@pytest.mark.slow("a real server making a session's voice from nothing, and render making it again")
def test_the_page_stream_from_an_empty_cache_is_the_rendered_session(null_audio_home, tmp_path):
    from companion.cache import ClipCache
    from companion.session import make_session, render

    cold = tmp_path / "cold-cache"
    with running_app(cold, tmp_path / "data", null_audio_home) as app, chromium(PHONE) as driver:
        # the voice is loaded before Play, in a process of its own: the server never holds it
        deadline = time.monotonic() + 60
        while _voice_process(app.proc.pid) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _voice_process(app.proc.pid) is not None
        job = _listen(driver, app)
        cookie = "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())
        where = urlsplit(app.base)
        conn = http.client.HTTPConnection(where.hostname, where.port, timeout=120)
        with contextlib.closing(conn):
            conn.request("GET", f"/session/{job}/audio.wav", headers={"Host": where.netloc, "Cookie": cookie})
            answer = conn.getresponse()
            assert answer.status == 200
            streamed, rate = sf.read(io.BytesIO(answer.read()), dtype="int16", always_2d=True)
        assert not _maps_onnxruntime(app.proc.pid)
    session = make_session(_listened(), cache=ClipCache(cold / "companion" / "clips"))
    render(session, tmp_path / "rendered.wav")
    rendered, _ = sf.read(tmp_path / "rendered.wav", dtype="int16", always_2d=True)
    assert streamed.shape == rendered.shape and rate == 44100
    assert np.array_equal(streamed, rendered)
