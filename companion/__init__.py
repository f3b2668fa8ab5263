"""companion: calm, offline guided-relaxation audio for people with a life-limiting illness.

The library API (the command line is a thin layer over it)::

    import companion

    session = companion.make_session(companion.SessionOptions(energy="low", minutes=6))
    for notice in session.notices:
        print(notice.text)
    companion.render(session, "rest.mp3")
"""

from companion.errors import BadInput, CompanionError, DoesNotFit, Interrupted, OutputError
from companion.live.player import PlayResult, play
from companion.modes import MODES, Mode
from companion.options import SessionOptions
from companion.output.devices import DeviceOutput, NoDevice, output_devices
from companion.output.stream import Status
from companion.output.tags import Chapter, TrackTags
from companion.pack.make import PackOptions, PackResult, make_pack
from companion.plan.model import SessionPlan
from companion.safety import SAFETY_SCREEN
from companion.session import STOP_RULE, Notice, Rendered, Session, make_plan, make_session, render, track_tags
from companion.version import __version__ as __version__
from companion.voice.narrator import Narrator

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
