"""Pictures: the comfort journal over time, and a session's plan (what a therapist looks at to
choose a track). Calm and legible: large type, soft colours, no scores and no streaks.

matplotlib draws them off-screen (the Agg backend); its font cache goes in companion's own
cache folder, so nothing is written elsewhere. The same input gives the same image.
"""

from __future__ import annotations

import math
import time
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from companion.atomic import written_atomically
from companion.errors import BadInput, OutputError
from companion.journal.entries import MOMENT_WORDS, SYMPTOMS, TAPPED_CAVEAT, TAPPED_WORDS, Entry
from companion.paths import cache_dir
from companion.pictures.facts import (
    LABELS,
    SCALE,
    TAPPED,
    JournalFacts,
    PlanFacts,
    journal_facts,
    plan_facts,
)
from companion.plan.model import SessionPlan
from companion.process import environment
from companion.timefmt import clock

INK, SOFT, WORDS, CUE, BREATH = "#1f3a4a", "#9fb7c4", "#f0c987", "#7a4988", "#3f7f6f"
TAPPED_COLOUR = "#b3541e"  # the breaths a minute tapped along: a colour no other mark of the chart has
TAPPED_HEIGHT = 1.4  # their row, in rating rows
FONT = 15
SIZE_IN = (13.0, 9.0)
DPI = 90
SAID_WIDTH = 120  # characters of a spoken line in a row of the list beneath a plan
STALE_LOCK_S = 60.0  # matplotlib writes its font list in seconds: a lock this old is nobody's


def _pyplot() -> ModuleType:
    folder = cache_dir() / "matplotlib"
    forget_stale_locks(folder)
    with environment({"MPLCONFIGDIR": str(folder)}):  # read as matplotlib loads
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "font.size": FONT,
            "axes.titlesize": FONT + 2,
            "axes.labelsize": FONT,
            "axes.edgecolor": SOFT,
            "axes.labelcolor": INK,
            "xtick.color": INK,
            "ytick.color": INK,
            "text.color": INK,
            "svg.hashsalt": "companion",
        }
    )
    return plt


def forget_stale_locks(folder: Path) -> None:
    """A lock matplotlib left when a program was stopped while it wrote its font list (the
    first picture on a machine), removed once it is old enough to be nobody's: otherwise each
    later program waits 5 s for it, and then every picture fails."""
    for lock in folder.glob("*.matplotlib-lock"):
        try:
            if time.time() - lock.stat().st_mtime > STALE_LOCK_S:
                lock.unlink()
        except OSError:
            pass  # gone meanwhile, or not ours to remove: matplotlib says so itself


def _dates() -> Any:
    """matplotlib's dates module (its locators and formatters are untyped)."""
    import matplotlib.dates

    return matplotlib.dates


def _ticker() -> Any:
    """matplotlib's ticker module (untyped, as dates)."""
    import matplotlib.ticker

    return matplotlib.ticker


def _save(fig: Figure, path: Path, private: bool = False) -> None:
    """`private`: health data (the journal's picture), readable by the owner alone."""
    if path.suffix.lower() != ".png":
        raise BadInput(f"a picture is written as PNG; end the file name with .png, not '{path.name}'")
    try:
        with written_atomically(path, private=private) as tmp:
            # no date or version in the file: the same input gives the same bytes
            fig.savefig(tmp, format="png", dpi=DPI, metadata={"Software": None})
    except OSError as exc:
        raise OutputError(f"could not write '{path}' ({exc.strerror}); nothing was written") from None


def plot_journal(entries: list[Entry], path: Path) -> None:
    """Each rating over time, one row each, the days named along the time axis; a session's
    before and after joined by a line; the breaths a minute tapped along in a row of their own."""
    if not entries:
        raise BadInput("the journal is empty: there is nothing to draw yet")
    plt = _pyplot()
    fig = journal_figure(plt, entries)
    _save(fig, path, private=True)
    plt.close(fig)


def journal_figure(plt: Any, entries: list[Entry]) -> Any:
    """The journal's picture as a matplotlib figure (its words can be read back from it); the
    breaths a minute tapped along get a row of their own, with their own axis and a note that
    they are a rough count, only when any was tapped."""
    facts = journal_facts(entries)
    tapped = bool(facts.rows[TAPPED])
    heights = [1.0] * len(SYMPTOMS) + ([TAPPED_HEIGHT] if tapped else [])
    size = (SIZE_IN[0], SIZE_IN[1] + (TAPPED_HEIGHT * SIZE_IN[1] / len(SYMPTOMS) + 0.4 if tapped else 0))
    fig, axes = plt.subplots(len(heights), 1, figsize=size, sharex=True, gridspec_kw={"height_ratios": heights})
    for ax, name in zip(axes, SYMPTOMS):
        _rating_row(ax, facts, name)
    if tapped:
        _tapped_row(axes[-1], facts)
    _time_axis(axes[-1], facts)
    handles, labels = [], []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    top = 1 - 0.55 / size[1]  # the title's line; the key on the line below it, never over it
    fig.legend(handles, labels, loc="upper right", bbox_to_anchor=(1, top), frameon=False, ncol=3)
    fig.suptitle(f"How you have felt {facts.span} ({SCALE})", x=0.02, ha="left")
    fig.autofmt_xdate()
    if tapped:  # the honest words, under the chart (issue 36)
        fig.text(0.02, 0.012, f"{TAPPED_WORDS}: {TAPPED_CAVEAT}.", fontsize=FONT - 2, color=INK)
    fig.tight_layout(rect=(0, 0.035 if tapped else 0, 1, 1 - 0.9 / size[1]))
    return fig


def _rating_row(ax: Any, facts: JournalFacts, name: str) -> None:
    for a, b in facts.pairs(name):
        ax.plot([a.at, b.at], [a.value, b.value], color=SOFT, lw=2)
    for moment, marker, colour in (("before", "o", SOFT), ("after", "o", INK), ("alone", "D", BREATH)):
        shown = [p for p in facts.rows[name] if p.moment == moment]
        if shown:
            ax.plot(
                [p.at for p in shown],
                [p.value for p in shown],
                marker,
                color=colour,
                ms=9,
                ls="none",
                label=MOMENT_WORDS[moment],
            )
    ax.set_ylim(-0.5, 10.5)
    ax.set_yticks([0, 5, 10])
    _row_look(ax, LABELS[name])


def _tapped_row(ax: Any, facts: JournalFacts) -> None:
    """Breaths a minute, by tapping: their own scale (the rates themselves, not 0-10), all in
    one colour, each moment by its shape (a ring before, a dot after, a diamond on its own)."""
    points = facts.rows[TAPPED]
    for a, b in facts.pairs(TAPPED):
        ax.plot([a.at, b.at], [a.value, b.value], color=TAPPED_COLOUR, lw=2)
    shapes = (("before", "o", "white"), ("after", "o", TAPPED_COLOUR), ("alone", "D", TAPPED_COLOUR))
    for moment, marker, face in shapes:
        shown = [p for p in points if p.moment == moment]
        if shown:
            ax.plot(
                [p.at for p in shown],
                [p.value for p in shown],
                marker,
                color=TAPPED_COLOUR,
                mfc=face,
                mew=2.5,
                ms=9,
                ls="none",
            )
    values = [p.value for p in points]
    low, high = math.floor(min(values)) - 3, math.ceil(max(values)) + 3
    ax.set_ylim(max(low, 0), high)
    ax.yaxis.set_major_locator(_ticker().MaxNLocator(3, integer=True))
    _row_look(ax, TAPPED_WORDS.replace(", ", ",\n"))


def _row_look(ax: Any, label: str) -> None:
    ax.set_ylabel(label, rotation=0, ha="right", va="center")
    ax.grid(axis="y", color="#eeeeee")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _time_axis(ax: Any, facts: JournalFacts) -> None:
    dates = _dates()
    days = max((facts.end - facts.start).days, 1)
    ax.set_xlim(facts.start, facts.end)
    if days == 1:  # one day: named once, under its middle
        ax.set_xticks([facts.start + timedelta(hours=12)])
    else:
        ax.xaxis.set_major_locator(dates.DayLocator(interval=max(1, days // 6)))
    with_year = facts.start.year != (facts.end - timedelta(days=1)).year
    ax.xaxis.set_major_formatter(dates.DateFormatter("%-d %b %Y" if with_year else "%-d %b"))


def plot_plan(plan: SessionPlan, path: Path, loudness: np.ndarray | None = None) -> None:
    """The session: breath pace over time, each region (or section) named, the chimes in
    words, where the words fall, and every spoken line whole beneath; with `loudness`
    (short-term LUFS every 0.1 s) the mix under it."""
    plt = _pyplot()
    fig = plan_figure(plt, plan, loudness)
    _save(fig, path)
    plt.close(fig)


def plan_figure(plt: Any, plan: SessionPlan, loudness: np.ndarray | None = None) -> Any:
    """A plan's picture as a matplotlib figure (its words can be read back from it)."""
    facts = plan_facts(plan)
    rows = 2 if loudness is not None else 1
    said = _said_lines(facts)
    ratios = [5.5] * rows + ([0.6 + 0.32 * len(said)] if said else [])
    fig, axes = plt.subplots(
        len(ratios), 1, figsize=(SIZE_IN[0], sum(ratios)), squeeze=False, gridspec_kw={"height_ratios": ratios}
    )
    ax = axes[0][0]
    total_min = facts.minutes
    minutes = [b.start_s / 60 for b in plan.breaths] + [plan.breaths[-1].end_s / 60]
    rates = [b.rate for b in plan.breaths] + [plan.breaths[-1].rate]
    ax.step(minutes, rates, where="post", color=BREATH, lw=3)
    ax.set_ylabel("breaths a minute")
    low, high = min(rates), max(rates)
    ax.set_ylim(low - 3, high + 3.5)
    for fade in facts.fades:
        ax.axvspan(fade.start_s / 60, fade.end_s / 60, color=SOFT, alpha=0.35, lw=0)
    for line in facts.words:
        ax.axvspan(line.start_s / 60, line.end_s / 60, ymin=0.0, ymax=0.12, color=WORDS, lw=0)
    above_words = low - 3 + 0.13 * (high - low + 6.5)  # the words' spans fill the lowest 12 %
    ax.text(0, above_words, " spoken words", fontsize=FONT - 3, color=INK, va="bottom")
    char_min = total_min / 95  # about how many minutes one character of a label covers
    part_rows = _Rows(3)
    for part in facts.parts:
        at = part.start_s / 60
        if at > 0:
            ax.axvline(at, color="#dddddd", lw=1)
        label = f" {part.label} ({clock(part.start_s)})"
        width = len(label) * char_min
        shown_at = max(min(at, total_min - width), 0)
        row = part_rows.place(shown_at, shown_at + width)
        if row is None:  # no room beside the others: the lowest row, over what is there
            row = 2
        ax.text(shown_at, high + 2.8 - row * 0.6, label, fontsize=FONT - 2, color=INK, clip_on=True)
    chime_rows = _Rows(2)
    for chime in facts.chimes:
        at = chime.at_s / 60
        ax.axvline(at, color=CUE, lw=1.5, ls="--")
        if chime.begins:  # said by the region's own label, at the same line
            continue
        label = chime.label
        width = len(label) * char_min * 0.85
        shown_at = min(at, total_min - width)
        row = chime_rows.place(shown_at, shown_at + width)
        if row is not None:  # a label with no room is left out: the line still shows
            ax.text(shown_at, high + 1.0 - row * 0.6, f" {label}", color=CUE, fontsize=FONT - 3)
    ax.set_title(f"{facts.title}: {facts.summary}", loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if loudness is not None:
        _loudness(axes[1][0], plan, loudness)
    for row_axes in axes[:rows]:
        row_axes[0].set_xlim(0, total_min)
    axes[rows - 1][0].set_xlabel("minutes" + ("   (dashed lines: chimes)" if facts.chimes else ""))
    if said:
        _spoken(axes[-1][0], said)
    fig.tight_layout()
    return fig


def _loudness(lax: Any, plan: SessionPlan, loudness: np.ndarray) -> None:
    t = (np.arange(len(loudness)) * 0.1 + 1.5) / 60
    lax.plot(t, np.maximum(loudness, -60), color=INK, lw=1.2)
    lax.set_ylim(-50, -10)
    lax.set_ylabel("loudness (LUFS)")
    for cue in plan.cues:
        lax.axvline(cue.at / plan.sample_rate / 60, color=CUE, lw=1.5, ls="--")
    for side in ("top", "right"):
        lax.spines[side].set_visible(False)


def _said_lines(facts: PlanFacts) -> list[str]:
    """Every spoken line whole, with its time; a long one goes on over the next row."""
    import textwrap

    rows = []
    for line in facts.words:
        wrapped = textwrap.wrap(line.label, SAID_WIDTH) or [""]
        rows.append(f"{clock(line.start_s):>6}  {wrapped[0]}")
        rows += [f"{'':>6}  {more}" for more in wrapped[1:]]
    return rows


def _spoken(ax: Any, rows: list[str]) -> None:
    ax.axis("off")
    ax.set_xlim(0, 1)
    ax.set_ylim(len(rows) + 0.3, -0.9)
    ax.text(0, -0.6, "What is said", fontsize=FONT, color=INK, weight="bold")
    for i, row in enumerate(rows):
        ax.text(0, i + 0.5, row, fontsize=FONT - 4, color=INK)


class _Rows:
    """Labels in a few rows, each placed in the first row with room: none overlap."""

    def __init__(self, rows: int):
        self.free_from = [float("-inf")] * rows

    def place(self, start: float, end: float) -> int | None:
        for row, free in enumerate(self.free_from):
            if start >= free:
                self.free_from[row] = end
                return row
        return None


def draw_cover(title: str, subtitle: str) -> bytes:
    """A square cover for a track or a pack (PNG bytes): soft rings, like a slow breath, on a
    calm dark ground, with the title in large light type. The same words give the same bytes."""
    import io
    import textwrap

    plt = _pyplot()
    fig = plt.figure(figsize=(6, 6), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axis("off")
    fig.patch.set_facecolor(INK)
    for i, radius in enumerate(np.linspace(0.34, 0.1, 6)):
        ax.add_patch(plt.Circle((0.5, 0.62), radius, color=BREATH, alpha=0.18 + 0.1 * i, linewidth=0))
    ax.text(0.5, 0.2, "\n".join(textwrap.wrap(title, 22)[:2]), ha="center", va="center", fontsize=30, color="#f4f1ea")
    ax.text(0.5, 0.07, subtitle, ha="center", va="center", fontsize=17, color=WORDS)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=100, facecolor=INK, metadata={"Software": None})
    plt.close(fig)
    return out.getvalue()
