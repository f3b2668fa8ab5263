"""Figures for docs/sound.md: each layer on headphones and on a phone's small speaker, cues over
what is under them, the voice's returns on both speakers, the breath heard in the whole mix,
the loudness range, the noise bed's repetition, words a recogniser hears in the mix and alone
for every built-in script at every energy, stereo folded to one speaker, the Ogg serial,
words per minute and the wait for the first words.

    .venv/bin/python benchmarks/speakers.py [--before REV] [--sample] [--words [--only SCRIPTS]]    (make bench)

With --before, the same measurements run on revision REV too (checked out beside this one,
run from the same environment, measured by this checkout's tests/audio_checks.py: the same
recogniser and the same way of hearing on both) and the two are printed side by side. The
recogniser sweep listens to every phrase of 30 sessions, alone and in the mix, each at four
places of the recogniser's frame grid (about two hours of a core a revision); with --sample
it listens only to the phrase the tests take from each session (one a session, about two
minutes), and leaves out the line-by-line figures; --words measures the recogniser's figures
only, and --only (with --words) some scripts only. Each phrase is heard as by a new
recogniser (its feature state reset), so a script's figure depends on its own phrases only,
not on the order they are heard in or on what was heard before; each session's loss is
printed as it comes.

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
    loop = np.asarray(loop[0] if isinstance(loop, tuple) else loop, np.float64)  # with its speech band before e020eb3
    power = np.abs(np.fft.rfft(loop)) ** 2
    f = np.fft.rfftfreq(len(loop), 1 / SR)
    out["brown bed: power below 20 Hz (%)"] = 100 * power[f < 20].sum() / power.sum()
    out["brown bed: power below 80 Hz (%)"] = 100 * power[f < 80].sum() / power.sum()
    return out


def render(plan, voice=None, channel: int | None = None) -> np.ndarray:
    """The whole session (float32, as rendered: a long one is large), or one channel of it."""
    from companion.sound.renderer import SessionRenderer

    r = SessionRenderer(plan, voice)
    return np.concatenate([r.quantum(k) if channel is None else r.quantum(k)[:, channel] for k in range(r.quanta)])


def cue_figures(checks) -> dict:
    """Each cue: the loudest 400 ms in the 3 s after it over the loudest in the 10 s before
    (the whole mix), and the cue alone over the noise bed alone before it. The layers apart
    are renders of the same plan without them (the tone alone has the bed's share too)."""
    from companion import SessionOptions, make_session

    out = {}
    for kind in ("pink", "brown"):
        opts = SessionOptions(mode="massage", minutes=10, narration=False, ambience=kind, regions="a:4,b:4")
        plan = make_session(opts).plan
        quiet_plan = replace(plan, cues=[])
        with_cues, quiet = render(plan), render(quiet_plan)
        tone = render(replace(quiet_plan, profile=plan.profile.with_(ambience="none"))) * np.sqrt(0.5)
        bed_alone, cue_alone = quiet - tone, with_cues - quiet
        for speaker, small in (("headphones", False), ("small speaker", True)):
            m_mix, m_cue, m_bed = (
                checks.momentary(x, SR, small_speaker=small) for x in (with_cues, cue_alone, bed_alone)
            )
            for cue in plan.cues:
                at = int(round(cue.at / SR * 10))
                label = "two-minutes" if cue.kind == "two-minutes" else "region"
                over_mix = m_mix[at : at + 27].max() - m_mix[max(at - 100, 0) : at - 3].max()
                over_bed = m_cue[at : at + 27].max() - m_bed[max(at - 100, 0) : at - 3].max()
                out[f"{kind}, {speaker}: {label} cue over the mix before (LU)"] = float(over_mix)
                out[f"{kind}, {speaker}: {label} cue over the bed before (LU)"] = float(over_bed)
    return out


SESSIONS = [
    ("relax low", dict(energy="low")),
    ("relax medium", dict(energy="medium")),
    ("relax high", dict(energy="high")),
    ("relax low, brown", dict(energy="low", ambience="brown")),
    ("relax medium, brown", dict(energy="medium", ambience="brown")),
    ("relax high, brown", dict(energy="high", ambience="brown")),
    ("body-scan medium", dict(script="body-scan", energy="medium")),
    ("calm-place medium", dict(script="calm-place", energy="medium")),
    ("settling low", dict(script="settling", energy="low")),
    ("breathlessness medium", dict(script="breathlessness", energy="medium")),
    ("caregiver hands", dict(mode="caregiver", part="hands", safety_confirmed=True)),
    ("massage 30 min", dict(mode="massage", minutes=30)),
]


def session_figures(checks) -> dict:
    """Whole narrated sessions, each rendered once: the voice's returns after 30 s or more
    without words (each phrase of the returning line, its loudest 400 ms over the quiet of
    the 10 s before it), on headphones and through the small speaker; the voice's level over
    its spoken lines; the loudness range on both; and the breath in the whole mix (how much its
    momentary loudness rises from each in-breath's start to its turn, between words)."""
    from companion import SessionOptions, make_session

    out: dict = {}
    over = {False: [], True: []}
    first, rest, returns = [], [], 0
    voices, ranges, swells = {}, {False: {}, True: {}}, {False: {}, True: {}}
    for label, kwargs in SESSIONS:
        session = make_session(SessionOptions(**kwargs))
        plan = session.plan
        x = np.concatenate(list(session.blocks(131072)))
        for small in (False, True):
            found = checks.returns_over_quiet(x, SR, plan, small_speaker=small)
            over[small] += found
            if not small:
                returns += len(found)
                first += [phrases[0] for phrases in found]
                rest += [v for phrases in found for v in phrases[1:]]
            ranges[small][label] = checks.loudness_range(x, SR, small_speaker=small)
            swells[small][label] = float(np.median(checks.breath_swells(x, SR, plan, small_speaker=small)))
        voices[label] = checks.lufs(np.concatenate([x[e.start : e.end] for e in plan.narration]), SR)
    out["returns after 30 s of quiet (count)"] = returns
    for small, speaker in ((False, "headphones"), (True, "small speaker")):
        out[f"returns with a phrase > 10 LU over the quiet, {speaker} (count)"] = sum(max(p) > 10 for p in over[small])
        out[f"loudest phrase of a returning line over the quiet, {speaker} (LU)"] = max(max(p) for p in over[small])
    out["first phrase over the quiet, loudest (LU)"] = max(first)
    out["rest of the line over the quiet, median (LU)"] = float(np.median(rest)) if rest else float("nan")
    for label in ("relax low", "relax medium", "relax high", "caregiver hands", "massage 30 min"):
        out[f"voice over its spoken lines, {label} (LUFS)"] = voices[label]
    out["voice over its spoken lines, quietest session (LUFS)"] = min(voices.values())
    for small, speaker in ((False, "headphones"), (True, "small speaker")):
        for label in ("relax medium", "relax medium, brown"):
            out[f"loudness range, {label}, {speaker} (LU)"] = ranges[small][label]
        narrated = [v for k, v in ranges[small].items() if not k.startswith("massage")]
        out[f"loudness range, widest narrated session, {speaker} (LU)"] = max(narrated)
    for small, speaker in ((False, "headphones"), (True, "small speaker")):
        for label in ("relax low", "relax medium", "relax high"):
            out[f"the mix's breath swell, {label}, {speaker} (dB, median)"] = swells[small][label]
        out[f"the mix's breath swell, least of every session, {speaker} (dB, median)"] = min(swells[small].values())
    # the tone alone between words, against its share of the -28 LUFS under the voice
    plan = make_session(SessionOptions(energy="medium")).plan
    voice = make_session(SessionOptions(energy="medium")).voice_clip()
    silent = lambda key: np.zeros_like(voice(key))  # noqa: E731
    tone = render(replace(plan, profile=plan.profile.with_(ambience="none")), silent, channel=0) * np.sqrt(0.5)
    busy = np.zeros(len(tone), bool)
    for e in plan.narration:
        busy[max(e.start - 11 * SR, 0) : e.end + 3 * SR] = True  # the words, the ducking, the lead-in
    busy[: 6 * SR] = busy[-20 * SR :] = True
    out["the tone alone between words, relax medium (LUFS)"] = checks.lufs(tone[~busy] * np.sqrt(2), SR)
    return out


def bed_figures(checks) -> dict:
    """The noise bed alone (a 25-minute tones-only session less its tone, one ear): how alike
    it is to itself at any lag from 1 s to 10 minutes."""
    from companion import SessionOptions, make_session

    out = {}
    for kind in ("pink", "brown"):
        plan = make_session(SessionOptions(energy="medium", minutes=25, narration=False, ambience=kind)).plan
        bed = render(plan)[:, 0] - render(replace(plan, profile=plan.profile.with_(ambience="none")))[:, 0] * np.sqrt(
            0.5
        )
        out[f"{kind} bed: most autocorrelation, lags 1 s to 10 min"] = checks.bed_autocorrelation(
            bed[10 * SR : -20 * SR], SR, (1.0, 600.0)
        )
    return out


def _sweep_one(job: tuple[str, str, bool]) -> tuple[str, str, int, float, float]:
    """Every phrase of one session, or the tests' sample of them: (script, energy, words,
    heard alone, heard in the mix)."""
    from companion import make_session
    from companion.plan.catalogue import builtin_script

    checks = _checks()
    decoder = _DECODER.setdefault("d", checks.recogniser())
    name, energy, sample = job
    session = make_session(checks.script_options(builtin_script(name), energy))
    clips = checks.sample_phrases(session.plan) if sample else session.plan.clips
    return (name, energy, *checks.phrases_heard(decoder, session, clips))


_DECODER: dict = {}


def _lines_one(job: tuple[str, str]) -> tuple[str, str, int, float, float]:
    """Every line of one session, each from 0.5 s before its words to 0.5 s after (as the
    audit of the last round measured): (script, energy, words, heard alone, in the mix)."""
    from companion import make_session
    from companion.plan.catalogue import builtin_script
    from companion.sound.renderer import SessionRenderer

    checks = _checks()
    decoder = _DECODER.setdefault("d", checks.recogniser())
    name, energy = job
    session = make_session(checks.script_options(builtin_script(name), energy))
    plan = session.plan
    renderer = SessionRenderer(plan, session.voice_clip())
    mix = np.concatenate([renderer.quantum(k) for k in range(renderer.quanta)]).mean(axis=1)
    voice = np.zeros(len(mix), np.float32)
    renderer.voice.add_into(voice, 0, renderer.centre_scale)
    total, alone, in_mix = 0, 0.0, 0.0
    for e in plan.narration:
        a, b = max(e.start - SR // 2, 0), e.end + SR // 2
        reference = checks.words(e.text)
        total += len(reference)
        alone += checks.heard_share(reference, checks.recognise(decoder, voice[a:b], SR)) * len(reference)
        in_mix += checks.heard_share(reference, checks.recognise(decoder, mix[a:b], SR)) * len(reference)
    return name, energy, total, alone, in_mix


AUDITED = [("settling", "low"), ("breathlessness", "medium"), ("after-massage", "medium"), ("calm-place", "high")]
AUDITED += [("sleep", "medium"), ("body-scan", "medium"), ("caregiver-feet", "medium")]


def word_figures(checks, sample: bool = False, only: tuple[str, ...] = ()) -> dict:
    """The recogniser on every phrase of every built-in script at every energy it offers (or
    on the tests' sample of them), in the mix (folded to one speaker) and in the voice alone,
    phrase by phrase (first sample to last); and, unless `sample`, for the sessions the last
    round's audit named, line by line with half a second either side, as that audit measured.
    With `only` ("script" or "script:energy"), those alone (a whole sweep takes hours on a busy
    machine)."""
    from concurrent.futures import ProcessPoolExecutor

    from companion.plan.catalogue import builtin_scripts

    jobs = [(s.name, e, sample) for s in builtin_scripts() for e in s.energies if _chosen(only, s.name, e)]
    out: dict = {}
    with ProcessPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        swept = []
        for name, energy, total, alone, in_mix in pool.map(_sweep_one, jobs):
            swept.append((name, energy, total, alone, in_mix))
            # each as it comes: a sweep cut short still tells what it heard
            lost = 100 * (alone - in_mix) / max(total, 1)
            print(f"{name} {energy}: {total} words, {lost:.1f} points lost", file=sys.stderr, flush=True)
        lines = [] if sample else list(pool.map(_lines_one, [a for a in AUDITED if _chosen(only, *a)]))
    which = "the tests' sample of phrases" if sample else "every phrase"
    scripts = "the scripts asked for" if only else "every script"
    gaps = {}
    for name, energy, total, alone, in_mix in swept:
        gaps[f"{name} {energy}"] = 100 * (alone - in_mix) / max(total, 1)
        out[f"words lost in the mix, {name} {energy} (points)"] = gaps[f"{name} {energy}"]
    total = sum(t for *_, t, _, _ in swept)
    out[f"words heard, {which} of {scripts}: voice alone (%)"] = 100 * sum(a for *_, a, _ in swept) / total
    out[f"words heard, {which} of {scripts}: the mix (%)"] = 100 * sum(m for *_, m in swept) / total
    out[f"words heard, {which} of {scripts} (count)"] = total
    over = sum(g > 3 for g in gaps.values())
    out[f"scripts and energies losing more than 3 points in the mix (count, of {len(gaps)})"] = over
    out["most points lost in the mix, any script and energy"] = max(gaps.values())
    for name, energy, total, alone, in_mix in lines:
        out[f"words heard line by line, {name} {energy}: voice alone / the mix (%)"] = (
            100 * alone / total,
            100 * in_mix / total,
        )
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


def ogg_figures(checks) -> dict:
    """A 2-minute tones-only session written twice as Opus and as Ogg Vorbis: the stream's
    serial number, and whether the same session gave the same bytes."""
    import re

    from companion import SessionOptions, make_session, render

    out = {}
    with tempfile.TemporaryDirectory() as folder:
        for suffix in (".opus", ".ogg"):
            files = [Path(folder) / f"{k}{suffix}" for k in range(2)]
            for path in files:
                render(make_session(SessionOptions(energy="low", minutes=2, narration=False, seed=3)), path)
            data = files[0].read_bytes()
            serials = {
                int.from_bytes(data[m.start() + 14 : m.start() + 18], "little") for m in re.finditer(b"OggS\0", data)
            }
            out[f"{suffix[1:]}: stream serial 0 (1 = yes)"] = float(0 in serials)
            out[f"{suffix[1:]}: the same session, the same bytes (1 = yes)"] = float(data == files[1].read_bytes())
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


def _chosen(only: tuple[str, ...], name: str, energy: str) -> bool:
    return not only or name in only or f"{name}:{energy}" in only


def measure(sample: bool = False, words_only: bool = False, only: tuple[str, ...] = ()) -> dict:
    checks = _checks()
    if words_only:
        return word_figures(checks, sample, only)
    figures: dict = {}
    for part in (
        lambda: speaker_figures(checks),
        lambda: cue_figures(checks),
        lambda: session_figures(checks),
        lambda: bed_figures(checks),
        lambda: fold_figures(checks),
        lambda: ogg_figures(checks),
        lambda: density_figures(checks),
        lambda: word_figures(checks, sample),
        first_words,
    ):
        figures.update(part())
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="a revision to measure beside this checkout")
    parser.add_argument("--sample", action="store_true", help="the recogniser on the tests' sample of phrases only")
    parser.add_argument("--words", action="store_true", help="the recogniser's figures only")
    parser.add_argument(
        "--only",
        default="",
        help="with --words: these only (script or script:energy, comma-separated)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (one tree)")
    args = parser.parse_args()
    only = tuple(n for n in args.only.split(",") if n)
    if args.json:
        print(json.dumps(measure(args.sample, args.words, only)))
        return
    trees = {"after": HERE.parent}
    runs = {}
    if args.before:
        from worktree import checkout

        with checkout(args.before) as tree:
            runs["before"] = _run_in(tree, args.sample, args.words, only)
    runs["after"] = _run_in(trees["after"], args.sample, args.words, only)
    names = list(runs["after"])
    sides = f"; before = {args.before}, after = this checkout" if args.before else ""
    sides += "; the recogniser on the tests' sample of phrases" if args.sample else ""
    print(f"machine: {os.cpu_count()} cores{sides}")
    width = max(len(n) for n in names)
    for name in names:
        row = f"{name:{width}}"
        for side in runs:
            value = runs[side].get(name, float("nan"))
            shown = " / ".join(f"{v:.1f}" for v in value) if isinstance(value, list) else f"{value:7.2f}"
            row += f"  {side} {shown:>11}"
        print(row)


def _run_in(tree: Path, sample: bool, words_only: bool, only: tuple[str, ...] = ()) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    command = [sys.executable, str(Path(__file__).resolve()), "--json"] + (["--sample"] if sample else [])
    command += ["--words"] if words_only else []
    command += ["--only", ",".join(only)] if only else []
    done = subprocess.run(command, cwd=tree, env=env, stdout=subprocess.PIPE, text=True)  # its progress shown
    if done.returncode != 0:
        raise SystemExit(f"the measurements failed in {tree}")
    return json.loads(done.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
