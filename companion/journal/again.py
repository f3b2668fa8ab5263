"""Play again: the sessions a listener may want once more, picked from their journal.

Two short lists: the last sessions heard, and the ones after which the listener felt better
most often. "Better" is counted, never scored: a session counts when at least one rating
given both before and after it was lower after, and none was higher. Nothing is ranked by
size of change, no streaks, no targets; a session that helped once is simply "once".

Only sessions to listen to on one's own (relax mode, a built-in script) are offered: a
caregiver's track needs its notes read first, a therapist's is an hour long.

A session keeps the voice it spoke in: one in a loved one's recorded voice plays again in
it. When that voice is no longer here, the session is still offered, in the bundled voice,
and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from companion.errors import BadInput
from companion.journal.entries import SYMPTOMS, Entry, SessionRecord
from companion.journal.store import Journal
from companion.options import SessionOptions, user_path
from companion.plan.catalogue import builtin_scripts
from companion.voice.models import BUNDLED, added_voice_path
from companion.voice.recorded import NAME, RecordedVoice

RECENT = 3  # the last sessions shown
HELPED = 3  # and those after which the listener felt better most often
FELT = {  # how "lower after" reads for each rating
    "pain": "less pain",
    "tiredness": "less tired",
    "breathlessness": "less short of breath",
    "anxiety": "calmer",
    "wellbeing": "better",
}
BREATHING_SCRIPT = "breathlessness"  # its pacing is the breathless one, as when the check-in chose it


@dataclass(frozen=True)
class Again:
    """One session to play again, with the same options as before."""

    script: str
    title: str
    energy: str
    minutes: float
    last_at: str  # when it was last started (local time, ISO 8601)
    better: int = 0  # sessions of it after which the listener felt better (see the module's note)
    felt: str | None = None  # the rating most often lower after it: "anxiety"...
    voice: str | None = None  # the voice it spoke in: a recorded voice's name, a Piper file; None: bundled
    voice_gone: bool = False  # that voice is no longer here: it plays in the bundled voice

    @property
    def key(self) -> str:
        """What names it in a form: the same script, energy, length (and voice, if not the bundled one)."""
        return f"{self.script}|{self.energy}|{self.minutes:g}" + (f"|{self.voice}" if self.voice else "")

    @property
    def in_voice(self) -> str | None:
        """ "in Mum's voice" when it plays in a voice other than the bundled one, else None."""
        return None if self.voice is None or self.voice_gone else f"in {_voice_words(self.voice)}"

    @property
    def voice_note(self) -> str | None:
        """What to know when the voice it spoke in is no longer here."""
        if self.voice is None or not self.voice_gone:
            return None
        named = _voice_words(self.voice)
        return f"{named[:1].upper()}{named[1:]} is no longer here, so it plays in companion's own voice."

    @property
    def said(self) -> str | None:
        """ "You felt calmer after it 3 times.", or None when it is not known to have helped."""
        if not self.better or self.felt is None:
            return None
        times = "once" if self.better == 1 else "twice" if self.better == 2 else f"{self.better} times"
        return f"You felt {FELT[self.felt]} after it {times}."

    def options(self) -> SessionOptions:
        """The same session again; a recorded voice's missing phrases said by the bundled one
        (as when a session in it is chosen: its page names them before it plays)."""
        voice = None if self.voice_gone else self.voice
        recorded = voice is not None and RecordedVoice.known(voice)
        return SessionOptions(
            script=self.script,
            energy=self.energy,
            minutes=self.minutes,
            breathless=self.script == BREATHING_SCRIPT,
            voice=voice,
            fill_with_tts=recorded,
        )


def _voice_words(voice: str) -> str:
    """ "Mum's voice" for a recorded voice's name, "the voice 'amy'" for a Piper voice."""
    if NAME.match(voice) and added_voice_path(voice) is None:
        return f"{voice}'s voice"
    return f"the voice '{Path(voice).name.removesuffix('.onnx')}'"


def voice_here(voice: str | None) -> bool:
    """True when a session can speak in `voice` again (None: the bundled voice, always here)."""
    if voice is None or voice in BUNDLED or RecordedVoice.known(voice) or added_voice_path(voice) is not None:
        return True
    try:
        return user_path(voice, "voice").is_file()
    except (BadInput, OSError):
        return False


@dataclass(frozen=True)
class PlayAgain:
    recent: tuple[Again, ...]  # latest first
    helped: tuple[Again, ...]  # most often helped first; none of them among `recent`

    def find(self, key: str) -> Again | None:
        return next((a for a in self.recent + self.helped if a.key == key), None)


def _felt_better(before: Entry | None, after: Entry | None) -> list[str]:
    """The ratings lower after than before; none when any was higher (or nothing to compare)."""
    if before is None or after is None:
        return []
    lower, higher = [], False
    for name in SYMPTOMS:
        b, a = getattr(before.ratings, name), getattr(after.ratings, name)
        if b is not None and a is not None:
            lower += [name] if a < b else []
            higher = higher or a > b
    return [] if higher else lower


def pick(
    sessions: Sequence[tuple[int, str, SessionRecord]],
    entries: Sequence[Entry],
    recent: int = RECENT,
    helped: int = HELPED,
) -> PlayAgain:
    """The rule, on the journal's rows: `sessions` as (id, started at, record), `entries`
    its ratings. The same script at the same energy and length is one session to play."""
    titles = {s.name: s.title for s in builtin_scripts()}
    moments: dict[int, dict[str, Entry]] = {}
    for e in entries:
        if e.session_id is not None and e.moment in ("before", "after"):
            moments.setdefault(e.session_id, {}).setdefault(e.moment, e)
    last: dict[str, Again] = {}  # by key, its latest start
    better: dict[str, int] = {}
    felt: dict[str, dict[str, int]] = {}
    for session_id, started, record in sorted(sessions, key=lambda s: (s[1], s[0])):
        if record.mode != "relax" or record.script not in titles:
            continue
        minutes = round(record.minutes_planned, 2)
        again = Again(record.script, titles[record.script], record.energy, minutes, started, voice=record.voice)
        last.pop(again.key, None)  # put back last: the dict keeps them oldest to latest
        last[again.key] = again
        pair = moments.get(session_id, {})
        lower = _felt_better(pair.get("before"), pair.get("after"))
        if lower:
            better[again.key] = better.get(again.key, 0) + 1
            for name in lower:
                felt.setdefault(again.key, {})[name] = felt.get(again.key, {}).get(name, 0) + 1

    here: dict[str | None, bool] = {}  # each voice looked for once

    def counted(a: Again) -> Again:
        names = felt.get(a.key, {})
        most = max(names, key=lambda n: (names[n], -SYMPTOMS.index(n))) if names else None
        return replace(
            a, better=better.get(a.key, 0), felt=most, voice_gone=not here.setdefault(a.voice, voice_here(a.voice))
        )

    latest = [counted(a) for a in reversed(last.values())]
    shown = latest[:recent]
    rest = sorted((a for a in latest[recent:] if a.better), key=lambda a: (-a.better, latest.index(a)))
    return PlayAgain(tuple(shown), tuple(rest[:helped]))


def play_again(journal: Journal, recent: int = RECENT, helped: int = HELPED) -> PlayAgain:
    """The sessions to offer again, from this journal."""
    return pick(journal.session_rows(), journal.entries(), recent, helped)
