"""The voice ready before Play, and its memory kept out of the server.

The bundled voice is made in a process of its own (the library's VoiceProcess): ONNX Runtime,
the model and the clip tools take about 250 MB, which the server would keep for as long as it
runs; that process gives them back when it ends, five minutes after its last phrase. It is
started with the app and again when a page that starts a session is shown (Today, Listen,
Caregiver), and loads the voice then, so pressing Play from an empty voice cache waits only
for the session's first line, not for the model. Where every built-in phrase is made already,
nothing needs it and nothing is started."""

from __future__ import annotations

import threading

from companion import VoiceProcess, synthesise_apart, voice_ready


class Voicing:
    """The app's voice process (`apart`), or none (the fast tests, a program embedding the app:
    the voice is made in the server, as the library does by default)."""

    def __init__(self, apart: bool = False):
        self.process = VoiceProcess() if apart else None
        self._all_made = False  # every built-in phrase found made: nothing to warm again
        self._lock = threading.Lock()
        self._closing = threading.Event()  # the check ends early: the app stops at once

    def start(self) -> None:
        """The app serves: its voices are made in the process from now on, which starts now
        unless every built-in phrase is made already."""
        if self.process is not None:
            synthesise_apart(self.process)
            self.ready_it()

    def ready_it(self) -> None:
        """Start the process and load the voice, off the event loop, unless it runs already
        or nothing needs it (a quarter of a second to check a warm cache, done once)."""
        process = self.process
        if process is None or process.running or self._all_made or not self._lock.acquire(blocking=False):
            return

        def check() -> None:
            try:
                self._all_made = voice_ready(stopping=self._closing.is_set)
                if not self._all_made and not self._closing.is_set():
                    process.warm()
            except Exception:  # a voice or cache that cannot be used: the session says why, later
                pass
            finally:
                self._lock.release()

        threading.Thread(target=check, name="companion-voice-ready", daemon=True).start()

    def winding_down(self) -> None:
        """The app is stopping: a check under way ends at its next phrase."""
        self._closing.set()

    def close(self) -> None:
        self._closing.set()
        if self.process is not None:
            synthesise_apart(None)
            self.process.close()
