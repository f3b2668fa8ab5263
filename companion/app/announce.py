"""With --lan, the app announces itself by name on the home network (mDNS, as printers and
speakers do), so a phone can open http://companion-NAME.local:PORT/pair. Only with --lan:
without it nothing is sent anywhere. It speaks and answers on the chosen address's own
network interface alone: its sockets are bound to that interface, so a question arriving
on another network (a second network card, a VPN) is never even read, and no answer tells
that network the name or the address. Where a socket cannot be bound so, nothing is
announced at all (the address is shown on Devices anyway)."""

from __future__ import annotations

import socket
import sys
import threading
import time
from typing import Any

SERVICE = "_http._tcp.local."


def local_name() -> str:
    """The name the app answers to on the network: companion-<this computer's name>.local."""
    host = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in socket.gethostname().split(".")[0].lower())
    return f"companion-{host or 'computer'}.local"


def interface_of(address: str) -> str:
    """The network interface that has this address (eth0, wlan0...), or else the one whose
    network holds it (127.0.0.2 is the loopback's)."""
    import ipaddress

    import ifaddr

    wanted = ipaddress.ip_address(address)
    adapters = ifaddr.get_adapters()
    for exact in (True, False):
        for adapter in adapters:
            for ip in adapter.ips:
                if not isinstance(ip.ip, str):
                    continue  # IPv6
                if (
                    ip.ip == address
                    or not exact
                    and wanted in ipaddress.ip_network(f"{ip.ip}/{ip.network_prefix}", False)
                ):
                    return str(adapter.name)
    raise OSError(f"no network interface has the address {address}")


def bind_to_interface(sock: socket.socket, interface: str) -> None:
    """Only what arrives on `interface` reaches `sock`, and what it sends leaves there."""
    if hasattr(socket, "SO_BINDTODEVICE"):  # Linux
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, interface.encode())
    elif sys.platform == "darwin":
        IP_BOUND_IF = 25  # netinet/in.h
        sock.setsockopt(socket.IPPROTO_IP, IP_BOUND_IF, socket.if_nametoindex(interface))
    else:
        raise OSError("this system cannot keep a socket to one network interface")


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
            interface = interface_of(self.address)
            zeroconf = Zeroconf(interfaces=[self.address])
            self._zeroconf = zeroconf
            # its sockets, once it has them, kept to that interface before anything of ours is known
            deadline = time.monotonic() + 5
            while not zeroconf.started and time.monotonic() < deadline:
                time.sleep(0.01)
            sockets = {t.sock for t in [*zeroconf.engine.readers, *zeroconf.engine.senders]}
            if not zeroconf.started or not sockets:
                raise OSError("the announcement's sockets did not start")
            for sock in sockets:
                bind_to_interface(sock, interface)
            zeroconf.register_service(self._info)
        except Exception as exc:  # the app works without its name: the address is shown anyway
            self.failed = f"{type(exc).__name__}: {exc}"
            if self._zeroconf is not None:  # never left answering on every network
                self._zeroconf.close()
                self._zeroconf = None
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
