"""What the pictures say, in plain words, apart from how they are drawn: the PNGs (draw) and
the pages' HTML/SVG (markup) show the same facts from the same data, so a change of wording
is made once.

The journal's facts: each rating's points over time, the days its time axis names. A plan's
facts: its regions (a therapist's) or sections, each with its start and end, every spoken
line whole, every chime in words ("two minutes left"), and the breath tone's pace.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from companion.journal.entries import QUESTIONS, SYMPTOMS, Entry
from companion.plan.checkin import ENERGY_WORDS
from companion.plan.cues import cue_words
from companion.plan.model import SessionPlan
from companion.timefmt import clock

LABELS = {**QUESTIONS, "wellbeing": "Wellbeing (0 best)"}  # the journal's names; the scale is beside the chart
SCALE = "0 none, 10 the worst"
TAPPED = "breath_rate"  # the row of breaths a minute tapped along (issue 36): not a 0-10 rating
EDGE = 0.04  # of the time axis, kept free at each end


# -- The journal ------------------------------------------------------------------------
@dataclass(frozen=True)
class Point:
    at: datetime
    value: float  # a rating (0-10, whole) or a rate tapped along (breaths a minute)
    moment: str  # before, after, alone
    session_id: int | None


@dataclass(frozen=True)
class Tick:
    at: datetime
    label: str  # "7 Dec", with the year when the chart spans two


@dataclass(frozen=True)
class JournalFacts:
    start: datetime  # the time axis: midnight of the first day ...
    end: datetime  # ... to midnight after the last
    rows: dict[str, list[Point]]  # by symptom, in SYMPTOMS order, then TAPPED (the rates), oldest first
    ticks: list[Tick]

    def x(self, at: datetime) -> float:
        """Where a moment falls along the time axis, 0 to 1 (a little in from each end, so a
        mark at either end is drawn whole)."""
        share = (at - self.start).total_seconds() / (self.end - self.start).total_seconds()
        return EDGE + (1 - 2 * EDGE) * share

    @property
    def span(self) -> str:
        """The days the chart covers, in words: "on 7 Dec", "from 1 Dec to 7 Dec"."""
        first, last = self.ticks[0].label, self.ticks[-1].label
        return f"on {first}" if len(self.ticks) == 1 else f"from {first} to {last}"

    def pairs(self, name: str) -> list[tuple[Point, Point]]:
        """A session's before and after of one rating, to be joined by a line."""
        by_session: dict[int, list[Point]] = defaultdict(list)
        for p in self.rows[name]:
            if p.session_id is not None:
                by_session[p.session_id].append(p)
        return [(ps[0], ps[-1]) for ps in by_session.values() if len(ps) > 1]


def day_label(day: date, with_year: bool = False) -> str:
    """ "7 Dec" (a no-break space: a day is never split over two lines), with the year if asked."""
    return f"{day.day}\u00a0{day:%b}" + (f"\u00a0{day.year}" if with_year else "")


def journal_facts(entries: list[Entry]) -> JournalFacts:
    """The points of each rating and a time axis that names its days (at most three)."""
    ordered = sorted(entries, key=lambda e: (e.at, e.id))
    times = {e.id: datetime.fromisoformat(e.at).replace(tzinfo=None) for e in ordered}  # the clock as it read
    rows: dict[str, list[Point]] = {}
    for name in (*SYMPTOMS, TAPPED):
        rows[name] = [
            Point(times[e.id], value, e.moment, e.session_id)
            for e in ordered
            if (value := getattr(e.ratings, name)) is not None
        ]
    first = min(times.values()).date() if times else date.today()
    last = max(times.values()).date() if times else first
    start = datetime.combine(first, datetime.min.time())
    end = datetime.combine(last + timedelta(days=1), datetime.min.time())
    with_year = first.year != last.year
    days = [first] if first == last else [first, last]
    if (last - first).days >= 4:
        days.insert(1, first + (last - first) / 2)
    ticks = [Tick(datetime.combine(d, datetime.min.time()), day_label(d, with_year)) for d in days]
    return JournalFacts(start, end, rows, ticks)


# -- A session's plan -------------------------------------------------------------------
@dataclass(frozen=True)
class Span:
    start_s: float
    end_s: float
    label: str

    @property
    def when(self) -> str:
        return f"{clock(self.start_s)} to {clock(self.end_s)}"


@dataclass(frozen=True)
class Moment:
    at_s: float
    label: str
    begins: str | None = None  # a region chime: the region that begins with it


@dataclass(frozen=True)
class PlanFacts:
    title: str  # the script's title
    summary: str  # "12 minutes, some energy"
    duration_s: float
    parts_name: str  # "Regions" (a therapist's track) or "Sections"
    parts: list[Span]  # every one named, the first too
    words: list[Span]  # each spoken line, whole
    chimes: list[Moment]  # in plain words: "chime: legs", "chime: two minutes left"
    breath: str  # the breath tone's pace, in words
    rates: list[tuple[float, float]]  # (second, breaths a minute) where the pace changes
    fades: list[Span]  # the fade in and the fade out

    @property
    def minutes(self) -> float:
        return self.duration_s / 60

    def events(self) -> list[Moment]:
        """Everything heard, in time order: each part's start, each chime, each spoken line."""
        kind = self.parts_name[:-1]
        rung = {(c.at_s, c.label) for c in self.chimes}
        found = [
            Moment(
                p.start_s, f"{kind}: {p.label}" + (", with a chime" if (p.start_s, f"chime: {p.label}") in rung else "")
            )
            for p in self.parts
        ]
        named = {f"chime: {p.label}" for p in self.parts}
        found += [c for c in self.chimes if c.label not in named]
        found += [Moment(w.start_s, f"“{w.label}”") for w in self.words]
        return sorted(found, key=lambda m: m.at_s)


def _spans(starts: list[tuple[float, str]], end_s: float) -> list[Span]:
    ends = [s for s, _ in starts[1:]] + [end_s]
    return [Span(s, e, name) for (s, name), e in zip(starts, ends)]


def _breath_words(rates: list[float]) -> str:
    first, last, low = rates[0], rates[-1], min(rates)
    if max(rates) - low < 0.05:
        return f"The breath tone: {first:g} breaths a minute throughout."
    return f"The breath tone: {first:g} breaths a minute at first, easing to {last:g}" + (
        "." if abs(low - last) < 0.05 else f" (never below {low:g})."
    )


def plan_facts(plan: SessionPlan) -> PlanFacts:
    sr, total = plan.sample_rate, plan.duration_s
    p = plan.profile
    minutes = total / 60
    summary = f"{minutes:g} minute{'s' if minutes != 1 else ''}, {ENERGY_WORDS[p.energy].lower()}"
    regions = plan.regions
    named = [(s / sr, name) for s, name in (regions or plan.sections)]
    if named:  # the first part runs from the start (the tone's opening before its first words)
        named[0] = (0.0, named[0][1])
    words = [Span(e.start / sr, e.end / sr, " ".join(e.text.split())) for e in plan.narration]
    chimes = [Moment(c.at / sr, cue_words(c), c.region if c.kind == "region" else None) for c in plan.cues]
    rates: list[tuple[float, float]] = []
    for b in plan.breaths:
        if not rates or abs(rates[-1][1] - b.rate) >= 0.05:
            rates.append((b.start_s, b.rate))
    fades = [
        Span(0.0, p.fade_in_s, "fade in"),
        Span(total - (p.fade_out_s + p.tail_silence_s), total, "fade out"),
    ]
    return PlanFacts(
        title=plan.script_title,
        summary=summary,
        duration_s=total,
        parts_name="Regions" if regions else "Sections",
        parts=_spans(named, total),
        words=words,
        chimes=chimes,
        breath=_breath_words([b.rate for b in plan.breaths]),
        rates=rates,
        fades=fades,
    )
