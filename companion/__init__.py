"""companion: calm, offline guided-relaxation audio for people with a life-limiting illness.

The library API (the command line is a thin layer over it)::

    import companion

    session = companion.make_session(companion.SessionOptions(energy="low", minutes=6))
    for notice in session.notices:
        print(notice.text)
    companion.render(session, "rest.mp3")
"""

__version__ = "0.1.0"  # the one place the version is written (pyproject.toml reads it)

from .devices import DeviceOutput, NoDevice, output_devices
from .errors import BadInput, CompanionError, DoesNotFit, Interrupted, OutputError
from .modes import MODES, Mode
from .options import SessionOptions
from .pack import PackOptions, PackResult, make_pack
from .plan import SessionPlan
from .player import PlayResult, Status, play
from .safety import SAFETY_SCREEN
from .session import STOP_RULE, Notice, Rendered, Session, make_plan, make_session, render, track_tags
from .tags import Chapter, TrackTags
from .voice.narrator import Narrator

__all__ = [
    "MODES",
    "SAFETY_SCREEN",
    "STOP_RULE",
    "BadInput",
    "Chapter",
    "CompanionError",
    "DeviceOutput",
    "DoesNotFit",
    "Interrupted",
    "Mode",
    "Narrator",
    "NoDevice",
    "Notice",
    "OutputError",
    "PackOptions",
    "PackResult",
    "PlayResult",
    "Rendered",
    "Session",
    "SessionOptions",
    "SessionPlan",
    "Status",
    "TrackTags",
    "make_pack",
    "make_plan",
    "make_session",
    "output_devices",
    "play",
    "render",
    "track_tags",
]
