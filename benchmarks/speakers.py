"""Figures for the README's loudness section: each layer on headphones and on a phone's small
speaker, cues over what is under them, the voice's returns, words a recogniser hears in the
mix and alone, stereo folded to one speaker, words per minute and the wait for the first words.

    .venv/bin/python benchmarks/speakers.py [--before REV]      (also run by: make bench)

With --before, the same measurements run on revision REV too (checked out beside this one,
run from the same environment) and the two are printed side by side.

The small speaker is modelled as a 4th-order Butterworth high-pass at 400 Hz: a phone or
tablet speaker passes little below that. The recogniser is PocketSphinx with its own US
English model (installed with the tests), independent of the voice.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SR = 44100


def _checks():
    """tests/audio_checks.py of this checkout, loaded by path: `companion` may come from another tree."""
    spec = importlib.util.spec_from_file_location("audio_checks", HERE.parent / "tests" / "audio_checks.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def layers(plan) -> dict[str, np.ndarray]:
    """60 s of the breath tone and of the noise bed (one ear), each alone, as the renderer has
    them, swell and all."""
    from companion.sound.renderer import SessionRenderer

    r = SessionRenderer(plan, None)
    q = 131072
    tone, bed = [], []
    for k in range(2, 2 + 60 * SR // q):  # from 6 s on: past the fade-in
        tone_g, bed_g = r._gains(k * q, q)[:2]
        ramp = np.repeat(np.arange(len(tone_g)), 128)[:q]
        tone.append(r.accompaniment.tone(k * q, q) * tone_g[ramp])
        bed.append(r.accompaniment.bed(0, k * q, q, np.empty(q, np.float32)) * bed_g[ramp])
    tone, bed = np.concatenate(tone), np.concatenate(bed)
    return {"tone": tone, "bed": bed}


def speaker_figures(checks) -> dict:
    from companion import SessionOptions, make_session

    out = {}
    for kind in ("pink", "brown"):
        plan = make_session(SessionOptions(energy="medium", minutes=3, narration=False, ambience=kind)).plan
        parts = layers(plan)
        full = {k: checks.lufs(v, SR) for k, v in parts.items()}
        small = {k: checks.lufs(checks.small_speaker(v, SR), SR) for k, v in parts.items()}
        out[f"{kind}: tone under the bed, headphones (LU)"] = full["bed"] - full["tone"]
        out[f"{kind}: tone under the bed, small speaker (LU)"] = small["bed"] - small["tone"]
        out[f"{kind}: bed lost on a small speaker (dB)"] = full["bed"] - small["bed"]
        out["tone lost on a small speaker (dB)"] = full["tone"] - small["tone"]
        swell = checks.momentary(checks.small_speaker(parts["tone"], SR), SR)
        out["tone's swell on a small speaker (LU, loudest - quietest 400 ms)"] = float(swell.max() - swell.min())
    from companion.sound.layers.noise import noise_loop

    loop = noise_loop("brown", 32 * SR, SR, 1, 0)
    loop = np.asarray(loop[0] if isinstance(loop, tuple) else loop, np.float64)  # with its speech band, now
    power = np.abs(np.fft.rfft(loop)) ** 2
    f = np.fft.rfftfreq(len(loop), 1 / SR)
    out["brown bed: power below 20 Hz (%)"] = 100 * power[f < 20].sum() / power.sum()
    out["brown bed: power below 80 Hz (%)"] = 100 * power[f < 80].sum() / power.sum()
    return out


def cue_figures(checks) -> dict:
    """Each cue: the loudest 400 ms in the 3 s after it over the loudest in the 10 s before
    (the whole mix), and the cue alone over the noise bed alone before it."""
    from companion import SessionOptions, make_session
    from companion.sound.renderer import SessionRenderer

    out = {}
    for kind in ("pink", "brown"):
        opts = SessionOptions(mode="massage", minutes=10, narration=False, ambience=kind, regions="a:4,b:4")
        plan = make_session(opts).plan

        def mix(p, tone=True, bed=True):
            r = SessionRenderer(p, None)
            if not tone:
                r.accompaniment._tone[:] = 0
            if not bed:
                for loops in r.accompaniment._loops:
                    for loop in loops:
                        loop[:] = 0
            return np.concatenate([r.quantum(k) for k in range(r.quanta)]).astype(np.float64)

        with_cues, quiet = mix(plan), mix(replace(plan, cues=[]))
        bed_alone = mix(replace(plan, cues=[]), tone=False)
        cue_alone = with_cues - quiet
        for speaker, shape in (("headphones", lambda x: x), ("small speaker", lambda x: checks.small_speaker(x, SR))):
            m_mix, m_cue, m_bed = (checks.momentary(shape(x), SR) for x in (with_cues, cue_alone, bed_alone))
            for cue in plan.cues:
                at = int(round(cue.at / SR * 10))
                label = "two-minutes" if cue.kind == "two-minutes" else "region"
                over_mix = m_mix[at : at + 27].max() - m_mix[max(at - 100, 0) : at - 3].max()
                over_bed = m_cue[at : at + 27].max() - m_bed[max(at - 100, 0) : at - 3].max()
                out[f"{kind}, {speaker}: {label} cue over the mix before (LU)"] = float(over_mix)
                out[f"{kind}, {speaker}: {label} cue over the bed before (LU)"] = float(over_bed)
    return out


RETURN_SESSIONS = [
    (None, "low"),
    (None, "medium"),
    (None, "high"),
    ("body-scan", "medium"),
    ("calm-place", "medium"),
    ("calm-place", "high"),
    ("settling", "low"),
    ("breathlessness", "medium"),
]


def return_figures(checks) -> dict:
    """Every return of the voice after 30 s or more without words: each phrase of its first
    line, the loudest 400 ms over the quiet (the 10 s before)."""
    from companion import SessionOptions, make_session

    first, rest, over = [], [], 0
    returns = 0
    sessions = [SessionOptions(script=s, energy=e) for s, e in RETURN_SESSIONS]
    sessions.append(SessionOptions(mode="caregiver", part="hands", safety_confirmed=True))
    for opts in sessions:
        session = make_session(opts)
        x = np.concatenate(list(session.blocks(131072))).astype(np.float64)
        m = checks.momentary(x, SR)
        quiet_since = 0.0
        for entry in session.plan.narration:
            start = entry.start / SR
            if start - quiet_since >= 30:
                returns += 1
                quiet = checks.lufs(x[int((start - 10) * SR) : int((start - 1) * SR)], SR)
                loud = [
                    m[int(c.start / SR * 10) : max(int(c.end / SR * 10) - 3, int(c.start / SR * 10) + 1)].max()
                    for c in entry.clips
                ]
                first.append(loud[0] - quiet)
                rest.extend(v - quiet for v in loud[1:])
                over += any(v - quiet > 10 for v in loud)
            quiet_since = entry.end / SR
    return {
        "returns after 30 s of quiet (count)": returns,
        "returns with a phrase of the line > 10 LU over the quiet (count)": over,
        "first phrase over the quiet, loudest (LU)": max(first),
        "rest of the line over the quiet, median (LU)": float(np.median(rest)) if rest else float("nan"),
        "rest of the line over the quiet, loudest (LU)": max(rest) if rest else float("nan"),
    }


def word_figures(checks) -> dict:
    """The recogniser on each line of the session: the mix (folded to mono) and the voice alone."""
    from companion import SessionOptions, make_session
    from companion.sound.renderer import SessionRenderer

    out = {}
    d = checks.recogniser()
    for label, opts in (
        ("body-scan, medium", SessionOptions(energy="medium", script="body-scan")),
        ("caregiver feet", SessionOptions(mode="caregiver", part="feet", safety_confirmed=True)),
    ):
        session = make_session(opts)
        plan = session.plan
        mix = np.concatenate(list(session.blocks(131072))).mean(axis=1)
        voice = np.zeros(plan.total_samples, np.float32)
        SessionRenderer(plan, session.voice_clip()).voice.add_into(voice, 0)
        ref, heard_mix, heard_voice = [], [], []
        for e in plan.narration:
            a, b = max(e.start - SR // 2, 0), e.end + SR // 2
            ref += checks.words(e.text)
            heard_mix += checks.recognise(d, mix[a:b], SR)
            heard_voice += checks.recognise(d, voice[a:b], SR)
        out[f"{label}: words heard, voice alone (%)"] = 100 * checks.heard_share(ref, heard_voice)
        out[f"{label}: words heard, the mix (%)"] = 100 * checks.heard_share(ref, heard_mix)
    return out


def fold_figures(checks) -> dict:
    """A phone with one speaker plays (L + R) / 2, or keeps the power of a centred sound with
    (L + R) / sqrt 2; each against the --mono file, and the bed's correlation between the ears."""
    from companion import SessionOptions, make_session

    out = {}
    for label, opts in (
        ("relax medium", SessionOptions(energy="medium", minutes=6)),
        ("tones only, pink", SessionOptions(energy="medium", minutes=6, narration=False)),
        ("tones only, brown", SessionOptions(energy="medium", minutes=6, narration=False, ambience="brown")),
    ):
        stereo = np.concatenate(list(make_session(opts).blocks(131072))).astype(np.float64)
        mono = np.concatenate(list(make_session(replace(opts, mono=True)).blocks(131072)))[:, 0].astype(np.float64)
        ref = checks.lufs(mono, SR)
        out[f"{label}: (L+R)/sqrt2 against --mono (LU)"] = checks.lufs(stereo.sum(axis=1) / np.sqrt(2), SR) - ref
        average = checks.lufs(stereo.mean(axis=1), SR) - ref
        out[f"{label}: (L+R)/2 against --mono (LU)"] = average
        # (L+R)/2 takes 3.01 dB from every centred sound (voice, tone) too: the bed's share is what moves
        out[f"{label}: (L+R)/2 against --mono, beyond the 3.01 dB of the centre (LU)"] = average + 3.01
    plan = make_session(SessionOptions(energy="medium", minutes=3, narration=False)).plan
    from companion.sound.renderer import SessionRenderer

    acc = SessionRenderer(plan, None).accompaniment
    n = 30 * SR
    left, right = (acc.bed(c, 0, n, np.empty(n, np.float32)).astype(np.float64) for c in (0, 1))
    out["noise bed: correlation between the ears"] = float(np.corrcoef(left, right)[0, 1])
    return out


def density_figures(checks) -> dict:
    from companion import SessionOptions, make_plan

    out = {}
    for energy in ("low", "medium", "high"):
        plan = make_plan(SessionOptions(energy=energy))
        words = sum(len(checks.words(e.text)) for e in plan.narration)
        out[f"words per minute of session, {energy} energy"] = words / (plan.duration_s / 60)
    return out


def first_words() -> dict:
    """From an empty voice cache: seconds from asking for the session to the first word handed
    to an output that takes sound in real time (a sound card's pace), and the plan's length."""
    from companion import SessionOptions, make_session
    from companion.cache import ClipCache
    from companion.live.player import Player

    sys.path.insert(0, str(HERE.parent))
    from tests.paced_output import PacedOutput

    out = {}
    with tempfile.TemporaryDirectory() as folder:
        start = time.monotonic()
        session = make_session(SessionOptions(energy="high"), cache=ClipCache(Path(folder)), wait_for_voice=False)
        heard: dict[str, float] = {}
        player: list[Player] = []

        def on_block(output, at):
            plan = player[0].live.plan
            if at is not None and plan.narration and at + 4096 > plan.narration[0].start and not heard:
                heard["first"] = time.monotonic() - start
                heard["at"] = plan.narration[0].start / SR
                output.abort()

        output = PacedOutput(SR, speed=1.0, on_block=on_block)
        player.append(Player(session, output))
        player[0].run()
        out["first words, empty voice cache (s after asking)"] = heard.get("first", float("nan"))
        out["first words, empty voice cache (s into the session)"] = heard.get("at", float("nan"))
    return out


def measure() -> dict:
    checks = _checks()
    figures: dict = {}
    for part in (
        lambda: speaker_figures(checks),
        lambda: cue_figures(checks),
        lambda: return_figures(checks),
        lambda: fold_figures(checks),
        lambda: density_figures(checks),
        lambda: word_figures(checks),
        first_words,
    ):
        figures.update(part())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="a revision to measure beside this checkout")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (one tree)")
    args = parser.parse_args()
    if args.json:
        print(json.dumps(measure()))
        return
    trees = {"after": HERE.parent}
    runs = {}
    if args.before:
        from worktree import checkout

        with checkout(args.before) as tree:
            runs["before"] = _run_in(tree)
    runs["after"] = _run_in(trees["after"])
    names = list(runs["after"])
    sides = f"; before = {args.before}, after = this checkout" if args.before else ""
    print(f"machine: {os.cpu_count()} cores{sides}")
    width = max(len(n) for n in names)
    for name in names:
        row = f"{name:{width}}"
        for side in runs:
            value = runs[side].get(name, float("nan"))
            row += f"  {side} {value:7.1f}"
        print(row)


def _run_in(tree: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--json"], cwd=tree, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
