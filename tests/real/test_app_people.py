"""Many listeners in the app (issue 33), in a real browser: the person picker in the bar on
every page, content still first on a 412x915 phone, axe-core finding nothing with the picker
closed or open, with two people and with fifty, and with a person's usual choices filled
in. The real server, headless Chromium."""

from __future__ import annotations

import time

import pytest

from companion import Preferences, set_preferences
from companion.people.store import People
from tests.browser import PHONE, axe_violations, chromium, small_targets
from tests.real.test_app import _go, _open, app  # noqa: F401  (app: the fixture)
from tests.real.test_app_home import FIRST_SCREEN, PAGES


def _whose(driver) -> str:
    return str(driver.execute_script("var h = document.querySelector('#whose .here'); return h && h.textContent"))


def _content_first(driver, path: str) -> None:
    bar, heading, first, screen = driver.execute_script(FIRST_SCREEN)
    assert bar <= 0.12 * screen and heading <= screen and first < screen, (path, bar, heading, first, screen)


@pytest.mark.slow("every page in Chromium on a phone, each checked by axe-core with the picker shut and open")
def test_the_picker_is_in_the_bar_of_every_page_and_chooses_whose_pages_they_are(app):  # noqa: F811
    people = People(app.data / "companion")
    ada = people.rename("Listener", "Ada")
    people.add("Bea")
    # Ada's usual choices: Listen, Today, Massage and People open with them (still content first, axe-clean)
    set_preferences(ada, Preferences("low", 12.0, "brown", 9.0, "Mum", 40.0))
    with chromium(PHONE) as driver:
        _open(driver, app, "/today")
        for path in (*PAGES, "/people"):
            driver.get(app.base + path)
            assert _whose(driver) == "Ada", path
            _content_first(driver, path)
            assert axe_violations(driver) == [], path
            driver.find_element("css selector", "#whose summary").click()
            time.sleep(0.1)
            assert axe_violations(driver) == [] and small_targets(driver) == [], path
        driver.get(app.base + "/journal")
        driver.find_element("css selector", "#whose summary").click()
        _go(driver, driver.find_element("xpath", "//details[@id='whose']//button[normalize-space()='Bea']"))
        assert driver.current_url.endswith("/journal") and _whose(driver) == "Bea"
        driver.get(app.base + "/massage")
        assert _whose(driver) == "Bea"  # kept for this browser, page after page
        driver.get(app.base + "/listen")  # Bea has no usual choices: the defaults, and the box to keep hers
        keep = driver.find_element("css selector", "input[name=keep]")
        assert not keep.is_selected() and "Keep these as Bea's usual" in driver.page_source


@pytest.mark.slow("fifty people in the picker of a real page, checked by axe-core")
def test_fifty_people_fit_the_picker_on_a_phone(app):  # noqa: F811
    people = People(app.data / "companion")
    for n in range(2, 51):
        people.add(f"Client {n}")
    with chromium(PHONE) as driver:
        _open(driver, app, "/today")
        driver.get(app.base + "/today")
        _content_first(driver, "/today")
        driver.find_element("css selector", "#whose summary").click()
        time.sleep(0.1)
        listed = driver.find_elements("css selector", "#whose .menu-list button")
        assert len(listed) == 49
        box = driver.execute_script("return document.querySelector('#whose .menu-list').getBoundingClientRect().bottom")
        assert box <= PHONE[1]  # the list scrolls within the screen, not the page under it
        assert axe_violations(driver) == [] and small_targets(driver) == []
        _go(driver, listed[-1])
        assert _whose(driver) == "Client 50"
