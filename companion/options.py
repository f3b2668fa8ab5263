"""What a caller asks for: one dataclass, the single source of every user-facing default.

The command line's options take their defaults from here, and so does every other caller.
"""

from __future__ import annotations

from dataclasses import dataclass

AMBIENCES = ("pink", "brown", "none")
DEFAULT_CHIME_EVERY = 15.0  # massage tracks without regions: a soft chime every 15 minutes


@dataclass
class SessionOptions:
    energy: str = "medium"  # low | medium | high
    minutes: float | None = None  # None: by mode, part or energy (6 / 12 / 20)
    script: str | None = None  # a built-in name or a file; None: chosen by mode and energy
    breath_rate: float | None = None  # the listener's own breaths a minute: the tone starts there
    breathless: bool = False
    exhale_ratio: float = 1.5  # out-breath over in-breath, 1 to 2
    voice: str | None = None  # None: the bundled voice; else a recorded voice's name or a Piper .onnx file
    fill_with_tts: bool = False  # a recorded voice: the synthetic voice says the phrases it lacks
    narration: bool = True
    ambience: str = "pink"  # one of AMBIENCES
    seed: int = 0
    mode: str = "relax"  # relax | massage | caregiver (see modes.py)
    part: str | None = None  # caregiver: hands | feet (default hands, or the script's part)
    regions: str | None = None  # massage: "back:15,legs:10"
    chime_every: float | None = None  # massage without regions: None means DEFAULT_CHIME_EVERY
    guided: bool = False  # massage: slow the breath as relax sessions do
    name: str | None = None  # fills {name} in scripts that use it
    safety_confirmed: bool = False  # caregiver: the safety notes have been read and confirmed
    mono: bool = False  # one channel, for a single speaker; else stereo (the bed wide, voice and tone centred)
