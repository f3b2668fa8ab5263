"""The Journal page: ratings with large 0-10 choices and a note, the entries with edit and
delete (one confirmation), the chart, the CSV export and the care-team report. Journal
contents travel only in request bodies and answers, never in an address."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from companion import REPORT_DAYS, TAPPED_CAVEAT, TAPPED_WORDS, BadInput, Journal, TapAgain, journal_chart, write_report
from companion import JournalEntry as Entry
from companion import export_journal as export_csv
from companion import gather_report as gather
from companion.app.jobs import off_the_loop
from companion.app.tapping import tapped_from
from companion.app.web import AppState, NotHere, back_to, page, ratings_from, state_of, words
from companion.app.whose import person_of

SHOWN = 60  # the latest entries listed; the CSV export has them all
TAPPED: dict[str, Any] = {  # issue 36: what the journal's tap circle says it does, and how a rate is named
    "tapped_words": TAPPED_WORDS,
    "tapped_kept": f"The breaths a minute are kept with the entry: {TAPPED_CAVEAT}.",
}


def _entries(request: Request) -> list[Entry]:
    with Journal(person_of(request).journal_path, read_only=True) as journal:
        return journal.entries(limit=SHOWN)


def _journal_page(request: Request, status: int = 200, **values: Any) -> Response:
    until = date.today()
    entries = _entries(request)
    return page(
        request,
        "journal.html",
        status,
        entries=entries,
        chart=journal_chart(entries) if entries else None,  # about half a millisecond: made here
        since=until - timedelta(days=REPORT_DAYS - 1),
        until=until,
        kept=request.query_params.get("kept"),
        **TAPPED,
        **values,
    )


async def journal(request: Request) -> Response:
    if request.method == "GET":
        return _journal_page(request)
    form = await request.form()
    try:
        ratings = ratings_from(form)
        rate = _tapped_rate(form)
        with Journal(person_of(request).journal_path) as store:
            store.add(replace(ratings, breath_rate=rate))
    except BadInput as exc:  # the journal that cannot be used: the one error path's page (503)
        return _journal_page(request, 400, error=words(exc))
    return back_to("/journal?kept=1")


def _entry(request: Request) -> Entry:
    entry_id = request.path_params["entry"]
    with Journal(person_of(request).journal_path, read_only=True) as store:
        entry = store.entry(entry_id)
    if entry is None:
        raise NotHere("no such entry")
    return entry


async def edit(request: Request) -> Response:
    entry = _entry(request)
    if request.method == "GET":
        return page(request, "edit.html", entry=entry, **TAPPED)
    form = await request.form()
    try:
        ratings = ratings_from(form)
        rate = _tapped_rate(form)  # tapped again; else the rate kept, unless taken away
        if rate is None and not form.get("tap_remove"):
            rate = entry.ratings.breath_rate
        with Journal(person_of(request).journal_path) as store:
            store.edit(entry.id, replace(ratings, breath_rate=rate))
    except BadInput as exc:
        return page(request, "edit.html", 400, entry=entry, error=words(exc), **TAPPED)
    return back_to("/journal?kept=1")


def _tapped_rate(form: FormData) -> float | None:
    """The breaths a minute the circle's taps give (issue 36), or None when none were tapped;
    taps that wandered are refused in the library's words."""
    found = tapped_from(form)
    if isinstance(found, TapAgain):
        raise BadInput(found.message, field="taps")
    return None if found is None else found.rate


async def delete(request: Request) -> Response:
    entry = _entry(request)
    if request.method == "GET":
        return page(request, "delete.html", entry=entry, **TAPPED)
    with Journal(person_of(request).journal_path) as store:
        store.forget([entry.id])
    return back_to("/journal?kept=deleted")


def _plot(entries: list[Entry], path: Path) -> None:
    from companion import plot_journal

    plot_journal(entries, path)


def _export(journal_path: Path, path: Path) -> None:
    with Journal(journal_path, read_only=True) as store:
        export_csv(store, path)


def _own_file(state: AppState, name: str) -> Path:
    """A file of this request's own: two drawn at once never share one."""
    return state.work / f"{secrets.token_hex(6)}-{name}"


async def chart(request: Request) -> Response:
    state = state_of(request)
    entries = _entries(request)
    if not entries:
        raise NotHere("nothing to draw")
    path = _own_file(state, "chart.png")
    await state.drawing(_plot, entries, path)
    return _file_answer(path, "image/png")


async def export(request: Request) -> Response:
    state = state_of(request)
    path = _own_file(state, "journal.csv")
    await off_the_loop(_export, person_of(request).journal_path, path)
    return _file_answer(path, "text/csv; charset=utf-8", "comfort-journal.csv")


async def report(request: Request) -> Response:
    state = state_of(request)
    try:
        since, until = (_day(request.query_params.get(n)) for n in ("since", "until"))
        someone = person_of(request)
        with Journal(someone.journal_path, read_only=True) as store:
            summary = gather(store, since, until, someone.name)
    except BadInput as exc:
        return _journal_page(request, 400, error=words(exc))
    if not summary.entries and not summary.sessions:
        error = f"{someone.name}'s journal has nothing from {summary.since:%d %b %Y} to {summary.until:%d %b %Y}."
        return _journal_page(request, 400, error=error)
    path = _own_file(state, "report.pdf")
    await state.drawing(write_report, summary, path)
    return _file_answer(path, "application/pdf", f"comfort-journal-{summary.since}-to-{summary.until}.pdf")


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(f"a day is written like 2026-11-01, not '{text[:20]}'", field="day", value=text) from None


def _file_answer(path: Path, kind: str, download: str | None = None) -> Response:
    """The file's bytes, then the file gone: nothing private is left in the app's folder."""
    body = path.read_bytes()
    path.unlink()
    headers = {"content-disposition": f'attachment; filename="{download}"'} if download else None
    return Response(body, media_type=kind, headers=headers)
