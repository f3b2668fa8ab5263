"""Read and validate narration scripts: plain text a therapist can write in any editor.

Format (see scripts/README.md for the full guide)::

    title: Settling
    energies: low medium high
    modes: relax

    == Arriving
    Welcome. / You might find a way of resting that feels easy.
    [pause 8]
    [low] Nothing to do. / Just rest.
    [medium high] You might notice where your body is supported.
    ? An optional line, dropped first when time is short.
    [breathe 30]

An entry is one line: one instruction, spoken as phrases (sentences, split at . ! ? or
" / ") with short pauses between them; the voice pauses briefly at each comma itself.
`[low]`, `[medium high]`... keep a line for those energy levels only. `[pause N]` sets the
quiet after the previous entry; `[breathe]` or `[breathe N]` is a breathing-only stretch (at least N seconds)
that grows to fill the session.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from companion.errors import BadInput, ScriptError
from companion.modes import MODES
from companion.plan.profile import Energy
from companion.textfiles import read_limited

ENERGY_NAMES = {e.value for e in Energy}
HEADER_KEYS = {"title", "energies", "modes", "summary", "ending", "short", "purpose", "group"}
# What a script is for, in the catalogue: the check-in and the pack choose by group.
GROUPS = ("rest", "sleep", "breathing", "after-massage", "massage", "caregiver")
ENDINGS = ("gentle", "sleep")  # sleep: a long fade into quiet, with no call to wake
NAME = "{name}"
NAME_CHARS = 40  # a name to be spoken (the name option): a first name, a nickname
MAX_SCRIPT_BYTES = 256 * 1024  # a script is a few pages of text (the built-in ones are under 3 KB)
# One breath of speech: the built-in phrases have at most 10 words. A longer phrase would take
# long to synthesise, would be said in one rush, and could not be interrupted part-way.
MAX_PHRASE_WORDS, MAX_PHRASE_CHARS = 30, 200
# Words a calming script must not use about illness: it may help people feel calmer, nothing more.
CLAIM_WORDS = re.compile(r"\b(cure[sd]?|curing|heal(s|ed|ing)?|treat(s|ed|ing|ment)?|therap(y|eutic))\b", re.I)
_PHRASE_SPLIT = re.compile(r"(?<=[.!?\u2026])\s+")
_BRACKET = re.compile(r"^\[([^\]]*)\]\s*")
_COMMENT = re.compile(r"\s+#.*$")  # '#' after a space starts a comment, as at the start of a line


@dataclass(frozen=True)
class Entry:
    text: str
    phrases: tuple[str, ...]
    line: int
    section: str
    optional: bool = False
    energies: frozenset[str] | None = None  # None: every level

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.phrases)


@dataclass(frozen=True)
class Pause:
    seconds: float
    line: int
    section: str
    energies: frozenset[str] | None = None


@dataclass(frozen=True)
class Breathe:
    min_s: float | None
    line: int
    section: str
    energies: frozenset[str] | None = None


@dataclass(frozen=True)
class Chime:
    """A soft chime a few seconds before the next spoken line (a change of side or region)."""

    line: int
    section: str
    energies: frozenset[str] | None = None


Item = Entry | Pause | Breathe | Chime


@dataclass
class Script:
    name: str
    path: str
    title: str
    energies: tuple[str, ...]
    modes: tuple[str, ...]
    summary: str
    items: list[Item] = field(default_factory=list)
    ending: str = "gentle"
    unused_name: str | None = None  # a name was given, but this script greets nobody by name
    unrecorded_name: str | None = None  # a recorded voice has no take of its lines with this name
    filled_in: tuple[int, ...] = ()  # the numbers of the phrases a recorded voice lacks, said by the bundled one
    short: str = ""  # an older script's name for cards and files; the built-in ones have one name, the title
    purpose: str = ""  # when to listen to it, on a card
    group: str = "rest"  # one of GROUPS

    def items_for(self, energy: str) -> list[Item]:
        return [i for i in self.items if i.energies is None or energy in i.energies]

    def phrases_for(self, energy: str) -> list[str]:
        """Every phrase spoken at this energy level, in order."""
        return [p for i in self.items_for(energy) if isinstance(i, Entry) for p in i.phrases]

    @property
    def sections(self) -> list[str]:
        seen: list[str] = []
        for item in self.items:
            if item.section not in seen:
                seen.append(item.section)
        return seen


def split_phrases(text: str) -> tuple[str, ...]:
    """Phrases end at . ! ? and at ' / '. A comma stays inside its phrase: the voice says the
    whole sentence in one breath of intonation, with its own short pause at each comma."""
    pieces: list[str] = []
    for part in text.split("/"):
        pieces.extend(sentence.strip() for sentence in _PHRASE_SPLIT.split(part.strip()))
    return tuple(p for p in pieces if p)


def read_text(path: Path) -> str:
    """A script file's text, or a clear error for missing, empty, binary or non-UTF-8 files."""
    name = str(path)
    data = read_limited(path, "script file", MAX_SCRIPT_BYTES, field="script")
    if b"\x00" in data:
        raise ScriptError(name, None, "this is a binary file, not a plain-text script")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScriptError(name, line, "not UTF-8 text; save the script as UTF-8") from None
    if not text.strip():
        raise ScriptError(
            name,
            None,
            "the script is empty; begin it with a 'title:' line, then a section ('== Arriving') and its lines",
        )
    return text


def _energy_tag(body: str) -> frozenset[str] | None:
    words = [w for w in re.split(r"[\s,]+", body.strip().lower()) if w]
    if words and all(w in ENERGY_NAMES for w in words):
        return frozenset(words)
    return None


def _number(text: str, path: str, line: int, what: str, lo: float, hi: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ScriptError(path, line, f"{what} needs a number of seconds, not '{text}'") from None
    if not lo <= value <= hi:
        raise ScriptError(path, line, f"{what} must be between {lo:g} and {hi:g} seconds")
    return value


def parse_script(text: str, name: str, path: str) -> Script:
    header: dict[str, str] = {}
    items: list[Item] = []
    section: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = _COMMENT.sub("", raw).strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("=="):
            section = line.strip("= ").strip()
            if not section:
                raise ScriptError(path, lineno, "a section needs a name, like '== Arriving'")
            continue
        if section is None:
            key, sep, value = line.partition(":")
            key = key.strip().lower()
            if not sep or key not in HEADER_KEYS:
                raise ScriptError(
                    path,
                    lineno,
                    "before the first section only header lines ("
                    + ", ".join(f"'{k}:'" for k in sorted(HEADER_KEYS))
                    + ") may appear; start a section with '== Name'",
                )
            header[key] = value.strip()
            continue
        items.append(_parse_line(line, path, lineno, section))

    title = header.get("title", "").strip()
    if not title:
        raise ScriptError(path, 1, "the script needs a 'title:' line at the top")
    energies = _words(
        header.get("energies", "low medium high"), [e.value for e in Energy], "energy level", "'energies:'", path
    )
    modes = _words(header.get("modes", "relax"), sorted(MODES), "mode", "'modes:'", path)
    (ending,) = _words(header.get("ending", "gentle").lower(), ENDINGS, "ending", "'ending:'", path, one=True)
    (group,) = _words(header.get("group", "rest").lower(), GROUPS, "group", "'group:'", path, one=True)
    summary = header.get("summary", "")
    script = Script(name, path, title, energies, modes, summary, items, ending)
    script.short = header.get("short", "") or title
    script.purpose = header.get("purpose", "") or summary or title
    script.group = group
    for energy in energies:
        if not any(isinstance(i, Entry) for i in script.items_for(energy)):
            raise ScriptError(path, None, f"no spoken lines for the '{energy}' energy level")
    return script


def _words(text: str, allowed: Iterable[str], what: str, where: str, path: str, one: bool = False) -> tuple[str, ...]:
    """A header's words, each one of `allowed` (in the order given); `one`: exactly one word."""
    words = tuple(w for w in re.split(r"[\s,]+", text.strip()) if w) or ("",)
    known = list(allowed)
    for word in words:
        if word not in known:
            raise ScriptError(path, None, f"unknown {what} '{word}' in {where}; use {', '.join(known)}")
    if one and len(words) > 1:
        raise ScriptError(path, None, f"{where} takes one {what}, not '{text.strip()}'; use {', '.join(known)}")
    return words


def _parse_line(line: str, path: str, lineno: int, section: str) -> Item:
    optional = line.startswith("?")
    if optional:
        line = line[1:].lstrip()
    energies: frozenset[str] | None = None
    while (m := _BRACKET.match(line)) is not None:
        body = m.group(1).strip()
        line = line[m.end() :]
        tag = _energy_tag(body)
        if tag is not None:
            energies = tag if energies is None else energies & tag
            continue
        word, _, arg = body.partition(" ")
        word, arg = word.lower(), arg.strip()
        if word == "pause":
            if not arg:
                raise ScriptError(path, lineno, "write a pause as '[pause 6]' (seconds)")
            seconds = _number(arg, path, lineno, "a pause", 0.5, 120)
            directive: Item = Pause(seconds, lineno, section, energies)
        elif word == "chime":
            if arg:
                raise ScriptError(path, lineno, "write a chime as '[chime]', with nothing after the word")
            directive = Chime(lineno, section, energies)
        elif word == "breathe":
            low = _number(arg, path, lineno, "a breathing stretch", 5, 1800) if arg else None
            directive = Breathe(low, lineno, section, energies)
        else:
            raise ScriptError(
                path,
                lineno,
                f"unknown marking '[{body}]'; use [low], [medium], [high], [pause N], [breathe N] or [chime]",
            )
        if line.strip():
            raise ScriptError(path, lineno, f"put the words after '[{body}]' on a line of their own")
        if optional:
            raise ScriptError(path, lineno, "only spoken lines can be optional ('?')")
        return directive
    text = line.strip()
    if not text:
        raise ScriptError(path, lineno, "this line has markings but no words to speak")
    if "{" in text.replace(NAME, "") or "}" in text.replace(NAME, ""):
        raise ScriptError(path, lineno, "the only placeholder is {name}; other curly braces are not allowed")
    phrases = split_phrases(text)
    for phrase in phrases:
        words = len(phrase.split())
        if words > MAX_PHRASE_WORDS or len(phrase) > MAX_PHRASE_CHARS:
            raise ScriptError(
                path,
                lineno,
                f"a phrase of {words} words is too long to be said calmly; keep each phrase under "
                f"{MAX_PHRASE_WORDS} words and {MAX_PHRASE_CHARS} characters (end it with '.' or split it with ' / ')",
            )
    spoken = " ".join(phrases)
    return Entry(spoken, phrases, lineno, section, optional, energies)


def personalise(script: Script, name: str | None) -> Script:
    """Fill {name} with the listener's name, or leave it out gracefully ("Welcome, {name}." ->
    "Welcome.") when none is given."""
    if not any(isinstance(i, Entry) and NAME in i.text for i in script.items):
        return replace(script, unused_name=name) if name else script
    items: list[Item] = []
    for item in script.items:
        if isinstance(item, Entry) and NAME in item.text:
            phrases = tuple(p for p in (_fill(p, name) for p in item.phrases) if p)
            if not phrases:
                continue  # a line that was only the name: without a name, nothing is said
            item = replace(item, text=" ".join(phrases), phrases=phrases)
        items.append(item)
    return replace(script, items=items)


def _fill(phrase: str, name: str | None) -> str:
    if name:
        return phrase.replace(NAME, name)
    text = re.sub(r"\s*,?\s*\{name\}\s*,?\s*", " ", phrase).strip()
    text = re.sub(r"\s+([.!?,])", r"\1", text)
    return text[:1].upper() + text[1:] if text else text


def check_name(name: str | None) -> str | None:
    """A name to be spoken: letters, spaces, hyphens and apostrophes, at most NAME_CHARS."""
    if name is None:
        return None
    name = " ".join(name.split())
    if not name or len(name) > NAME_CHARS or not re.fullmatch(r"[^\W\d_]+(?:[ '\-’][^\W\d_]+)*", name):
        raise BadInput(
            "a name to be spoken is a first name: letters, spaces, hyphens or apostrophes, "
            f"up to {NAME_CHARS} characters",
            field="name",
            value=name,
        )
    return name


def claim_warnings(script: Script) -> list[str]:
    """Lines that sound like medical claims; built-in scripts must have none."""
    return [
        f"{script.path}:{i.line}: avoid medical claims ('{m.group(0)}'); say it may help you feel calmer"
        for i in script.items
        if isinstance(i, Entry) and (m := CLAIM_WORDS.search(i.text))
    ]


def load_script(path: Path, name: str | None = None) -> Script:
    text = read_text(path)
    return parse_script(text, name or path.stem, str(path))
