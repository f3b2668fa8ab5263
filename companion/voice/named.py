"""A voice chosen by name ahead of a session (a person's usual voice): checked when it is
chosen, so a mistyped name is answered then and not at their next session."""

from __future__ import annotations

from pathlib import Path

from companion.errors import BadInput
from companion.options import check_argument
from companion.voice.models import resolve_voice
from companion.voice.recorded import RecordedVoice, list_voices


def check_voice_name(voice: str, root: Path | None = None) -> str:
    """`voice` when it names a voice that can speak for the person whose voices are in `root`
    (None: the default person's): one of their recorded voices, the bundled voice, an added
    voice or a Piper .onnx file; else BadInput, naming the recorded voices there are."""
    check_argument("voice", voice, isinstance(voice, str), "a voice's name")
    check_argument("root", root, root is None or isinstance(root, Path), "a folder's path or None")
    if RecordedVoice.known(voice, root):
        return voice
    try:
        resolve_voice(voice)
    except BadInput as exc:
        recorded = tuple(v.name for v in list_voices(root))
        if not recorded:
            raise
        raise BadInput(
            f"no voice named '{voice}'; the recorded voices are {', '.join(recorded)}, or use the bundled voice 'joe'",
            field="voice",
            value=voice,
            allowed=(*recorded, "joe"),
        ) from exc
    return voice
