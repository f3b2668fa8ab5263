"""Loudness figures for the README: what each kind of session measures, as rendered.

    .venv/bin/python benchmarks/loudness.py          (also run by: make bench)

Each session is rendered with the library API and measured with the same meters the tests
use (BS.1770 integrated loudness, EBU Tech 3342 loudness range, 4x oversampled true peak).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' meters, from the checkout
from companion import SessionOptions, make_session  # noqa: E402
from tests.audio_checks import loudness_range, lufs, true_peak_db  # noqa: E402

SESSIONS = [
    ("relax, low energy, 6 min", SessionOptions(energy="low")),
    ("relax, medium energy, 12 min", SessionOptions(energy="medium")),
    ("relax, high energy, 20 min", SessionOptions(energy="high")),
    ("relax, tones only, 12 min", SessionOptions(energy="medium", narration=False)),
    ("massage, 30 min", SessionOptions(mode="massage", minutes=30)),
    ("massage, tones only, 30 min", SessionOptions(mode="massage", minutes=30, narration=False)),
    ("caregiver, hands, 12 min", SessionOptions(mode="caregiver", part="hands", safety_confirmed=True)),
]


def main() -> None:
    print(f"{'session':30} {'whole':>11} {'voice':>11} {'range':>8} {'true peak':>10}")
    for label, opts in SESSIONS:
        session = make_session(opts)
        plan = session.plan
        sr = plan.sample_rate
        x = np.concatenate(list(session.blocks())).astype(np.float64)
        spoken = [x[e.start : e.end] for e in plan.narration]
        voice = f"{lufs(np.concatenate(spoken), sr):6.1f} LUFS" if spoken else "          -"
        print(f"{label:30} {lufs(x, sr):6.1f} LUFS {voice} {loudness_range(x, sr):5.1f} LU {true_peak_db(x):5.1f} dBTP")


if __name__ == "__main__":
    main()
