"""A page for the care team: the comfort journal over a period, on one printable A4 page.

What a nurse or doctor can read in a minute: each rating's range and how it went over the
period, the sessions used, and in plain words how the ratings after a session compare with
those before it. No scores, no streaks, no judgement: the listener's own numbers, and what
they do not say (they say how someone felt, not what caused it).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from companion.atomic import written_atomically
from companion.errors import BadInput, OutputError
from companion.journal.entries import QUESTIONS, SYMPTOMS, TAPPED_WORDS, Entry, SessionRecord
from companion.journal.store import Journal
from companion.plan.catalogue import builtin_scripts
from companion.printable import FONT, a4, paragraph
from companion.timefmt import counted, days_with_entries

REPORT_DAYS = 28  # the period unless told: the four weeks before a visit
MAX_DAYS_SHOWN = 12  # rows of the day-by-day table that fit on the one page
NOTE_CHARS = 37  # a day's notes, cut to one line of the table
MOST_SCRIPTS = 8  # the sessions named by title; any others are counted
TITLE = "Comfort journal: a summary for the care team"
ABOUT = (
    "These are the listener's own ratings, 0 to 10 in the style of the revised Edmonton Symptom "
    "Assessment System (0 none and 10 worst; for wellbeing 0 best), kept on their own computer by "
    "companion. companion plays relaxation sessions that may help someone feel calmer or more "
    "comfortable; it is not a treatment. The ratings say how someone felt, not what caused it."
)

TAPPED_NOTE = (
    "Counted by tapping along with the breath (the listener, or someone with them), to start the "
    "breath tone at their own pace: a rough count, not a clinical measurement."
)


@dataclass(frozen=True)
class CareTeamReport:
    since: date  # the first day of the period
    until: date  # its last day (included)
    entries: list[Entry]  # oldest first
    sessions: list[tuple[str, SessionRecord]]  # (started at, record), oldest first
    person: str | None = None  # whose journal it is (the name shown), when there are several


def gather(
    journal: Journal, since: date | None = None, until: date | None = None, person: str | None = None
) -> CareTeamReport:
    """The journal's entries and sessions from `since` to `until`, both days included (by
    default the REPORT_DAYS up to today); `person` names whose journal it is on the page."""
    for field, value in (("since", since), ("until", until)):
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            raise BadInput(f"the period's {field} is a date, not '{value}'", field=field, value=value, allowed="a date")
    until = until or date.today()
    since = since or until - timedelta(days=REPORT_DAYS - 1)
    if since > until:
        raise BadInput(
            f"the period starts ({since}) after it ends ({until}); give the earlier date first",
            field="since",
            value=since,
            allowed=("", until),
        )
    end = (until + timedelta(days=1)).isoformat()
    entries = [e for e in reversed(journal.entries(since.isoformat())) if e.at < end]
    if person is not None and not isinstance(person, str):
        raise BadInput("a person is named by text", field="person", value=person, allowed="text")
    return CareTeamReport(since, until, entries, journal.sessions(since.isoformat(), end), person)


def rating_lines(report: CareTeamReport) -> list[str]:
    """One sentence per rating given in the period: how often, its range, and where it sat in
    the first and the second half of the period."""
    middle = report.since + (report.until - report.since) / 2
    lines = []
    for name in SYMPTOMS:
        rated = [(_day(e), v) for e in report.entries if (v := getattr(e.ratings, name)) is not None]
        if not rated:
            continue
        values = [v for _, v in rated]
        words = f"{_label(name)}: rated {_times(len(values))}, "
        words += f"always {values[0]}" if min(values) == max(values) else f"{min(values)} to {max(values)}"
        early = [v for d, v in rated if d <= middle]
        late = [v for d, v in rated if d > middle]
        if early and late:
            words += f"; around {_typical(early)} early in the period, {_typical(late)} late in it"
        lines.append(words + ".")
    return lines


def session_lines(report: CareTeamReport) -> list[str]:
    """How many sessions, which, and for how long."""
    if not report.sessions:
        return ["No sessions were played or made in this period."]
    titles = {s.name: s.title for s in builtin_scripts()}
    used = Counter(titles.get(record.script, Path(record.script).stem) for _, record in report.sessions)
    heard = sum(record.minutes_heard or 0 for _, record in report.sessions)
    first = _count(len(report.sessions), "session")
    if heard:
        first += f", {counted(round(heard), 'minute')} listened to here"
    named = used.most_common(MOST_SCRIPTS)
    which = "; ".join(f"{title}: {_times(n)}" for title, n in named)
    others = len(used) - len(named)
    if others:
        which += f"; {_count(others, 'other')}: {_times(sum(used.values()) - sum(n for _, n in named))}"
    return [first + ".", which + "."]


def before_and_after_lines(report: CareTeamReport) -> list[str]:
    """For each rating given both before and after a session: after how many it was lower,
    the same or higher. Counted, never scored."""
    moments: dict[int, dict[str, Entry]] = defaultdict(dict)
    for e in report.entries:
        if e.session_id is not None and e.moment in ("before", "after"):
            moments[e.session_id][e.moment] = e
    lines = []
    for name in SYMPTOMS:
        changes: Counter[str] = Counter()
        for pair in moments.values():
            before, after = (getattr(pair[m].ratings, name) if m in pair else None for m in ("before", "after"))
            if before is not None and after is not None:
                changes["lower" if after < before else "higher" if after > before else "the same"] += 1
        total = sum(changes.values())
        if total:
            counts = ", ".join(
                f"{word} after {changes[word]}" for word in ("lower", "the same", "higher") if changes[word]
            )
            lines.append(f"{_label(name)}, before and after {_count(total, 'session')}: {counts}.")
    return lines or ["No session in this period has a rating both before and after it."]


def tapped_lines(report: CareTeamReport) -> list[str]:
    """Breaths a minute, by tapping along (issue 36): how often, the range, and before and
    after a session how many were fewer, the same or more (within half a breath). Said as
    taps, not as a clinical measurement; empty when none were tapped."""
    rates = [e.ratings.breath_rate for e in report.entries if e.ratings.breath_rate is not None]
    if not rates:
        return []
    low, high = min(rates), max(rates)
    lines = [f"Tapped {_times(len(rates))}: " + (f"{low:g}" if low == high else f"{low:g} to {high:g}") + "."]
    pairs: dict[int, dict[str, float]] = defaultdict(dict)
    for e in report.entries:
        if e.session_id is not None and e.moment in ("before", "after") and e.ratings.breath_rate is not None:
            pairs[e.session_id][e.moment] = e.ratings.breath_rate
    changes: Counter[str] = Counter()
    for pair in pairs.values():
        if len(pair) == 2:
            d = pair["after"] - pair["before"]
            changes["fewer" if d < -0.5 else "more" if d > 0.5 else "about the same"] += 1
    if changes:
        said = ", ".join(f"{w} after {changes[w]}" for w in ("fewer", "about the same", "more") if changes[w])
        lines.append(f"Before and after {_count(sum(changes.values()), 'session')}: {said}.")
    lines.append(TAPPED_NOTE)
    return lines


def day_rows(report: CareTeamReport) -> tuple[list[list[str]], int]:
    """The table: one row per day with entries (the latest MAX_DAYS_SHOWN, oldest first), each
    rating as its value or its range that day, and the day's notes; and how many days had
    entries in all."""
    days: dict[date, list[Entry]] = defaultdict(list)
    for e in report.entries:
        days[_day(e)].append(e)
    rows = []
    for day in sorted(days)[-MAX_DAYS_SHOWN:]:
        cells = [day.strftime("%a %d %b")]
        for name in SYMPTOMS:
            values = [v for e in days[day] if (v := getattr(e.ratings, name)) is not None]
            cells.append(
                "" if not values else str(values[0]) if min(values) == max(values) else f"{min(values)}-{max(values)}"
            )
        notes = "; ".join(" ".join(e.ratings.note.split()) for e in days[day] if e.ratings.note)
        cells.append(notes if len(notes) <= NOTE_CHARS else notes[: NOTE_CHARS - 1].rstrip() + "…")
        rows.append(cells)
    return rows, len(days)


def write_report(report: CareTeamReport, path: Path) -> None:
    """The report as one A4 page of PDF, written whole or not at all, readable by its owner
    only (it is health data, as the journal is)."""
    pdf = a4(TITLE)
    period = f"{_long(report.since)} to {_long(report.until)}"
    count = len(report.entries)
    paragraph(pdf, TITLE, 18, bold=True, after=1)
    whose = f"{report.person}: " if report.person else ""
    paragraph(pdf, f"{whose}{period}: {counted(count, 'entry', 'entries')}.", 12, after=4)
    for heading, lines in (
        ("The ratings", rating_lines(report)),
        ("Sessions", session_lines(report)),
        ("Before and after a session", before_and_after_lines(report)),
        (TAPPED_WORDS, tapped_lines(report)),
    ):
        if not lines:
            continue
        paragraph(pdf, heading, 13, bold=True, after=1)
        paragraph(pdf, "\n".join(lines), 10.5, after=3)
    rows, days = day_rows(report)
    paragraph(pdf, f"Day by day ({days_with_entries(len(rows), days)} with entries)", 13, bold=True, after=1)
    pdf.set_font(FONT, "", 8.5)
    header = ["Day", *(name.capitalize() for name in SYMPTOMS), "Notes"]
    with pdf.table(col_widths=(21, 10, 20, 28, 15, 20, 60), line_height=4.6, text_align="LEFT") as table:
        for cells in [header, *rows]:
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(3)
    paragraph(pdf, ABOUT, 8.5, after=0)
    try:
        with written_atomically(path, private=True) as tmp:
            tmp.write_bytes(bytes(pdf.output()))
    except OSError as exc:
        raise OutputError(f"could not write '{path}' ({exc.strerror}); nothing was written") from None


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _day(entry: Entry) -> date:
    return datetime.fromisoformat(entry.at).date()


def _label(name: str) -> str:
    return QUESTIONS[name].split(" (")[0]


def _count(n: int, word: str) -> str:
    return counted(n, word)


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def _typical(values: list[int]) -> str:
    middle = statistics.median(values)
    return f"{middle:g}"
