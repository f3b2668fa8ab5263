"""Makes tests/data/older-install/: a user data folder as companion kept it before issue 33
(one journal and one set of recorded voices per computer account), by running that release's
own commands. Run once from a checkout of that release, with this project's virtualenv:

    git archive <release> | tar -x -C /tmp/older
    PYTHONPATH=/tmp/older .venv/bin/python tests/data/make_older_install.py

The migration tests (tests/fast/test_people.py) move a copy of it into the first person."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).parent / "older-install"
SCRIPT = """title: Two lines
energies: low medium high
modes: relax

== Resting
Rest here, slowly.
[breathe 20]
Stay as long as you like.
"""


def run(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "companion", *args], env=env, check=True)


def spoken(text: str) -> np.ndarray:
    from piper import SynthesisConfig

    from companion.voice.models import resolve_voice
    from companion.voice.piper_voice import load_voice

    voice = load_voice(resolve_voice(None))
    cfg = SynthesisConfig(length_scale=1.6, noise_scale=0.4, noise_w_scale=0.4)
    speech = np.concatenate(
        [
            np.asarray(voice.phoneme_ids_to_audio(voice.phonemes_to_ids(p), cfg), np.float32).ravel()
            for p in voice.phonemize(text)
        ]
    )
    pad = np.zeros(int(0.4 * 22050), np.float32)
    return np.concatenate([pad, speech * 0.5, pad]) + 0.002 * np.random.default_rng(1).standard_normal(
        len(speech) + 2 * len(pad)
    ).astype(np.float32)


def main() -> None:
    work = Path(tempfile.mkdtemp())
    env = {**os.environ, "XDG_DATA_HOME": str(work / "data"), "XDG_CONFIG_HOME": str(work / "config")}
    script = work / "two.txt"
    script.write_text(SCRIPT)
    memos = work / "memos"
    memos.mkdir()
    for number, text in enumerate(["Rest here, slowly.", "Stay as long as you like."], start=1):
        sf.write(memos / f"{number:03d}.wav", spoken(text), 22050)
    run(env, "journal", "add", "--pain", "3", "--anxiety", "5", "--note", "kept before there were people")
    run(env, "today", "--energy-score", "3", "--goal", "rest", "--minutes", "2", "-o", str(work / "rest.wav"))
    run(env, "voice", "import", "Mum", str(memos), "--script", str(script))
    run(env, "journal", "add", "--wellbeing", "2", "--note", "after the rest")
    shutil.rmtree(HERE, ignore_errors=True)
    shutil.copytree(work / "data" / "companion", HERE)
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
