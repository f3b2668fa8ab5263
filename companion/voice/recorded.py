"""A familiar voice: a person's own recordings of a script's phrases, spoken in place of the
synthetic voice with the same pacing, loudness and safety rules.

A recorded voice is a folder in the user's data folder (owner-only): `voice.json` and one
FLAC file per phrase, named by a hash of the phrase's text, so a phrase recorded once serves
every script that says it. Each take is checked (too quiet, clipped, too noisy, far longer
than its words) and cleaned (rumble and DC removed, trimmed, levelled to the voice target,
true-peak limited, soft edges) before it is kept.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import soundfile as sf

from companion.atomic import write_failed, written_atomically
from companion.errors import BadInput, VoiceError
from companion.paths import OWNER_ONLY_DIR, private_folder
from companion.plan.scripts import Entry, Item, Script, personalise
from companion.voice.narrator import Narrator, Progress

VOICE_NAME_CHARS = 40
NAME = re.compile(rf"\A[A-Za-z0-9][A-Za-z0-9 _-]{{0,{VOICE_NAME_CHARS - 1}}}\Z")  # \Z: never ends in a line break
CONSENT = (
    "A recorded voice is someone's own voice. Record or import it only with their agreement, "
    "and keep it for the sessions it was made for. It stays on this machine, in a folder only "
    "you can read, and removing the voice deletes it all."
)


def voices_dir() -> Path:
    """The default person's recorded voices (an older install's are moved there first, once)."""
    from companion.people.store import People

    return People().default().voices_folder


def phrase_key(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:24]


def script_phrases(script: Script, name: str | None = None) -> list[str]:
    """The phrases to record for a script, numbered from 1 in this order: every energy level's
    lines, each phrase once, with `name` where the script greets the listener (else without)."""
    spoken = personalise(script, name)
    found: dict[str, None] = {}
    for energy in script.energies:
        for phrase in spoken.phrases_for(energy):
            found.setdefault(phrase, None)
    return list(found)


class RecordedVoice:
    """A recorded voice's folder: its takes, by phrase."""

    def __init__(self, name: str, root: Path | None = None):
        if not isinstance(name, str) or not NAME.match(name):
            raise BadInput(
                f"a voice name is 1-40 letters, digits, spaces, '-' or '_', not '{name}'", field="voice", value=name
            )
        self.name = name
        self.folder = (root or voices_dir()) / name

    @staticmethod
    def known(name: str, root: Path | None = None) -> bool:
        """True when `name` is a recorded voice in `root` (a person's voices; None: the default
        person's); a bundled name or a file path is not."""
        return bool(NAME.match(name)) and RecordedVoice(name, root).exists

    @property
    def exists(self) -> bool:
        return (self.folder / "voice.json").is_file()

    def create(self) -> bool:
        """Make the folder (owner-only); True when it is new (the consent note is due). A folder
        that could not be made whole (a full disk) is not left half made."""
        if self.exists:
            return False
        made = not self.folder.exists()
        try:
            private_folder(self.folder)
            self.folder.parent.chmod(OWNER_ONLY_DIR)
            with written_atomically(self.folder / "voice.json", private=True) as tmp:
                tmp.write_text(json.dumps({"name": self.name, "format": 1}), encoding="utf-8")
        except OSError as exc:
            if made:
                shutil.rmtree(self.folder, ignore_errors=True)
            raise write_failed(exc, self.folder / "voice.json") from None
        return True

    def take_path(self, text: str) -> Path:
        return self.folder / f"{phrase_key(text)}.flac"

    def has(self, text: str) -> bool:
        return self.take_path(text).is_file()

    def lacking(self, phrases: Sequence[str]) -> list[int]:
        """The numbers (from 1) of the phrases with no take yet."""
        return [i for i, text in enumerate(phrases, start=1) if not self.has(text)]

    def identity(self) -> str:
        """What the voice's sound depends on: its takes (names, sizes, times), so a new or
        changed take makes a pack's tracks again."""
        digest = hashlib.sha256(self.name.encode())
        for take in sorted(self.folder.glob("*.flac")):
            info = take.stat()
            digest.update(f"{take.name}:{info.st_size}:{info.st_mtime_ns}".encode())
        return f"recorded:{digest.hexdigest()}"

    def takes(self) -> int:
        return len(list(self.folder.glob("*.flac")))

    def keep(self, text: str, audio: np.ndarray, sample_rate: int) -> None:
        try:
            with written_atomically(self.take_path(text), private=True) as tmp:
                sf.write(tmp, audio, sample_rate, subtype="PCM_24", format="FLAC")
        except (OSError, sf.LibsndfileError) as exc:  # libsndfile says only "System error." on a full disk
            raise write_failed(exc, self.take_path(text), "the takes kept before it are kept") from None

    def load(self, text: str, sample_rate: int) -> np.ndarray:
        audio, rate = sf.read(self.take_path(text), dtype="float32")
        if rate != sample_rate:
            raise VoiceError(f"the take for '{text}' is at {rate} Hz, not {sample_rate}; import it again")
        return np.asarray(audio)

    def remove(self) -> None:
        shutil.rmtree(self.folder)


def list_voices(root: Path | None = None) -> list[RecordedVoice]:
    """The recorded voices in `root` (a person's; None: the default person's)."""
    from companion.people.store import People

    folder = root or People().default(made=False).voices_folder
    if not folder.is_dir():
        return []
    return [RecordedVoice(p.name, folder) for p in sorted(folder.iterdir()) if (p / "voice.json").is_file()]


class RecordedNarrator:
    """Speaks with a recorded voice; phrases without a take come from `fill` (the synthetic
    voice) when given, else the session is refused with the list of what is missing."""

    def __init__(self, voice: RecordedVoice, sample_rate: int, fill: Narrator | None = None) -> None:
        self.voice, self.sample_rate, self.fill = voice, sample_rate, fill
        self._takes: dict[str, np.ndarray] = {}  # by key, once loaded

    def missing(self, texts: Sequence[str]) -> list[str]:
        return [t for t in dict.fromkeys(texts) if not self.voice.has(t)]

    def sayable(self, named: Script, original: Script, name: str) -> Script:
        """The script with each named line this voice has no take of said without the name
        (the script notes the name, so the listener is told)."""
        unnamed = personalise(original, None)
        items: list[Item] = []
        for with_name, without in zip(named.items, unnamed.items):
            lacking = isinstance(with_name, Entry) and not all(self.voice.has(p) for p in with_name.phrases)
            items.append(without if lacking and with_name != without else with_name)
        changed = items != named.items
        return replace(named, items=items, unrecorded_name=name if changed else None)

    def check(self, texts: Sequence[str]) -> None:
        """Refuse, listing them, the phrases this voice lacks (unless the synthetic voice fills in)."""
        missing = self.missing(texts)
        if missing and self.fill is None:
            shown = "; ".join(f"'{t}'" for t in missing[:3]) + (" ..." if len(missing) > 3 else "")
            raise BadInput(
                f"the voice '{self.voice.name}' has no take for {len(missing)} phrase(s): {shown}; "
                "record them, or let the bundled voice say them",
                field="fill_with_tts",
                value=False,
            )

    def stop(self) -> None:
        """End the synthetic voice's work under way (the takes are already recorded)."""
        stop = getattr(self.fill, "stop", None)
        if stop is not None:
            stop()

    def clip_lengths(
        self, texts: Sequence[str], length_scale: float, progress: Progress | None = None
    ) -> dict[str, tuple[str, int]]:
        self.check(texts)
        missing = self.missing(texts)
        found = self.fill.clip_lengths(missing, length_scale, progress) if missing and self.fill else {}
        for text in dict.fromkeys(texts):
            if text not in found:
                key = f"rec:{self.voice.name}:{phrase_key(text)}"
                if key not in self._takes:
                    self._takes[key] = self.voice.load(text, self.sample_rate)
                found[text] = (key, len(self._takes[key]))
        return found

    def ready(self, texts: Sequence[str], length_scale: float) -> bool:
        missing = self.missing(texts)
        return not missing or (self.fill is not None and self.fill.ready(missing, length_scale))

    def clip(self, key: str) -> np.ndarray:
        if not key.startswith("rec:"):
            if self.fill is None:
                raise VoiceError("a phrase was asked for that this voice never gave; make the session again")
            return self.fill.clip(key)
        if key not in self._takes:
            raise VoiceError("a phrase was asked for that this voice never gave; make the session again")
        return self._takes[key]
