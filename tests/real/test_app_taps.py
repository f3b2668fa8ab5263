"""Tap along in the app (issue 36): the circle on Today, Listen and Massage, tapped at a known
pace in headless Chromium; the rate the page shows, and the first breaths of the plan made."""

from __future__ import annotations

import contextlib
import json
import re

import pytest
from selenium.webdriver.common.keys import Keys

from tests.browser import PHONE, axe_violations, chromium
from tests.real.test_app import _accessible, _go, _keys, _open, _wait, app  # noqa: F401 (app: a fixture)

PACE_S = 2.5  # 24 breaths a minute


def _tap_at_pace(driver, n: int, every_s: float = PACE_S) -> None:
    """n clicks on the circle, `every_s` apart, timed by the page's own clock."""
    driver.execute_async_script(
        "var done = arguments[arguments.length - 1], n = arguments[0], every = arguments[1] * 1000;"
        "var circle = document.getElementById('tap-circle'), i = 0;"
        "(function next() { circle.click(); if (++i < n) { setTimeout(next, every); } else { done(); } })();",
        n,
        every_s,
    )


def _readable_mid_pulse(driver) -> None:
    """The pulse of a tap, held at each moment of its run: the circle's words keep their contrast
    throughout (axe once ran mid-pulse and found the text fading into its background)."""
    for fraction in (0.0, 0.25, 0.5, 0.75):
        held = driver.execute_script(
            "var c = document.getElementById('tap-circle'); c.classList.remove('tapped'); void c.offsetWidth;"
            "c.classList.add('tapped'); var a = c.getAnimations(), at = arguments[0] * 600;"
            "a.forEach(function (x) { x.pause(); x.currentTime = at; });"
            "return a.length;",
            fraction,
        )
        assert held == 1, "the tap's pulse is one animation"
        assert axe_violations(driver) == [], ("mid-pulse", fraction)
    driver.execute_script("document.getElementById('tap-circle').getAnimations().forEach(function (x) { x.finish(); })")


def _said(driver) -> str:
    return driver.find_element("id", "tap-said").text


def _first_screen(driver) -> None:
    """Content first on a phone: the heading on the first screen, and the circle a large target."""
    driver.set_window_size(*PHONE)
    top = driver.execute_script("return document.querySelector('main h1').getBoundingClientRect().bottom")
    assert 0 < top < PHONE[1]
    size = driver.execute_script(
        "var r = document.getElementById('tap-circle').getBoundingClientRect(); return [r.width, r.height]"
    )
    assert min(size) >= 44


@pytest.mark.slow("a real server and Chromium; taps 2.5 s apart, then a session made and its plan read")
def test_listen_tapped_at_a_known_pace_starts_the_tone_there(app):  # noqa: F811
    with chromium(PHONE) as driver:
        _open(driver, app, "/listen")
        _first_screen(driver)
        _accessible(driver, "listen with the tap circle")
        # keyboard operable: focus the circle and press Enter and Space
        driver.execute_script("document.getElementById('tap-circle').focus()")
        _keys(driver, Keys.ENTER)
        assert _said(driver) == "3 more taps, please."
        _keys(driver, Keys.SPACE)
        assert _said(driver) == "2 more taps, please."
        driver.find_element("id", "tap-clear").click()
        assert _said(driver) == ""
        _tap_at_pace(driver, 5)
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('breaths a minute') >= 0")
        assert _said(driver) == "About 24 breaths a minute."
        assert driver.find_element("id", "tap-said").get_attribute("role") == "status"
        _accessible(driver, "listen, tapped")
        _readable_mid_pulse(driver)
        driver.find_element("css selector", "input[name=kind][value=relax]").click()
        driver.find_element("css selector", "input[name=minutes][value='4']").click()
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        assert "Tapped: about 24 breaths a minute" in driver.find_element("tag name", "main").text
        job = driver.current_url.rstrip("/").split("/")[-1]
        track = _wait(
            driver,
            "var x = new XMLHttpRequest(); x.open('GET', '/jobs/" + job + "', false);"
            "x.setRequestHeader('accept', 'application/json'); x.send();"
            "var j = JSON.parse(x.responseText); return j.track ? JSON.stringify(j.track) : null;",
            timeout=60,
        )
        breaths = json.loads(track)["breaths"]  # [start, inhale, exhale] of each breath
        cycles = [breaths[i : i + 3] for i in range(0, len(breaths), 3)]
        assert cycles[0][0] <= 0 <= cycles[1][0] <= PACE_S + 0.05  # the first rise within one breath, in step
        for _, inhale, exhale in cycles[1:10]:  # settling at the tapped pace
            assert abs(inhale + exhale - PACE_S) < 0.06


@pytest.mark.slow("a real server and Chromium; taps 2.5 s apart on two pages")
def test_today_and_massage_offer_the_circle_and_say_taps_that_wander(app):  # noqa: F811
    with chromium(PHONE) as driver:
        _open(driver, app, "/massage")
        _first_screen(driver)
        _accessible(driver, "massage with the tap circle")
        _tap_at_pace(driver, 4)
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('breaths a minute') >= 0")
        _go(driver, driver.find_element("css selector", "button[value=plan]"))
        assert "Tapped: about 24 breaths a minute" in driver.find_element("tag name", "main").text
        _open(driver, app, "/today")
        _first_screen(driver)
        _accessible(driver, "today with the tap circle")
        driver.execute_async_script(  # no one pace: 1.5, 3.5, 1.5 s
            "var done = arguments[arguments.length - 1], gaps = [1500, 3500, 1500];"
            "var circle = document.getElementById('tap-circle');"
            "circle.click();"
            "(function next() { if (!gaps.length) { return done(); }"
            " setTimeout(function () { circle.click(); next(); }, gaps.shift()); })();"
        )
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('tap again') >= 0")
        assert "steadily" in _said(driver)
        _tap_at_pace(driver, 4)  # asked again, and tapped steadily
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('breaths a minute') >= 0")
        driver.find_element("css selector", "input[name=minutes][value='4']").click()
        _go(driver, driver.find_element("css selector", "form.checkin button[type=submit]"))
        assert "Tapped: about 24 breaths a minute" in driver.find_element("tag name", "main").text
        ((moment, rate),) = app.once_written("SELECT moment, breath_rate FROM ratings")  # never asked again
        assert moment == "before" and abs(rate - 24) < 1


@pytest.mark.slow("a real server, Chromium and a therapist's track playing on the null device while tapped along")
def test_the_remote_retimes_a_playing_track_to_the_breath_tapped(app):  # noqa: F811
    """The therapist's page (a paired phone's too): taps on the live page's circle, sent as
    intervals; the playing tone follows and says so."""
    with chromium(PHONE) as driver:
        _open(driver, app, "/massage")
        driver.find_element("css selector", "input[name=minutes][value='90']").click()
        _go(driver, driver.find_element("css selector", "button[value=play]"))
        _wait(driver, "return document.getElementById('live').dataset.state === 'playing'")
        _accessible(driver, "live, with the tap circle")
        _tap_at_pace(driver, 4)
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('breaths a minute') >= 0")
        _go(driver, driver.find_element("css selector", "button[value=taps]"))
        _wait(driver, "return document.getElementById('live-said').textContent.indexOf('in step') >= 0")
        assert "about 24 breaths a minute" in driver.find_element("id", "live-said").text
        driver.find_element("css selector", "button[value=stop]").click()
        _wait(driver, "return document.getElementById('live').dataset.state === 'ended'", timeout=90)


@pytest.mark.slow("a real server and Chromium; four taps 2 s apart on the journal page")
def test_the_journal_page_keeps_a_breath_tapped_on_its_own_and_changes_it(app):  # noqa: F811
    """Issue 36: the circle on the journal's add form (no ratings needed), the rate shown with
    the entry, and on the entry's Change page tapped again or kept."""
    with chromium(PHONE) as driver:
        _open(driver, app, "/journal")
        driver.find_element("css selector", "#add summary").click()
        assert "kept with the entry: a rough count" in driver.find_element("id", "tap-how").text
        _accessible(driver, "journal with the tap circle")
        _tap_at_pace(driver, 4, every_s=2.0)  # 30 a minute
        _wait(driver, "return document.getElementById('tap-said').textContent.indexOf('breaths a minute') >= 0")
        said = re.fullmatch(r"About (\d+) breaths a minute\.", _said(driver))
        assert said and abs(int(said.group(1)) - 30) <= 1, _said(driver)  # timed by a loaded page: a little jitter
        _go(driver, driver.find_element("css selector", "#add button[type=submit]"))
        with contextlib.closing(app.journal()) as db:
            ((entry_id, moment, rate, pain),) = db.execute("SELECT id, moment, breath_rate, pain FROM ratings")
        assert moment == "alone" and abs(rate - 30) < 1 and pain is None  # timed by the page: a little jitter
        main = driver.find_element("tag name", "main").text
        assert "Kept in your journal" in main and "No ratings; the breath tapped along" in main
        assert f"Breaths a minute, by tapping: {rate:g}" in main and "not a clinical measurement" in main
        _open(driver, app, f"/journal/{entry_id}/edit")
        _accessible(driver, "changing an entry with a tapped rate")
        driver.find_element("css selector", "input[name=pain][value='2']").click()
        _go(driver, driver.find_element("css selector", "form.rate button[type=submit]"))
        with contextlib.closing(app.journal()) as db:  # not tapped again: the rate is kept
            assert db.execute("SELECT pain, breath_rate FROM ratings").fetchall() == [(2, rate)]
