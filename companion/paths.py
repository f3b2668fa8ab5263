"""Where companion's files live: the shipped scripts and sounds, and the user's cache, data
and config folders (through platformdirs, so the XDG variables move them). The one place
these are looked up. A leaf: imports nothing of companion's."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "companion"
OWNER_ONLY_DIR = 0o700  # the modes of everything personal or working: readable by the user alone
OWNER_ONLY_FILE = 0o600
PACKAGE = Path(__file__).resolve().parent  # the installed package: its source is the program


def builtin(folder: str) -> Path:
    """A top-level folder of the project (scripts/, audio_assets/): inside the package in an
    installed wheel, beside it in a source checkout or an editable install."""
    installed = PACKAGE / "_builtin" / folder
    if installed.is_dir():
        return installed
    return PACKAGE.parent / folder


def cache_dir() -> Path:
    """Made again when deleted: the voice's clips, noise loops, matplotlib's font cache."""
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def data_dir() -> Path:
    """The user's own: the comfort journal, recorded voices, added Piper voices (owner-only)."""
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def config_dir() -> Path:
    """What the user edits: their pronunciation fix-ups."""
    return Path(platformdirs.user_config_dir(APP, appauthor=False))


def private_folder(folder: Path) -> Path:
    """A folder in the user's data folder, made (with every folder between) readable by the
    owner alone, whichever command makes it first; an existing one is made so too."""
    root = data_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=OWNER_ONLY_DIR)  # mode applies to the last part only
    for part in (folder, *folder.parents):
        if part == root or root in part.parents:
            part.chmod(OWNER_ONLY_DIR)
        if part == root:
            break
    return folder


def owner_only(path: str, flags: int) -> int:
    """An opener for open(): a file it creates is the user's alone from its first byte."""
    return os.open(path, flags, OWNER_ONLY_FILE)
