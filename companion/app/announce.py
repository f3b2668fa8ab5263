"""With --lan, the app announces itself by name on the home network (mDNS, as printers and
speakers do), so a phone can open http://companion-NAME.local:PORT/pair. Only with --lan:
without it nothing is sent anywhere."""

from __future__ import annotations

import socket
import threading
from typing import Any

SERVICE = "_http._tcp.local."


def local_name() -> str:
    """The name the app answers to on the network: companion-<this computer's name>.local."""
    host = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in socket.gethostname().split(".")[0].lower())
    return f"companion-{host or 'computer'}.local"


class Announcement:
    """Announced in a thread (mDNS probes for about two seconds first), withdrawn on close."""

    def __init__(self, address: str, port: int):
        self.address, self.port = address, port
        self.failed: str | None = None
        self._zeroconf: Any = None
        self._info: Any = None
        self._ready = threading.Event()
        threading.Thread(target=self._announce, name="companion-mdns", daemon=True).start()

    def _announce(self) -> None:
        try:
            from zeroconf import ServiceInfo, Zeroconf

            name = local_name()
            self._info = ServiceInfo(
                SERVICE,
                f"companion on {name.removesuffix('.local')}.{SERVICE}",
                addresses=[socket.inet_aton(self.address)],
                port=self.port,
                server=f"{name}.",
                properties={"path": "/pair"},
            )
            zeroconf = Zeroconf(interfaces=[self.address])
            self._zeroconf = zeroconf
            zeroconf.register_service(self._info)
        except Exception as exc:  # the app works without its name: the address is shown anyway
            self.failed = f"{type(exc).__name__}: {exc}"
        finally:
            self._ready.set()

    def close(self, within_s: float = 0.5) -> None:
        """Withdraw the name (a goodbye on the network), giving it `within_s` at most: the app
        stops within a second or two whatever the network does; a phone forgets the name
        by itself when its announcement expires."""

        def withdraw() -> None:
            if not self._ready.wait(within_s) or self._zeroconf is None:
                return
            try:
                if self._info is not None:
                    self._zeroconf.unregister_service(self._info)
            finally:
                self._zeroconf.close()

        thread = threading.Thread(target=withdraw, name="companion-mdns-bye", daemon=True)
        thread.start()
        thread.join(within_s)
