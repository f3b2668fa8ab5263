"""Headless Chromium for the tests (Debian's, driven by Selenium), and axe-core's accessibility
check (WCAG 2.1 AA) run inside a page."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / ".venv" / "node" / "node_modules" / "axe-core" / "axe.min.js"
PHONE, DESKTOP = (412, 915), (1280, 800)


@contextmanager
def chromium(size: tuple[int, int] = PHONE, extra: tuple[str, ...] = ()) -> Iterator:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("chromium and chromium-driver are needed: setup/system-packages.sh test installs them")
    os.environ["SE_AVOID_STATS"] = "true"  # Selenium Manager is never started (the driver is given)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", f"--window-size={size[0]},{size[1]}"):
        options.add_argument(arg)
    # no network beyond this machine, and nothing of Chromium's own phones home
    for arg in ("--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"):
        options.add_argument(arg)
    options.add_argument("--autoplay-policy=no-user-gesture-required")
    # no sound card here: a fake audio sink keeps real time (the tests' ALSA null device would not)
    options.add_argument("--disable-audio-output")
    for arg in extra:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def axe_violations(driver: WebDriver) -> list[str]:
    """axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now: each violation, named
    with the elements it found. The script is given to the page (the app's content policy
    would refuse to load it), so it runs as the page's own."""
    if not AXE.exists():
        pytest.fail(f"axe-core is needed at {AXE}: `make test` installs it")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        "  return v.id + ': ' + v.help + ' @ ' + v.nodes.map(function (n) { return n.target.join(' '); }).join(', ');"
        "})); }, function (e) { done(['axe failed: ' + e]); });"
    )
    return list(result)


def small_targets(driver: WebDriver) -> list[str]:
    """Every control smaller than 44x44 CSS px (a radio or checkbox counts by its label's key)."""
    return driver.execute_script(
        "var small = [];"
        "document.querySelectorAll('a[href], button, input, select, textarea, summary').forEach(function (e) {"
        "  if (e.type === 'hidden' || e.closest('[hidden]') || e.offsetParent === null && e.type !== 'radio') return;"
        # a link inside a sentence is WCAG's exception
        "  if (e.closest('p, li') && e.tagName === 'A' && !e.className) return;"
        "  var r = e.getBoundingClientRect();"
        "  if (r.width < 43.5 || r.height < 43.5) small.push((e.id || e.name || e.textContent.trim()).slice(0, 40)"
        "    + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));"
        "});"
        "return small;"
    )


def sideways_scroll(driver: WebDriver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")


def off_screen(driver: WebDriver) -> list[str]:
    """Every visible control not wholly inside the window's width (the skip link waits off it)."""
    return driver.execute_script(
        "var out = [], w = document.documentElement.clientWidth;"
        "document.querySelectorAll('a[href], button, input, select, textarea, summary').forEach(function (e) {"
        "  if (e.type === 'hidden' || e.classList.contains('skip') || e.closest('[hidden]')) return;"
        "  var r = e.getBoundingClientRect();"
        "  if (r.width > 0 && (r.left < -0.5 || r.right > w + 0.5)) out.push((e.id || e.name || e.textContent.trim())"
        "    .slice(0, 40) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));"
        "});"
        "return out;"
    )
