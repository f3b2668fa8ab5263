"""Phones and tablets on the home network (`companion app --lan`): a six-digit code shown on
the computer pairs one (one use, valid five minutes). Wrong codes are counted for the address
they come from: after five, that sender waits 30 seconds, then twice as long each time, five
minutes at most, while everyone else (the owner's own phone too) goes on; a new code starts
every count afresh. Each paired device gets its own token. Only a hash of the token is
kept, with the device's name and last use, in the journal's folder (owner-only), beside a
plain record of every pairing and removal."""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

from companion import BadInput, data_dir, owner_only, private_folder, written_atomically

CODE_DIGITS = 6
CODE_VALID_S = 5 * 60
FREE_TRIES = 5  # wrong codes before the first pause
FIRST_PAUSE_S = 30.0  # then 60, 120, ... while wrong codes go on
MAX_PAUSE_S = 5 * 60.0  # the longest a sender waits
MAX_SENDERS = 4096  # senders remembered at once (an attacker with many addresses fills no memory)
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
    """The one code that may pair a device now (a new code replaces the old), and the wrong
    codes each sender has tried against it.

    A sender is the address a request comes from, not a cookie: a cookie is the sender's to
    drop, an address must answer the connection. So codes tried from one phone never make
    another wait, and whoever asks Devices for a new code starts everyone afresh."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._code: str | None = None
        self._until = 0.0
        self._wrong: dict[str, int] = {}
        self._paused_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def new_code(self) -> str:
        with self._lock:
            self._code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
            self._until = self.clock() + CODE_VALID_S
            self._wrong.clear()
            self._paused_until.clear()
            return self._code

    def try_code(self, code: str, sender: str = "") -> bool:
        """True once for the right code in time; TooSoon while this sender's pause runs (even
        for the right one)."""
        with self._lock:
            now = self.clock()
            paused = self._paused_until.get(sender, 0.0)
            if now < paused:
                raise TooSoon(paused - now)
            right = self._code is not None and now < self._until and secrets.compare_digest(code, self._code)
            if right:
                self._code = None
                self._wrong.pop(sender, None)
                return True
            wrong = self._wrong.pop(sender, 0) + 1  # popped and put back: the latest sender last
            self._wrong[sender] = wrong
            if wrong >= FREE_TRIES:
                self._paused_until[sender] = now + min(FIRST_PAUSE_S * 2 ** min(wrong - FREE_TRIES, 16), MAX_PAUSE_S)
            while len(self._wrong) > MAX_SENDERS:  # the longest quiet sender is forgotten first
                oldest = next(iter(self._wrong))
                del self._wrong[oldest]
                self._paused_until.pop(oldest, None)
            return False


def device_name(name: str) -> str:
    """A device's name as it is kept: its spaces made single, at most MAX_NAME characters;
    a blank one is refused."""
    name = " ".join("".join(ch if ch.isprintable() else " " for ch in name).split())[:MAX_NAME].strip()
    if not name:
        raise BadInput("give the device a name, such as Anna's phone", field="name", value=name)
    return name


@dataclass
class Device:
    id: str
    name: str
    token_hash: str
    paired_at: str
    last_used: str
    role: str | None = None  # who uses this device (see roles.py): asked on its first visit
    person: str | None = None  # issue 33: the one person (an id) it is limited to; None: anyone here


class Devices:
    """The paired devices, kept in the journal's folder."""

    def __init__(self, folder: Path | None = None):
        self.folder = folder or data_dir()
        self.path = self.folder / "devices.json"
        self.record = self.folder / "devices.log"
        self._lock = threading.Lock()
        self._seen: dict[str, float] = {}
        self._devices = self._load()
        self.on_remove: list[Callable[[str], None]] = []  # told each removed device's id (its streams end)

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
        with open(self.record, "a", encoding="utf-8", opener=owner_only) as f:
            f.write(f"{_now()}  {what}  {device.name}\n")

    def all(self) -> list[Device]:
        return sorted(self._devices.values(), key=lambda d: d.paired_at)

    def add(self, name: str) -> tuple[Device, str]:
        name = device_name(name)
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
        for tell in self.on_remove:
            tell(device_id)
        return True

    def set_role(self, device_id: str, role: str) -> None:
        with self._lock:
            device = self._devices.get(device_id)
            if device is not None:
                device.role = role
                self._save()

    def limit(self, device_id: str, person_id: str | None) -> bool:
        """Limit a device to one person's pages and data (None: anyone's); False when unknown."""
        with self._lock:
            device = self._devices.get(device_id)
            if device is None:
                return False
            device.person = person_id
            self._save()
            self._write_down(f"limited to {person_id}" if person_id else "limited to nobody in particular", device)
        return True

    def knows(self, device_id: str) -> bool:
        return device_id in self._devices
