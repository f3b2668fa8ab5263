"""A picture of how sessions sound: short-term loudness over time, words and cues marked.

    .venv/bin/python benchmarks/plot_loudness.py [OUT.png]      (also run by: make bench)

Two sessions, rendered with the library API and measured with the tests' meter: a
high-energy relax session (long quiets, then the voice returns softly) and a massage track
with regions (a chime at each change, two rising notes two minutes before the end).
Needs matplotlib (pip install -e ".[plot]").
"""

from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' meters, from the checkout
from companion import SessionOptions, make_session  # noqa: E402
from tests.audio_checks import loudness_range, lufs, momentary  # noqa: E402

SESSIONS = [
    ("Relax, high energy, 20 min", SessionOptions(energy="high")),
    (
        "Massage, 30 min, regions back 12 / legs 10 / arms 8",
        SessionOptions(mode="massage", minutes=30, regions="back:12,legs:10,arms:8"),
    ),
]
CUE_NAMES = {"region": "region", "interval": "chime", "two-minutes": "2 min left", "chime": "chime"}


def draw(ax, title: str, options: SessionOptions) -> None:
    session = make_session(options)
    plan = session.plan
    sr = plan.sample_rate
    x = np.concatenate(list(session.blocks())).astype(np.float64)
    minutes = np.arange(0, len(x) / sr, 0.1) / 60
    short = momentary(x, sr, 0.1, 3.0)
    brief = momentary(x, sr, 0.1, 0.4)
    ax.plot(minutes[: len(brief)] + 0.2 / 60, brief, color="#9db4c0", lw=0.4, label="momentary (400 ms)")
    ax.plot(minutes[: len(short)] + 1.5 / 60, short, color="#1f4e5f", lw=1.1, label="short-term (3 s)")
    for entry in plan.narration:
        ax.axvspan(entry.start / sr / 60, entry.end / sr / 60, color="#f2c57c", alpha=0.45, lw=0)
    for cue in plan.cues:
        at = cue.at / sr / 60
        ax.axvline(at, color="#7a4988", lw=1.0, ls="--")
        label = cue.region or CUE_NAMES.get(cue.kind, cue.kind)
        ax.text(at, -12.5, f" {label}", color="#7a4988", fontsize=11, va="top")
    for level, name in ((-18, "voice -18"), (-23, "tones only -23"), (-28, "bed between words -28")):
        ax.axhline(level, color="#888888", lw=0.6, ls=":")
        ax.text(plan.duration_s / 60, level, f" {name}", fontsize=9, color="#666666", va="center")
    ax.set_xlim(0, plan.duration_s / 60)
    ax.set_ylim(-45, -10)
    ax.set_ylabel("LUFS", fontsize=12)
    ax.set_title(
        f"{title}: {lufs(x, sr):.1f} LUFS, loudness range {loudness_range(x, sr):.1f} LU (shaded: words; dashed: cues)",
        fontsize=13,
        loc="left",
    )
    ax.grid(axis="x", color="#eeeeee")
    ax.tick_params(labelsize=11)


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("session-loudness.png")
    fig, axes = plt.subplots(len(SESSIONS), 1, figsize=(15, 4.2 * len(SESSIONS)))
    for ax, (title, options) in zip(axes, SESSIONS):
        draw(ax, title, options)
    axes[0].legend(loc="lower right", fontsize=10, frameon=False)
    axes[-1].set_xlabel("minutes", fontsize=12)
    fig.tight_layout()
    fig.savefig(out, dpi=80)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
