"""companion: calm, offline guided-relaxation audio for people with a life-limiting illness.

The library API (the command line is a thin layer over it)::

    import companion

    session = companion.make_session(companion.SessionOptions(energy="low", minutes=6))
    for notice in session.notices:
        print(notice.text)
    companion.render(session, "rest.mp3")
"""

import importlib
from typing import TYPE_CHECKING

from companion.version import __version__ as __version__

# Each public name and the module that holds it. Loaded when first used, so that `import
# companion` (and the command line's start, which answers Ctrl-C from its first moment)
# does not wait for numpy, the voice and the renderer before it is needed.
_EXPORTS = {
    "BadInput": "companion.errors",
    "CompanionError": "companion.errors",
    "DoesNotFit": "companion.errors",
    "Interrupted": "companion.errors",
    "OutputError": "companion.errors",
    "PlayResult": "companion.live.player",
    "play": "companion.live.player",
    "MODES": "companion.modes",
    "Mode": "companion.modes",
    "SessionOptions": "companion.options",
    "DeviceOutput": "companion.output.devices",
    "NoDevice": "companion.output.devices",
    "output_devices": "companion.output.devices",
    "Status": "companion.output.stream",
    "Chapter": "companion.output.tags",
    "TrackTags": "companion.output.tags",
    "PackOptions": "companion.pack.make",
    "PackResult": "companion.pack.make",
    "make_pack": "companion.pack.make",
    "SessionPlan": "companion.plan.model",
    "SAFETY_SCREEN": "companion.safety",
    "STOP_RULE": "companion.session",
    "Notice": "companion.session",
    "Rendered": "companion.session",
    "Session": "companion.session",
    "make_plan": "companion.session",
    "make_session": "companion.session",
    "prepare_voice": "companion.session",
    "render": "companion.session",
    "track_tags": "companion.session",
    "Narrator": "companion.voice.narrator",
}

if TYPE_CHECKING:
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
    from companion.session import (
        STOP_RULE,
        Notice,
        Rendered,
        Session,
        make_plan,
        make_session,
        prepare_voice,
        render,
        track_tags,
    )
    from companion.voice.narrator import Narrator


def __getattr__(name: str) -> object:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'companion' has no attribute '{name}'")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
    "prepare_voice",
    "output_devices",
    "play",
    "render",
    "track_tags",
]
