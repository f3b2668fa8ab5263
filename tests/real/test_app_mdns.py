"""`companion app --lan` names itself by mDNS on its own network only, tested between real
network namespaces (root only; all traffic stays inside the namespaces made here): the app's
computer has two networks, the home network it was given (10.29.1.0/24) and another
(10.29.2.0/24), each with a device of its own. The home network's device hears the name and
finds the app; the other network's hears nothing, and its questions, by multicast or sent
straight to either of the computer's addresses, get no answer."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid

import pytest

APP_NS, HOME_NS, OTHER_NS = (f"c29-{n}-{uuid.uuid4().hex[:6]}" for n in ("app", "home", "other"))
HOME_IP, HOME_DEVICE = "10.29.1.1", "10.29.1.2"
OTHER_IP, OTHER_DEVICE = "10.29.2.1", "10.29.2.2"

# run in a device's namespace: every mDNS packet heard for `seconds`, those naming companion counted
LISTEN = """
import socket, sys, time
me, seconds = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", 5353))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.251") + socket.inet_aton(me))
s.settimeout(0.2)
heard, end = 0, time.monotonic() + seconds
print("listening", flush=True)
while time.monotonic() < end:
    try:
        data, sender = s.recvfrom(9000)
    except socket.timeout:
        continue
    heard += b"companion" in data
print(heard, flush=True)
"""

# a question for the app's service: by multicast from this device, and sent straight to each address
ASK = """
import json, socket, struct, sys
me, targets = sys.argv[1], sys.argv[2:]
name = b"".join(bytes([len(p)]) + p for p in (b"_http", b"_tcp", b"local")) + b"\\0"
query = struct.pack(">HHHHHH", 0x2929, 0, 1, 0, 0, 0) + name + struct.pack(">HH", 12, 1)
answers = {}
for target in ["224.0.0.251", *targets]:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((me, 0))  # from another port than 5353: the answer comes straight back here
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(me))
    s.settimeout(2)
    s.sendto(query, (target, 5353))
    try:
        answers[target] = b"companion" in s.recvfrom(9000)[0]
    except socket.timeout:
        answers[target] = None
    s.close()
print(json.dumps(answers))
"""


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True)


@pytest.fixture
def networks():
    if os.geteuid() != 0:
        pytest.skip("network namespaces need root")
    try:
        _ip("netns", "add", APP_NS)
    except subprocess.CalledProcessError as exc:
        pytest.skip(f"no network namespaces here: {exc.stderr.decode().strip()}")
    try:
        for ns in (HOME_NS, OTHER_NS):
            _ip("netns", "add", ns)
        for ns in (APP_NS, HOME_NS, OTHER_NS):
            _ip("-n", ns, "link", "set", "lo", "up")
        for there, ns, mine, theirs in (("h", HOME_NS, HOME_IP, HOME_DEVICE), ("o", OTHER_NS, OTHER_IP, OTHER_DEVICE)):
            _ip(
                "-n", APP_NS, "link", "add", f"c29{there}0", "type", "veth", "peer", "name", f"c29{there}1", "netns", ns
            )
            _ip("-n", APP_NS, "addr", "add", f"{mine}/24", "dev", f"c29{there}0")
            _ip("-n", ns, "addr", "add", f"{theirs}/24", "dev", f"c29{there}1")
            _ip("-n", APP_NS, "link", "set", f"c29{there}0", "up")
            _ip("-n", ns, "link", "set", f"c29{there}1", "up")
            _ip("-n", ns, "route", "add", "default", "via", mine)  # so it can send to the home address too
        yield
    finally:
        for ns in (APP_NS, HOME_NS, OTHER_NS):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


def _in(ns: str, *argv: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        ["ip", "netns", "exec", ns, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.slow("three network namespaces, a real server in one, and listeners for the announcements")
def test_the_app_announces_and_answers_on_its_own_network_only(networks, shared_cache, null_audio_home, tmp_path):
    listeners = {
        ns: _in(ns, sys.executable, "-c", LISTEN, me, "8")
        for ns, me in ((HOME_NS, HOME_DEVICE), (OTHER_NS, OTHER_DEVICE))
    }
    for listener in listeners.values():
        assert listener.stdout is not None
        assert listener.stdout.readline().strip() == "listening"
    env = {"XDG_CACHE_HOME": str(shared_cache), "XDG_DATA_HOME": str(tmp_path / "data"), "HOME": str(null_audio_home)}
    app = _in(
        APP_NS, sys.executable, "-m", "companion", "app", "--no-browser", "--lan", "--lan-address", HOME_IP, env=env
    )
    assert app.stdout is not None and app.stderr is not None
    try:
        deadline = time.monotonic() + 20
        while "/start?token=" not in (line := app.stdout.readline()) and time.monotonic() < deadline:
            assert line or app.poll() is None, app.stderr.read()
        heard = {ns: int(listener.communicate(timeout=30)[0].split()[-1]) for ns, listener in listeners.items()}
        assert heard[HOME_NS] > 0  # the home network hears the name announced
        assert heard[OTHER_NS] == 0  # the other network hears nothing of it
        asked = {}
        for ns, me in ((HOME_NS, HOME_DEVICE), (OTHER_NS, OTHER_DEVICE)):
            done = subprocess.run(
                ["ip", "netns", "exec", ns, sys.executable, "-c", ASK, me, HOME_IP, OTHER_IP],
                capture_output=True,
                text=True,
                timeout=30,
            )
            asked[ns] = json.loads(done.stdout)
        assert asked[HOME_NS]["224.0.0.251"] and asked[HOME_NS][HOME_IP]  # asked at home: answered
        assert asked[OTHER_NS] == {"224.0.0.251": None, HOME_IP: None, OTHER_IP: None}  # elsewhere: silence
    finally:
        app.send_signal(signal.SIGINT)
        _, stderr = app.communicate(timeout=10)
    assert app.returncode == 130 and "Traceback" not in stderr, stderr
