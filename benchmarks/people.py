"""The browser app with fifty people (issue 33), in one run on this machine:

    .venv/bin/python benchmarks/people.py          (also part of `make bench`)

A therapist's fifty clients, each with a journal of 60 entries, a recorded voice's folder
and three saved massage plans, served by the real `companion app`: each page's load in
Chromium (navigation timing, request to load event) with the picker listing everyone, for
the default person and for the fiftieth, median of ten each, against the app's figure for a
page (200 ms, benchmarks/app.py); and choosing a person in the picker (its POST and the
page it leads to).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.app import start_app  # noqa: E402
from tests.browser import PHONE, chromium  # noqa: E402

PAGES = ("/today", "/listen", "/massage", "/journal", "/voices", "/pack")
FILL = """
from companion import Journal, MassagePlan, People, Ratings, save_massage_plan
from companion.voice.recorded import RecordedVoice
store = People()
everyone = [store.default()] + [store.add(f"Client {n}") for n in range(2, COUNT + 1)]
for person in everyone:
    with Journal(person.journal_path) as journal:
        for i in range(60):
            journal.add(Ratings(pain=i % 11, anxiety=3 * i % 11, note=f"{person.name}: a restless night"))
    RecordedVoice("Mum", person.voices_folder).create()
    plans = (("back", (("back", 40),)), ("legs", (("legs", 30),)), ("whole", (("back", 20), ("legs", 20))))
    for name, regions in plans:
        save_massage_plan(person, MassagePlan(name, 60, regions))
"""


def loads(driver, base: str) -> dict[str, list[float]]:
    took: dict[str, list[float]] = {p: [] for p in PAGES}
    navigation = "var n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.startTime"
    for _ in range(10):
        for path in PAGES:
            driver.get(base + path)
            took[path].append(driver.execute_script(navigation))
    return took


def run(count: int) -> tuple[dict[str, list[float]], dict[str, list[float]], float]:
    """The pages' loads for the first and the last of `count` people, and choosing the last."""
    home = Path(tempfile.mkdtemp(prefix="companion-bench-people-"))
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    env.pop("DISPLAY", None)
    subprocess.run([sys.executable, "-c", f"COUNT = {count}\n" + FILL], env=env, check=True)
    server, start, base = start_app(env)
    try:
        with chromium(PHONE) as driver:
            driver.get(start)
            first = loads(driver, base)
            chose = 0.0
            if count > 1:
                driver.get(base + "/journal")
                driver.find_element("css selector", "#whose summary").click()
                began = time.perf_counter()
                driver.find_elements("css selector", "#whose .menu-list button")[-1].click()
                last_name = f"Client {count}"
                while driver.execute_script("return document.querySelector('#whose .here').textContent") != last_name:
                    time.sleep(0.005)
                chose = time.perf_counter() - began
            last = loads(driver, base)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
    return first, last, chose


def main() -> None:
    alone, _, _ = run(1)  # the same journal, voice and plans with nobody else: the figure to compare
    first, last, chose = run(50)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; 60 entries a person")
    for path in PAGES:
        shown = [
            f"{who} {statistics.median(took[path]):.0f} ms"
            for who, took in (("one person:", alone), ("fifty, the first:", first), ("the fiftieth:", last))
        ]
        print(f"page load {path}, median: {', '.join(shown)} (limit 200 ms)")
    print(f"choosing the fiftieth in the picker, to its journal page shown: {chose * 1000:.0f} ms")


if __name__ == "__main__":
    main()
