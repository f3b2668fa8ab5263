"""Draw a rendered session against its plan: waveform envelope, breath turns, narration spans.

python benchmarks/plot_session.py plan.json session.wav out.png [start_s end_s]
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402


def main() -> None:
    plan = json.load(open(sys.argv[1]))
    x, sr = sf.read(sys.argv[2], dtype="float32")
    a, b = (float(sys.argv[4]), float(sys.argv[5])) if len(sys.argv) > 5 else (0, len(x) / sr)
    seg = x[int(a * sr) : int(b * sr)]
    if seg.ndim == 2:  # stereo: the power of both ears
        seg = np.sqrt(np.mean(seg**2, axis=1))
    hop = max(len(seg) // 4000, 1)
    frames = seg[: len(seg) // hop * hop].reshape(-1, hop)
    t = a + (np.arange(len(frames)) + 0.5) * hop / sr
    rms = 20 * np.log10(np.sqrt(np.mean(frames.astype(np.float64) ** 2, axis=1)) + 1e-9)
    fig, ax = plt.subplots(figsize=(14, 4))
    ax.plot(t, rms, lw=0.7, color="k", label="RMS (dBFS)")
    for n in plan["narration"]:
        if n["end_s"] >= a and n["start_s"] <= b:
            ax.axvspan(n["start_s"], n["end_s"], color="tab:orange", alpha=0.25)
    for br in plan["breaths"]:
        turn = br["start_s"] + br["inhale_s"]
        if a <= turn <= b:
            ax.axvline(turn, color="tab:blue", lw=0.4, alpha=0.6)
    ax.set_xlim(a, b)
    ax.set_ylim(-80, 0)
    ax.set_xlabel("seconds")
    ax.set_title(f"{plan['script']} / {plan['energy']}: orange = narration, blue = breath turns")
    fig.tight_layout()
    fig.savefig(sys.argv[3], dpi=80)


if __name__ == "__main__":
    main()
