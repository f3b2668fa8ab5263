"""Phones and tablets on the home network (`companion app --lan`): a six-digit code shown on
the computer pairs one (one use, valid five minutes; after five wrong tries a pause that
doubles each time), and each paired device gets its own token. Only a hash of the token is
kept, with the device's name and last use, in the journal's folder (owner-only), beside a
plain record of every pairing and removal."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from companion.atomic import written_atomically
from companion.errors import BadInput
from companion.paths import data_dir, private_folder

CODE_DIGITS = 6
CODE_VALID_S = 5 * 60
FREE_TRIES = 5  # wrong codes before the first pause
FIRST_PAUSE_S = 30.0  # then 60, 120, ... while wrong codes go on
SEEN_EVERY_S = 60.0  # a device's last use is written down at most this often
MAX_NAME = 40


def _now() -> str:
    return datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class TooSoon(Exception):
    def __init__(self, seconds: float):
        super().__init__(f"wait {seconds:.0f} s")
        self.seconds = seconds


class Pairing:
    """The one code that may pair a device now (a new code replaces the old)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._code: str | None = None
        self._until = 0.0
        self._wrong = 0
        self._paused_until = 0.0
        self._lock = threading.Lock()

    def new_code(self) -> str:
        with self._lock:
            self._code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            self._until = self.clock() + CODE_VALID_S
            return self._code

    def try_code(self, code: str) -> bool:
        """True once for the right code in time; TooSoon while a pause runs (even for the right one)."""
        with self._lock:
            now = self.clock()
            if now < self._paused_until:
                raise TooSoon(self._paused_until - now)
            right = self._code is not None and now < self._until and secrets.compare_digest(code, self._code)
            if right:
                self._code, self._wrong = None, 0
                return True
            self._wrong += 1
            if self._wrong >= FREE_TRIES:
                self._paused_until = now + FIRST_PAUSE_S * 2 ** (self._wrong - FREE_TRIES)
            return False


@dataclass
class Device:
    id: str
    name: str
    token_hash: str
    paired_at: str
    last_used: str


class Devices:
    """The paired devices, kept in the journal's folder."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or data_dir()
        self.path = self.folder / "devices.json"
        self.record = self.folder / "devices.log"
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._devices = self._load()

    def _load(self) -> dict[str, Device]:
        try:
            rows = json.loads(self.path.read_text(encoding="utf-8"))
            return {row["id"]: Device(**row) for row in rows}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, TypeError, KeyError):  # damaged: no device is trusted until paired again
            return {}

    def _save(self) -> None:
        private_folder(self.folder)
        with written_atomically(self.path, private=True) as tmp:
            tmp.write_text(json.dumps([asdict(d) for d in self._devices.values()], indent=1), encoding="utf-8")

    def _write_down(self, what: str, device: Device) -> None:
        private_folder(self.folder)
        with open(self.record, "a", encoding="utf-8", opener=lambda p, f: os.open(p, f, 0o600)) as f:
            f.write(f"{_now()}  {what}  {device.name}\n")

    def all(self) -> list[Device]:
        return sorted(self._devices.values(), key=lambda d: d.paired_at)

    def add(self, name: str) -> tuple[Device, str]:
        name = " ".join(name.split())[:MAX_NAME]
        if not name:
            raise BadInput("give the device a name, such as Anna's phone", field="name")
        token = secrets.token_urlsafe(32)
        with self._lock:
            device = Device(secrets.token_urlsafe(8), name, _hash(token), _now(), _now())
            self._devices[device.id] = device
            self._save()
            self._write_down("paired", device)
        return device, token

    def find(self, token: str | None) -> Device | None:
        if not token:
            return None
        wanted = _hash(token)
        device = next((d for d in self._devices.values() if secrets.compare_digest(d.token_hash, wanted)), None)
        if device is not None and time.monotonic() - self._seen.get(device.id, -SEEN_EVERY_S) >= SEEN_EVERY_S:
            with self._lock:
                self._seen[device.id] = time.monotonic()
                device.last_used = _now()
                self._save()
        return device

    def remove(self, device_id: str) -> bool:
        with self._lock:
            device = self._devices.pop(device_id, None)
            if device is None:
                return False
            self._save()
            self._write_down("removed", device)
        return True
