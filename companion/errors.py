"""The only errors shown to users: each carries a one-line message that says what to do."""


class CompanionError(Exception):
    """An error the user can act on. The CLI prints it as one line and exits with `exit_code`."""

    exit_code = 2


class BadInput(CompanionError):
    """An option, script, voice or path the user gave cannot be used."""


class ScriptError(BadInput):
    """A narration script is malformed; the message names the file and line."""

    def __init__(self, path: str, line: int | None, message: str):
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")
        self.path, self.line, self.detail = path, line, message


class DoesNotFit(BadInput):
    """The script cannot be spoken calmly within the requested length."""

    def __init__(self, message: str, minutes: int):
        super().__init__(message)
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
