"""The pictures as a page shows them: HTML and inline SVG made here, with no script and
nothing fetched. Text is the page's own (HTML, or SVG text sized in em), so it is as large as
the page's words and grows with the zoom; colours are classes the page's style sheet gives
from its theme (light or dim); positions along the time axis are percentages, so a picture
fits any width. Each picture carries its facts in words too: a label on every row, a table
of the journal's numbers, the plan's spoken lines whole.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from companion.journal.entries import MOMENT_WORDS, SYMPTOMS, TAPPED_CAVEAT, TAPPED_WORDS, Entry
from companion.pictures.facts import (
    LABELS,
    SCALE,
    JournalFacts,
    PlanFacts,
    Point,
    day_label,
    journal_facts,
    plan_facts,
)
from companion.plan.model import SessionPlan
from companion.timefmt import clock

STRIP_EM = 6.0  # one rating's strip: 10 at 0.5em from the top, 0 at 0.5em from the bottom


def _pc(x: float) -> str:
    return f"{min(max(x, 0.0), 1.0) * 100:.2f}%"


def _y(value: float) -> str:
    return f"{0.5 + (10 - value) * (STRIP_EM - 1) / 10:.2f}em"


def _anchor(x: float) -> str:
    return "start" if x < 0.2 else "end" if x > 0.8 else "middle"


# -- The journal ------------------------------------------------------------------------
def _days(points: list[Point]) -> str:
    first, last = (day_label(p.at.date()) for p in (points[0], points[-1]))
    return f"on {first}" if first == last else f"from {first} to {last}"


def _mark(p: Point, x: float) -> str:
    cx, cy = _pc(x), _y(p.value)
    if p.moment == "before":  # a ring: told apart by its shape, not its colour alone
        return f'<circle class="mark before" cx="{cx}" cy="{cy}" r="0.35em"/>'
    if p.moment == "after":
        return f'<circle class="mark after" cx="{cx}" cy="{cy}" r="0.4em"/>'
    return (
        f'<circle class="mark alone-ring" cx="{cx}" cy="{cy}" r="0.45em"/>'
        f'<circle class="mark alone" cx="{cx}" cy="{cy}" r="0.2em"/>'
    )


def _strip(facts: JournalFacts, name: str) -> str:
    points = facts.rows[name]
    said = (
        f"{LABELS[name]}: {len(points)} rating{'s' if len(points) != 1 else ''}, "
        f"{_days(points)}; "
        f"the first {points[0].value}, the latest {points[-1].value}."
    )
    parts = [
        f'<svg class="chart-strip" role="img" aria-labelledby="chart-{name}-said" width="100%" height="{STRIP_EM}em">',
        f'<title id="chart-{name}-said">{escape(said)}</title>',
    ]
    parts += [f'<line class="grid" x1="0%" x2="100%" y1="{_y(v)}" y2="{_y(v)}"/>' for v in (0, 5, 10)]
    for a, b in facts.pairs(name):
        parts.append(
            f'<line class="pair" x1="{_pc(facts.x(a.at))}" y1="{_y(a.value)}" '
            f'x2="{_pc(facts.x(b.at))}" y2="{_y(b.value)}"/>'
        )
    parts += [_mark(p, facts.x(p.at)) for p in points]
    parts.append("</svg>")
    return "".join(parts)


def _key(facts: JournalFacts) -> str:
    shown = {p.moment for points in facts.rows.values() for p in points}
    items = []
    for moment in ("before", "after", "alone"):
        if moment in shown:
            fake = Point(facts.start, 5, moment, None)
            mark = _mark(fake, 0.5).replace(f'cy="{_y(5)}"', 'cy="50%"')
            items.append(
                f'<li><svg class="chart-mark" aria-hidden="true" width="1.2em" height="1.2em">{mark}</svg>'
                f"{escape(MOMENT_WORDS[moment])}</li>"
            )
    return f'<ul class="chart-key">{"".join(items)}</ul>'


def _dates(facts: JournalFacts) -> str:
    texts = []
    last = len(facts.ticks) - 1
    for i, tick in enumerate(facts.ticks):
        # one day: named in the middle; else the first day at the start, the last at the end
        x = 0.5 if last == 0 else 0.0 if i == 0 else 1.0 if i == last else facts.x(tick.at)
        texts.append(f'<text x="{_pc(x)}" y="1.1em" text-anchor="{_anchor(x)}">{escape(tick.label)}</text>')
    return (
        '<div class="chart-plot"><span></span>'
        f'<svg class="chart-dates" aria-hidden="true" width="100%" height="1.5em">{"".join(texts)}</svg></div>'
    )


def _tapped(entries: list[Entry], most: int = 8) -> str:
    """Issue 36: the breaths a minute tapped along, latest `most`, in words (no scale of 0-10)."""
    tapped = [e for e in sorted(entries, key=lambda e: (e.at, e.id)) if e.ratings.breath_rate is not None][-most:]
    if not tapped:
        return ""
    said = []
    for e in tapped:
        moment = datetime.fromisoformat(e.at)
        when = f"{day_label(moment.date())}, {moment:%H:%M}"
        said.append(f"{e.ratings.breath_rate:g} {MOMENT_WORDS[e.moment]} ({when})")
    return (
        f'<p class="chart-tapped"><strong>{TAPPED_WORDS}:</strong> {escape("; ".join(said))}. '
        f"<span>{escape(TAPPED_CAVEAT[:1].upper() + TAPPED_CAVEAT[1:])}.</span></p>"
    )


def _table(entries: list[Entry]) -> str:
    names: list[str] = [n for n in SYMPTOMS if any(getattr(e.ratings, n) is not None for e in entries)]
    if any(e.ratings.breath_rate is not None for e in entries):
        names.append("breath_rate")
    head = "".join(f'<th scope="col">{escape(LABELS.get(n, TAPPED_WORDS))}</th>' for n in names)
    rows = []
    for e in sorted(entries, key=lambda e: (e.at, e.id)):
        values = (getattr(e.ratings, n) for n in names)
        cells = "".join(f"<td>{'–' if v is None else v}</td>" for v in values)
        moment = datetime.fromisoformat(e.at)
        at = f"{day_label(moment.date(), with_year=True)}, {moment:%H:%M}"
        rows.append(f'<tr><th scope="row">{escape(at)}</th><td>{escape(MOMENT_WORDS[e.moment])}</td>{cells}</tr>')
    return (
        '<details class="chart-table"><summary>The chart as a table</summary>'
        '<div class="table-scroll" role="region" aria-label="The chart as a table" tabindex="0"><table>'
        f"<caption>Each rating, {SCALE}; a dash where it was not given</caption>"
        f'<thead><tr><th scope="col">When</th><th scope="col">Moment</th>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def journal_chart(entries: list[Entry]) -> str:
    """The comfort journal over time as HTML with an SVG strip per rating (those given at
    least once), the days named on the time axis, a key in words, and the same numbers as a
    table. Entries must not be empty."""
    facts = journal_facts(entries)
    parts = [
        '<figure class="picture journal-chart" aria-labelledby="chart-title">',
        f'<figcaption id="chart-title">How you have felt {escape(facts.span)} ({SCALE})</figcaption>',
        _key(facts),
    ]
    for name in SYMPTOMS:
        if not facts.rows[name]:
            continue
        parts.append(
            f'<div class="chart-row"><p class="chart-name">{escape(LABELS[name])}</p><div class="chart-plot">'
            '<div class="chart-scale" aria-hidden="true"><span>10</span><span>5</span><span>0</span></div>'
            f"{_strip(facts, name)}</div></div>"
        )
    parts += [_dates(facts), _tapped(entries), "</figure>", _table(entries)]
    return "".join(parts)


# -- A session's plan -------------------------------------------------------------------
def _minute_ticks(minutes: float) -> list[float]:
    """At most five minute marks from 0, and the end: none so near the end that labels meet."""
    step = next(s for s in (1, 2, 5, 10, 15, 20, 30, 60) if minutes / s <= 4)
    ticks = [float(m) for m in range(0, int(minutes) + 1, step) if minutes - m >= 0.15 * minutes]
    return [*ticks, minutes]


def _axis(facts: PlanFacts) -> str:
    texts = []
    for m in _minute_ticks(facts.minutes):
        x = m / facts.minutes
        label = f"{m:g}"
        texts.append(
            f'<line class="tick" x1="{_pc(x)}" x2="{_pc(x)}" y1="0" y2="0.4em"/>'
            f'<text x="{_pc(x)}" y="1.5em" text-anchor="{_anchor(x)}">{label}</text>'
        )
    said = f"The time axis, in minutes: 0 to {facts.minutes:g}."
    return (
        f'<svg class="plan-axis" role="img" aria-label="{said}" width="100%" height="2em">'
        f'<line class="grid" x1="0%" x2="100%" y1="0" y2="0"/>{"".join(texts)}</svg>'
        '<p class="plan-axis-name">minutes</p>'
    )


def _bar(facts: PlanFacts, spans: list[tuple[float, float, str]], ticks: tuple[float, ...] = ()) -> str:
    total = facts.duration_s
    parts = ['<svg class="plan-bar" aria-hidden="true" width="100%" height="1.4em">']
    parts.append('<rect class="plan-track" x="0%" y="0.2em" width="100%" height="1em"/>')
    for start, end, kind in spans:
        width = max(end - start, total / 400)  # a short line still shows
        parts.append(
            f'<rect class="plan-span {kind}" x="{_pc(start / total)}" y="0.2em" '
            f'width="{_pc(width / total)}" height="1em"/>'
        )
    for at in ticks:
        parts.append(f'<line class="plan-chime" x1="{_pc(at / total)}" x2="{_pc(at / total)}" y1="0" y2="1.4em"/>')
    parts.append("</svg>")
    return "".join(parts)


def _row(label: str, detail: str, bar: str) -> str:
    return (
        f'<li class="plan-row"><p class="plan-label"><strong>{escape(label)}</strong> '
        f"<span>{escape(detail)}</span></p>{bar}</li>"
    )


def plan_picture(plan: SessionPlan) -> str:
    """A session's plan as HTML with SVG bars: one row per region (or section), each named
    with its times, a row for the spoken words and one for the chimes, a time axis in
    minutes, and then everything heard in time order, each spoken line whole."""
    facts = plan_facts(plan)
    rows = [_row(part.label, part.when, _bar(facts, [(part.start_s, part.end_s, "part")])) for part in facts.parts]
    if facts.words:
        lines = len(facts.words)
        detail = f"{lines} line{'s' if lines != 1 else ''}, listed below"
        rows.append(_row("Spoken words", detail, _bar(facts, [(w.start_s, w.end_s, "words") for w in facts.words])))
    if facts.chimes:
        detail = "; ".join(f"{c.label.removeprefix('chime: ')} at {clock(c.at_s)}" for c in facts.chimes)
        rows.append(_row("Chimes", detail, _bar(facts, [], tuple(c.at_s for c in facts.chimes))))
    heard = "".join(
        f'<li><span class="plan-time">{clock(m.at_s)}</span> {escape(m.label[:1].upper() + m.label[1:])}</li>'
        for m in facts.events()
    )
    return (
        '<figure class="picture plan-picture" aria-labelledby="plan-caption">'
        f'<figcaption id="plan-caption"><strong>{escape(facts.title)}</strong>: {escape(facts.summary)}. '
        f"{escape(facts.breath)}</figcaption>"
        f'<ol class="plan-rows">{"".join(rows)}</ol>{_axis(facts)}</figure>'
        f'<h3 class="plan-heard-title">What is heard, and when</h3><ol class="plan-heard">{heard}</ol>'
    )
