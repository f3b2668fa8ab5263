"""Fix-ups for words the voice says oddly: a short list of 'as written = as said' lines.

The voice (espeak-ng's rules under Piper) guesses some words wrongly, most often words spelt
alike but said differently ("use" the noun and "use" the verb, "close" the door and "close"
by). A fix-up replaces the written words before the voice sees them, either with a
respelling or with phonemes in [[ ]] (Piper's notation); the script itself is unchanged.

The built-in list (companion/pronunciations.txt) covers the built-in scripts; a user's own
list, in the same form, lives in the config folder and is read after it, so it can add to
or override the built-in entries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from companion.errors import BadInput
from companion.paths import PACKAGE, config_dir
from companion.textfiles import read_limited

BUILTIN = PACKAGE / "pronunciations.txt"
MAX_LIST_BYTES = 64 * 1024
_AFTER_PHONEMES = re.compile(r"(\]\])([,.;:!?\u2026]+)")


def user_list_path() -> Path:
    return config_dir() / "pronunciations.txt"


@dataclass(frozen=True)
class FixUp:
    written: str
    said: str
    pattern: re.Pattern[str]


def parse_fixups(text: str, where: str) -> list[FixUp]:
    fixups = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        written, eq, said = (part.strip() for part in line.partition("="))
        if not eq or not written or not said:
            raise BadInput(f"{where}, line {lineno}: write a fix-up as 'words as written = words as said'")
        # whole words only, any case: "use only" must not change "refuse only"
        pattern = re.compile(r"(?<![\w'])" + r"\s+".join(map(re.escape, written.split())) + r"(?![\w'])", re.I)
        fixups.append(FixUp(written, said, pattern))
    return fixups


@cache
def _read(path: Path, mtime_ns: int) -> tuple[FixUp, ...]:
    text = read_limited(path, "pronunciation list", MAX_LIST_BYTES).decode("utf-8", errors="replace")
    return tuple(parse_fixups(text, str(path)))


def load_fixups(user: Path | None = None) -> tuple[FixUp, ...]:
    """The built-in fix-ups, then the user's (a later entry for the same words wins)."""
    found: dict[str, FixUp] = {}
    for path in (BUILTIN, user or user_list_path()):
        if path.is_file():
            for fix in _read(path, path.stat().st_mtime_ns):
                found[fix.written.lower()] = fix
    return tuple(found.values())


def as_said(text: str, fixups: tuple[FixUp, ...]) -> str:
    """The text the voice is given: every fix-up applied, longest written form first."""
    for fix in sorted(fixups, key=lambda f: -len(f.written)):
        text = fix.pattern.sub(fix.said, text)
    # Piper drops punctuation straight after ]] (and with it the comma's pause): move it inside
    return _AFTER_PHONEMES.sub(r"\2]]", text)
