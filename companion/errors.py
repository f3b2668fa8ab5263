"""The only errors shown to users. Each carries a plain sentence that says what to do and
names no command-line flag, with what was wrong as data: the `field` (a SessionOptions or
PackOptions attribute, or an argument's name), the `value` given and what is `allowed`.
Each front end words the field its own way: the command line adds its flag, a form its
label."""

from __future__ import annotations


class CompanionError(Exception):
    """An error the user can act on. The CLI prints it as one line and exits with `exit_code`."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None, value: object = None, allowed: object = None):
        super().__init__(message)
        self.message = message
        self.field = field  # what was wrong: an option's or argument's name; None when nothing one can point at
        self.value = value  # what was given
        self.allowed = allowed  # what would do: a tuple of choices, a (low, high) range, or a description


class BadInput(CompanionError):
    """An option, script, voice or path the caller gave cannot be used."""


class ScriptError(BadInput):
    """A narration script is malformed; the message names the file and line."""

    def __init__(self, path: str, line: int | None, message: str):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}", field="script", value=path)
        self.path, self.line, self.detail = path, line, message


class DoesNotFit(BadInput):
    """The script cannot be spoken calmly within the requested length."""

    def __init__(self, message: str, minutes: int):
        super().__init__(message, field="minutes", allowed=(minutes, None))
        self.minutes = minutes  # the whole number of minutes that would fit


class OutputError(CompanionError):
    """The output file could not be written (disk full, permissions...)."""

    exit_code = 1


class VoiceError(CompanionError):
    """The voice could not give a phrase it had planned (its cache went away mid-way)."""

    exit_code = 1


class Interrupted(CompanionError):
    """The user pressed Ctrl-C (or the process got SIGTERM)."""

    exit_code = 130
