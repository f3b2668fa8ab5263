"""The app's face (issue 30): content first on every page behind one compact Menu, a home for
each person (the question the first time, where the answer is kept), the theme switch that
says what it will do, and Today's "play again". The real server, headless Chromium."""

from __future__ import annotations

import json
import time
from urllib.parse import urlsplit

import pytest

from companion.journal.entries import Ratings, SessionRecord
from companion.journal.store import Journal
from tests.browser import DESKTOP, PHONE, axe_violations, chromium, sideways_scroll, small_targets
from tests.helpers import default_person
from tests.real.test_app import _go, _open, _wait, app  # noqa: F401, F811  (app: the fixture)

PAGES = ("/today", "/listen", "/caregiver", "/massage", "/journal", "/voices", "/pack", "/devices", "/who")
NAMES = {"/who": "Settings"}
ZOOM = (PHONE[0] // 2, PHONE[1] // 2)  # 200 % zoom on the phone: half the CSS pixels each way
FIRST_SCREEN = (  # the bar's bottom, the heading's, the first question's (or content's) top, and the screen
    "var main = document.getElementById('main');"
    "var first = main.querySelector("
    "  'fieldset legend, form label, .notes, .stop, .card, .entries, h2, button.play, form');"
    "return [document.querySelector('.bar').getBoundingClientRect().bottom,"
    " main.querySelector('h1').getBoundingClientRect().bottom,"
    " first ? first.getBoundingClientRect().top : 0, window.innerHeight];"
)


def _screen(driver, size: tuple[int, int], scale: float = 1) -> None:
    """The window as a phone's screen exactly (412x915 CSS px, or half that at 200 % zoom)."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": size[0], "height": size[1], "deviceScaleFactor": scale, "mobile": size[0] < 800},
    )
    time.sleep(0.15)


def _menu(driver) -> dict:
    return driver.execute_script(
        "var m = document.getElementById('menu');"
        "return {here: m.querySelector('summary').textContent.replace(/\\s+/g, ' ').trim(),"
        " current: Array.from(m.querySelectorAll('nav [aria-current=page]')).map(a => a.textContent),"
        " first: Array.from(m.querySelectorAll('nav > ul:first-of-type a')).map(a => a.textContent),"
        " more: Array.from(m.querySelectorAll('nav > ul[aria-labelledby] a')).map(a => a.textContent)};"
    )


@pytest.mark.slow("a real server and Chromium: every page at phone, desktop, dim and 200 % zoom")
def test_every_page_puts_its_own_content_first_behind_one_named_menu(app):  # noqa: F811
    with chromium(PHONE) as driver:
        driver.get(app.start)
        assert urlsplit(driver.current_url).path == "/who"  # the first time: who is using it
        for path in PAGES:
            driver.get(app.base + path)
            name = NAMES.get(path, path[1:].capitalize())
            menu = _menu(driver)
            assert menu["here"] == f"Menu {name}" and menu["current"] == [name], (path, menu)
            for size, scale, most in ((PHONE, 1, 0.12), (DESKTOP, 1, 0.12), (ZOOM, 2, 0.25)):
                _screen(driver, size, scale)
                for theme in ("light", "dim"):
                    if theme == "dim":
                        driver.execute_script("document.getElementById('theme').click()")
                    bar, heading, first, screen = driver.execute_script(FIRST_SCREEN)
                    assert bar <= most * screen, (path, size, theme, bar, screen)
                    if size != ZOOM:  # at 200 % a long heading may fill the screen; the bar still may not
                        assert heading <= screen and first < screen, (path, size, theme, heading, first)
                    else:
                        assert sideways_scroll(driver) <= 0, path  # a long word wraps, nothing scrolls sideways
                    if theme == "dim":
                        label = driver.execute_script("return document.getElementById('theme').textContent")
                        assert label == "Brighten the page", path  # says what it will do
                        driver.execute_script("document.getElementById('theme').click()")
                        assert driver.execute_script("return document.getElementById('theme').textContent") == (
                            "Dim the page"
                        )
            driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            driver.set_window_size(*PHONE)
        # the menu open, by keyboard: every page one tap away, 44 px keys, axe in both themes
        from selenium.webdriver.common.keys import Keys

        driver.get(app.base + "/journal")
        summary = driver.find_element("css selector", "#menu summary")
        summary.send_keys(Keys.ENTER)
        assert driver.execute_script("return document.getElementById('menu').open")
        links = driver.find_elements("css selector", "#menu nav a")
        assert {a.text for a in links} >= {"Today", "Listen", "Caregiver", "Massage", "Journal", "Voices", "Pack"}
        assert axe_violations(driver) == [] and small_targets(driver) == []
        driver.execute_script("document.getElementById('theme').click()")
        assert axe_violations(driver) == []
        driver.switch_to.active_element.send_keys(Keys.ESCAPE)
        assert not driver.execute_script("return document.getElementById('menu').open")
        assert driver.switch_to.active_element == summary  # back on Menu
        cookie = driver.get_cookie("companion")  # the owner's session, for a browser with no script
        _screen(driver, ZOOM, 2)  # open at 200 % zoom too: within the screen's width, 44 px keys
        summary.click()
        assert sideways_scroll(driver) <= 0 and small_targets(driver) == []
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    with chromium(PHONE, extra=("--blink-settings=scriptEnabled=false",)) as plain:  # no script at all
        plain.get(app.base + "/static/app.css")  # on the app's address, to be given the session
        plain.add_cookie({"name": "companion", "value": cookie["value"], "path": "/"})
        plain.get(app.base + "/listen")
        plain.find_element("css selector", "#menu summary").click()
        plain.find_element("link text", "Journal").click()
        deadline = time.monotonic() + 10
        while urlsplit(plain.current_url).path != "/journal" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert urlsplit(plain.current_url).path == "/journal"


@pytest.mark.slow("a real server and Chromium: the question, each person's home, the answer kept")
def test_each_person_gets_a_home_and_the_answer_is_kept(app):  # noqa: F811
    with chromium(PHONE) as driver:
        driver.get(app.start)
        assert urlsplit(driver.current_url).path == "/who"
        assert axe_violations(driver) == [] and small_targets(driver) == []
        _go(driver, driver.find_element("css selector", "button[value=caregiver]"))
        assert urlsplit(driver.current_url).path == "/caregiver"
        menu = _menu(driver)
        assert menu["first"] == ["Caregiver", "Listen", "Pack", "Journal"]
        assert menu["more"] == ["Today", "Massage", "Voices", "Devices"]  # the rest, one tap away
        kept = json.loads((app.data / "companion" / "app-choices.json").read_text())
        assert kept == {"role": "caregiver"}
        assert (app.data / "companion" / "app-choices.json").stat().st_mode & 0o777 == 0o600
        driver.get(app.base + "/")
        assert urlsplit(driver.current_url).path == "/caregiver"  # its home, from now on
        driver.set_window_size(*DESKTOP)  # room enough: the carer's pages beside the menu too
        quick = driver.find_elements("css selector", "nav.quick a")
        assert [a.text for a in quick] == ["Caregiver", "Listen", "Pack", "Journal"]
        assert quick[0].get_attribute("aria-current") == "page"
        driver.set_window_size(*PHONE)
        driver.find_element("css selector", "#menu summary").click()
        _go(driver, driver.find_element("link text", "Settings"))  # changed at any time
        assert "Now set for a carer" in driver.find_element("css selector", ".intro").text
        _go(driver, driver.find_element("css selector", "button[value=therapist]"))
        assert urlsplit(driver.current_url).path == "/massage"
        assert _menu(driver)["first"] == ["Massage", "Listen", "Pack"]
        driver.get(app.base + "/who")
        _go(driver, driver.find_element("css selector", "button[value=listener]"))
        assert urlsplit(driver.current_url).path == "/today"
        assert _menu(driver)["first"] == ["Today", "Listen", "Journal"]
        driver.get(app.base + "/who")
        _go(driver, driver.find_element("css selector", "button[value=skip]"))  # never needed
        assert urlsplit(driver.current_url).path == "/today"
        assert len(_menu(driver)["first"]) == 8 and _menu(driver)["more"] == []
        driver.get(app.base + "/")
        assert urlsplit(driver.current_url).path == "/today"  # skipped: not asked again


@pytest.mark.slow("a real server, Chromium and the real voice: a session played again from Today")
def test_today_plays_again_what_helped_with_the_same_options(app):  # noqa: F811
    with Journal(default_person(app.data) / "journal.sqlite3") as journal:
        for script, minutes, before, after in (("settling", 4.0, 7, 3), ("sleep", 20.0, None, None)):
            session = journal.start_session(
                SessionRecord(script, "low", "relax", minutes), Ratings(anxiety=before) if before else None
            )
            if after is not None:
                journal.add(Ratings(anxiety=after), "after", session)
    with chromium(PHONE) as driver:
        _open(driver, app, "/today")
        again = driver.find_elements("css selector", ".again-list li")  # lately, latest first
        assert [li.text.split("\n")[0] for li in again] == ["Drifting towards sleep, 20 minutes", "Settling, 4 minutes"]
        assert "You felt calmer after it once." in again[1].text  # counted, never scored
        assert axe_violations(driver) == [] and small_targets(driver) == []
        _go(driver, again[1].find_element("css selector", "button"))  # one tap
        assert urlsplit(driver.current_url).path.startswith("/session/")
        assert driver.find_element("css selector", ".reason").text.startswith("Again: Settling, 4 minutes")
        _wait(driver, "return !document.getElementById('play').disabled", timeout=60)
        driver.find_element("id", "play").click()
        _wait(driver, "return document.getElementById('player').currentTime > 1", timeout=30)
        duration = driver.execute_script("return document.getElementById('player').duration")
        assert 4 * 60 - 1 < duration < 4 * 60 + 30  # the same length as before
    with app.journal() as db:
        rows = db.execute("SELECT script, energy, mode, minutes_planned FROM sessions ORDER BY id").fetchall()
    assert rows[-1] == ("settling", "low", "relax", 4.0) and len(rows) == 3
