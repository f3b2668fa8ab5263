"""Where companion's files live: the shipped scripts and sounds, and the user's cache, data
and config folders (through platformdirs, so the XDG variables move them). The one place
these are looked up. A leaf: imports nothing of companion's."""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP = "companion"
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
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # mode applies to the last part only
    for part in (folder, *folder.parents):
        if part == root or root in part.parents:
            part.chmod(0o700)
        if part == root:
            break
    return folder
