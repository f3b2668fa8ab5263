"""Pictures: the comfort journal over time, and a session's plan (what a therapist looks at to
choose a track). Calm and legible: large type, soft colours, no scores and no streaks.

matplotlib draws them off-screen (the Agg backend); its font cache goes in companion's own
cache folder, so nothing is written elsewhere. The same input gives the same image.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

from companion.atomic import written_atomically
from companion.errors import BadInput, OutputError
from companion.journal.store import SYMPTOMS, Entry
from companion.paths import cache_dir
from companion.plan.model import SessionPlan
from companion.process import environment

INK, SOFT, WORDS, CUE, BREATH = "#1f3a4a", "#9fb7c4", "#f0c987", "#7a4988", "#3f7f6f"
FONT = 15
SIZE_IN = (13.0, 9.0)
DPI = 90
LABELS = {
    "pain": "Pain",
    "tiredness": "Tiredness",
    "breathlessness": "Breathlessness",
    "anxiety": "Anxiety",
    "wellbeing": "Wellbeing (0 best)",
}


def _pyplot() -> ModuleType:
    with environment({"MPLCONFIGDIR": str(cache_dir() / "matplotlib")}):  # read as matplotlib loads
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
    """Each rating over time, one row each; a session's before and after joined by a line."""
    if not entries:
        raise BadInput("the journal is empty: there is nothing to draw yet")
    plt = _pyplot()
    fig, axes = plt.subplots(len(SYMPTOMS), 1, figsize=SIZE_IN, sharex=True)
    times = {e.id: datetime.fromisoformat(e.at) for e in entries}
    for ax, name in zip(axes, SYMPTOMS):
        rated = [e for e in entries if getattr(e.ratings, name) is not None]
        by_session: dict[int, list[Entry]] = defaultdict(list)
        for e in rated:
            if e.session_id is not None:
                by_session[e.session_id].append(e)
        for pair in by_session.values():
            if len(pair) > 1:
                pair.sort(key=lambda e: (e.at, e.id))
                ax.plot([times[e.id] for e in pair], [getattr(e.ratings, name) for e in pair], color=SOFT, lw=2)
        for moment, marker, colour in (("before", "o", SOFT), ("after", "o", INK), ("alone", "D", BREATH)):
            shown = [e for e in rated if e.moment == moment]
            if shown:
                ax.plot(
                    [times[e.id] for e in shown],
                    [getattr(e.ratings, name) for e in shown],
                    marker,
                    color=colour,
                    ms=9,
                    ls="none",
                    label=moment,
                )
        ax.set_ylim(-0.5, 10.5)
        ax.set_yticks([0, 5, 10])
        ax.set_ylabel(LABELS[name], rotation=0, ha="right", va="center")
        ax.grid(axis="y", color="#eeeeee")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    handles, labels = [], []
    for ax in axes:
        for h, label in zip(*ax.get_legend_handles_labels()):
            if label not in labels:
                handles.append(h)
                labels.append(label)
    fig.legend(handles, labels, loc="upper right", frameon=False, ncol=3)
    fig.suptitle("How you have felt (0 none, 10 the worst)", x=0.02, ha="left")
    fig.autofmt_xdate()
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    _save(fig, path, private=True)
    plt.close(fig)


def plot_plan(plan: SessionPlan, path: Path, loudness: np.ndarray | None = None) -> None:
    """The session: breath pace over time, where the words fall (first words of each line),
    sections, cues and fades; with `loudness` (short-term LUFS every 0.1 s) the mix under it."""
    plt = _pyplot()
    rows = 2 if loudness is not None else 1
    fig, axes = plt.subplots(rows, 1, figsize=(SIZE_IN[0], 5.5 * rows), sharex=True, squeeze=False)
    ax = axes[0][0]
    total_min = plan.duration_s / 60
    minutes = [b.start_s / 60 for b in plan.breaths] + [plan.breaths[-1].end_s / 60]
    rates = [b.rate for b in plan.breaths] + [plan.breaths[-1].rate]
    ax.step(minutes, rates, where="post", color=BREATH, lw=3)
    ax.set_ylabel("breaths a minute")
    low, high = min(rates), max(rates)
    ax.set_ylim(low - 3, high + 3.5)
    p = plan.profile
    ax.axvspan(0, p.fade_in_s / 60, color=SOFT, alpha=0.35, lw=0)
    ax.axvspan(total_min - (p.fade_out_s + p.tail_silence_s) / 60, total_min, color=SOFT, alpha=0.35, lw=0)
    sr = plan.sample_rate
    char_min = total_min / 95  # about how many minutes one character of a label covers
    words_rows = _Rows(3)
    for entry in plan.narration:
        a, b = entry.start / sr / 60, entry.end / sr / 60
        ax.axvspan(a, b, ymin=0.0, ymax=0.12, color=WORDS, lw=0)
        words = " ".join(entry.text.split()[:3])
        width = len(words) * char_min * 0.75  # the smaller type
        at = min(a, total_min - width)  # a label near the end stays inside the picture
        row = words_rows.place(at, at + width)
        if row is not None:  # a label with no room is left out: the span still shows
            ax.text(at, low - 2.2 + row * 0.55, words, fontsize=FONT - 5, color=INK, clip_on=True)
    section_rows = _Rows(2)
    for start, name in plan.sections:
        at = start / sr / 60
        ax.axvline(at, color="#dddddd", lw=1)
        width = len(name) * char_min
        shown_at = min(at, total_min - width)
        row = section_rows.place(shown_at, shown_at + width)
        if row is not None:
            ax.text(shown_at, high + 2.6 - row * 0.5, name, fontsize=FONT - 2, color=INK, clip_on=True)
    for cue in plan.cues:
        ax.axvline(cue.at / sr / 60, color=CUE, lw=1.5, ls="--")
        ax.text(cue.at / sr / 60, high + 1.6, f" {cue.region or cue.kind}", color=CUE, fontsize=FONT - 3)
    ax.set_title(f"{plan.script_title}: {total_min:g} minutes, {p.energy.value} energy", loc="left")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if loudness is not None:
        lax = axes[1][0]
        t = (np.arange(len(loudness)) * 0.1 + 1.5) / 60
        lax.plot(t, np.maximum(loudness, -60), color=INK, lw=1.2)
        lax.set_ylim(-50, -10)
        lax.set_ylabel("loudness (LUFS)")
        for cue in plan.cues:
            lax.axvline(cue.at / sr / 60, color=CUE, lw=1.5, ls="--")
        for side in ("top", "right"):
            lax.spines[side].set_visible(False)
    axes[-1][0].set_xlim(0, total_min)
    axes[-1][0].set_xlabel("minutes")
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


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
