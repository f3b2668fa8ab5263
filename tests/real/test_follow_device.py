"""Following the breath on the real sound path (issue 36): `companion play` on a pseudo-terminal,
its sound through PortAudio into ALSA's file plugin and a pipe read at real-time pace (the
null device alone takes sound faster than it plays); `t` tapped four times while it plays,
and the recorded output checked: no click, pitch and loudness continuous, the new pace
within two breaths."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import pytest

from tests.helpers import spawn_in_pty
from tests.real.test_journal import Screen

SR = 44100
BYTES_PER_S = SR * 4  # one channel of float32, as PortAudio hands it to ALSA


class PacedReader(threading.Thread):
    """Reads the pipe at real-time pace, keeping every byte."""

    def __init__(self, fifo):
        super().__init__(daemon=True)
        self.fifo, self.data, self.started = fifo, bytearray(), None

    def run(self) -> None:
        with open(self.fifo, "rb", buffering=0) as pipe:
            self.started = time.monotonic()
            while True:
                allowed = int((time.monotonic() - self.started) * BYTES_PER_S) - len(self.data)
                if allowed <= 0:
                    time.sleep(0.01)
                    continue
                chunk = pipe.read(min(allowed, 65536))
                if not chunk:
                    return
                self.data += chunk


@pytest.mark.slow("a session played in real time for half a minute while a breath is tapped along")
def test_taps_while_playing_retime_the_tone_on_the_real_sound_path(tmp_path):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    (tmp_path / ".asoundrc").write_text(f'pcm.!default {{ type file slave.pcm "null" file "{fifo}" format "raw" }}\n')
    reader = PacedReader(fifo)
    reader.start()
    args = (
        "play",
        "--no-narration",
        "--ambience",
        "none",
        "--mono",
        "--minutes",
        "2",
        "--breath-rate",
        "12",
        "--quiet",
    )
    child, master = spawn_in_pty(*args, env={"HOME": str(tmp_path)})
    screen = Screen(master)
    screen.wait(b"straining")  # the stop rule: it plays
    time.sleep(8)
    for _ in range(4):  # 24 a minute
        os.write(master, b"t")
        time.sleep(2.5)
    screen.wait(b"n step with the breath now: about 24 breaths a minute", timeout=10)
    time.sleep(20)
    os.write(master, b"q")  # ends gently
    screen.wait(b"Stopped gently", timeout=60)  # read as it comes, so the terminal never blocks
    assert child.wait(timeout=30) == 0
    reader.join(timeout=30)
    audio = np.frombuffer(bytes(reader.data[: len(reader.data) // 4 * 4]), dtype="<f4")
    assert len(audio) > 30 * SR and np.max(np.abs(audio)) < 1.0  # float samples, a whole half-minute
    tapped_at = 8 + 3 * 2.5  # the fourth tap, seconds into the sound (about)
    # no click: no step between samples larger than the tone's own largest
    steady = audio[2 * SR : 8 * SR]
    assert np.max(np.abs(np.diff(audio[5 * SR : -12 * SR]))) <= 1.05 * np.max(np.abs(np.diff(steady)))
    # loudness over whole periods of the tone (225 samples at 196 Hz), 20 ms apart
    frame = 4 * 225
    db = 20 * np.log10(np.sqrt(np.mean(audio[: len(audio) // frame * frame].reshape(-1, frame) ** 2, axis=1)) + 1e-9)
    per_s = SR / frame
    around = slice(int((tapped_at - 3) * per_s), int((tapped_at + 18) * per_s))
    assert np.max(np.abs(np.diff(db[around]))) < 0.6

    def peak(a: float) -> float:  # the strongest partial, in Hz
        x = audio[int(a * SR) : int(a * SR) + SR // 2] * np.hanning(SR // 2)
        return float(np.argmax(np.abs(np.fft.rfft(x))) * 2.0)

    assert peak(tapped_at - 2) == peak(tapped_at + 8)
    # the old pace (5 s) until the taps; then the breath under way, two that glide (about 4.2
    # and 3.3 s), and the new pace (turn to turn spans one breath's out and the next one's in)
    t = np.arange(len(db)) / per_s
    reach = int(0.5 * per_s)
    turns = [i for i in range(reach, len(db) - reach) if db[i] == db[i - reach : i + reach].max() and t[i] > 4]
    times = t[turns]
    gaps = np.diff(times[times < tapped_at + 20])
    first = next(i for i, g in enumerate(gaps) if abs(g - 5.0) > 0.15)
    assert first >= 1, (times, gaps)  # the old pace until the taps
    glide, settled = gaps[first : first + 3], gaps[first + 3 :]
    assert np.all(np.diff(glide) < 0) and np.all(glide > 2.5), gaps  # each step shorter: a glide, no jump
    assert len(settled) >= 2 and np.allclose(settled, 2.5, atol=0.1), gaps  # the new pace
