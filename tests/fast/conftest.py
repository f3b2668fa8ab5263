"""The fast layer: no neural voice and no subprocess, so a change to planning, layout,
scripts, the check-in, the journal or the pack's files gets an answer in seconds. A fake
narrator (tests/fast/fake_voice.py) speaks every phrase as a soft tone of a length fixed by
its words. Both rules are enforced here: a test that starts a process or loads the voice
model fails, and belongs in tests/real/."""

from __future__ import annotations

import subprocess

import pytest


class NotInTheFastLayer(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_voice_and_no_process(monkeypatch):
    def refuse(what: str):
        def refused(*args, **kwargs):
            raise NotInTheFastLayer(f"{what} in the fast layer: move the test to tests/real/")

        return refused

    monkeypatch.setattr(subprocess.Popen, "__init__", refuse("a subprocess"))
    import companion.voice.piper_voice as piper_voice

    monkeypatch.setattr(piper_voice, "load_voice", refuse("the neural voice"))
