"""How long the app's pictures take to make: the journal's chart (60 entries, as the Journal
page shows) and a 90-minute massage plan, as the page's HTML and SVG and as PNG.

    .venv/bin/python benchmarks/pictures.py          (also run by: make bench)

The HTML and SVG are made on the server's event loop, so they must take about a millisecond
at most; the PNGs (downloads only) are drawn in the app's drawing process.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def timed(work, repeat: int) -> list[float]:
    took = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        took.append(time.perf_counter() - start)
    return took


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        os.environ["XDG_DATA_HOME"] = home  # the journal's entries stay in here
        from companion.journal.entries import Entry, Ratings
        from companion.options import SessionOptions
        from companion.pictures.draw import plot_journal, plot_plan
        from companion.pictures.markup import journal_chart, plan_picture
        from companion.session import make_plan
        from tests.fast.fake_voice import FakeNarrator  # the plan's lengths, without the neural voice

        entries = [
            Entry(
                i, f"2026-{1 + i // 28 % 12:02d}-{1 + i % 28:02d}T10:00:00", "alone", Ratings(pain=i % 11), None, None
            )
            for i in range(60)
        ]
        regions = (("back", 30.0), ("legs", 30.0), ("shoulders", 30.0))
        plan = make_plan(SessionOptions(mode="massage", minutes=90, regions=regions), narrator=FakeNarrator())
        chart = timed(lambda: journal_chart(entries), 200)
        picture = timed(lambda: plan_picture(plan), 200)
        out = Path(home)
        chart_png = timed(lambda: plot_journal(entries, out / "chart.png"), 3)
        plan_png = timed(lambda: plot_plan(plan, out / "plan.png"), 3)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    ms = lambda took: f"median {statistics.median(took) * 1000:.2f} ms, slowest {max(took) * 1000:.2f} ms"  # noqa: E731
    print(f"journal chart (60 entries) as HTML and SVG: {ms(chart)}")
    print(f"massage plan (90 minutes) as HTML and SVG: {ms(picture)}")
    print(f"the same as PNG (matplotlib, after its first): journal {ms(chart_png[1:])}; plan {ms(plan_png[1:])}")


if __name__ == "__main__":
    main()
