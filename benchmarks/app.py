"""The browser app, as a person meets it, in one run on this machine:

    .venv/bin/python benchmarks/app.py          (also part of `make bench`)

- a page on this computer: from the browser's request to the page loaded (Chromium's
  navigation timing), Today and Journal, median of ten each;
- from Play to the first sound in the page, with the voice cached: the time from pressing
  Play on a session's page to the <audio> element playing (its first samples decoded), and
  from choosing the session (the Listen page's "Play here") to the first sound;
- the same from an empty voice cache (a second app with a cache folder of its own, nothing
  in it): Play to the first sound, and Play to the first word, which is the first sample of
  the first line's speech reaching the browser (the <audio> element's buffered data reaching
  the first line's start, as the page's plan places it: 3 s into the track, after the tone's
  fade-in). The first word is *heard* when the playhead gets there: the first sound plus
  those 3 s, warm or cold, printed too;
- nothing blocks the server: a static file's answer time while the care-team report is
  drawn (over a journal of 300 entries), every request answered while a report was drawing;
- the server's memory: its resident size idle after start, and idle again after all of it;
  after the session from an empty cache, the server's and its voice process's (which makes
  the voice apart from the server and ends when unused: issue 30, part 4);
- a last line with the four figures the issue names side by side.

The server is the real `companion app`, started with a warm voice cache of its own.
"""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser import PHONE, chromium  # noqa: E402


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def children(pid: int) -> list[int]:
    """Its child processes, whichever of its threads started them."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:  # a thread that ended meanwhile
            continue
    return found


def command_line(pid: int) -> str:
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        return f.read().replace(b"\0", b" ").decode(errors="replace")


def wait(driver, script: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script(script):
            return
        time.sleep(0.005)
    raise SystemExit(f"never true: {script}")


def ask(base: str, path: str, cookie: str | None = None) -> int:
    where = urlsplit(base)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": where.netloc, **({"Cookie": cookie} if cookie else {})})
        answer = conn.getresponse()
        answer.read()
        return answer.status
    finally:
        conn.close()


def static_while_drawing(base: str, cookie: str, rounds: int = 5) -> list[float]:
    """Seconds for each static file answered while a report was being drawn."""
    took: list[float] = []
    for _ in range(rounds):
        drawing = threading.Thread(target=ask, args=(base, "/journal/report.pdf", cookie))
        drawing.start()
        while drawing.is_alive():
            asked = time.perf_counter()
            ask(base, "/static/app.css")
            if drawing.is_alive():
                took.append(time.perf_counter() - asked)
        drawing.join()
    return took


def start_app(env: dict[str, str]) -> tuple[subprocess.Popen, str, str]:
    app = [sys.executable, "-m", "companion", "app", "--no-browser"]
    server = subprocess.Popen(app, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    start = ""
    while "/start?token=" not in start:
        start = server.stdout.readline() if server.stdout else ""
        if not start and server.poll() is not None:
            raise SystemExit(server.stderr.read() if server.stderr else "the app did not start")
    start = start.strip()
    return server, start, start.split("/start")[0]


def play_a_session(driver, base: str) -> tuple[float, float, float, float]:
    """Listen: a 4-minute low-energy sleep session, Play here, then Play on its page. Seconds
    from choosing it to pressing Play, from Play to the first sound, from Play to the first
    word's first sample in the browser (its buffered sound reaching the first line's start,
    as the page's plan places it), and from Play to the first word heard (the audio's clock
    there)."""
    driver.get(base + "/listen")
    driver.find_element("css selector", "input[name=kind][value=sleep]").click()
    driver.find_element("css selector", "input[name=energy][value=low]").click()
    driver.find_element("css selector", "input[name=minutes][value='4']").click()
    chose = time.perf_counter()
    driver.find_element("css selector", "button[value=play]").click()
    wait(driver, "var p = document.getElementById('play'); return p && !p.disabled")  # the next page
    driver.execute_script(
        "var a = document.getElementById('player'); window.heardAt = 0; window.wordAt = 0; window.arrivedAt = 0;"
        "a.addEventListener('playing', function () { window.heardAt = performance.now(); });"
        "(function watch() {"  # the first line's place, from the job's lines once they are known
        "  var job = document.getElementById('job').dataset.job;"
        "  fetch('/jobs/' + job, {headers: {accept: 'application/json'}}).then(function (r) { return r.json(); })"
        "  .then(function (j) {"
        "    if (!j.lines || !j.lines.length) { window.setTimeout(watch, 50); return; }"
        "    var first = j.lines[0][0];"
        "    (function tick() {"
        "      var b = a.buffered, now = performance.now();"
        "      if (!window.arrivedAt && b.length && b.end(b.length - 1) >= first) { window.arrivedAt = now; }"
        "      if (a.currentTime >= first) { window.wordAt = now; }"
        "      if (!window.wordAt) { window.requestAnimationFrame(tick); }"
        "    })();"
        "  });"
        "})();"
    )
    pressed = time.perf_counter()
    pressed_ms = driver.execute_script("document.getElementById('play').click(); return performance.now()")
    wait(driver, "return window.heardAt > 0 && window.wordAt > 0 && window.arrivedAt > 0")
    heard_ms, arrived_ms, word_ms = driver.execute_script("return [window.heardAt, window.arrivedAt, window.wordAt]")
    after = [(ms - pressed_ms) / 1000 for ms in (heard_ms, arrived_ms, word_ms)]
    return pressed - chose, after[0], after[1], after[2]


def voice_process(server: int) -> int | None:
    """The server's child that makes the voice: the one with ONNX Runtime loaded."""
    for pid in children(server):
        try:
            if "onnxruntime" in Path(f"/proc/{pid}/maps").read_text() and "multiprocessing" in command_line(pid):
                return pid
        except OSError:
            continue
    return None


def has_onnxruntime(pid: int) -> bool:
    return "onnxruntime" in Path(f"/proc/{pid}/maps").read_text()


def main() -> None:
    home = Path(tempfile.mkdtemp(prefix="companion-bench-app-"))
    (home / ".asoundrc").write_text("pcm.!default { type null }\n")
    env = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data")}
    env.pop("DISPLAY", None)
    # first from an empty voice cache: a new machine, or a voice never used before here
    cold_env = {**env, "XDG_CACHE_HOME": str(home / "cold-cache")}
    server, start, base = start_app(cold_env)
    try:
        with chromium(PHONE) as driver:
            driver.get(start)
            cold_choosing, cold_sound, cold_word, cold_heard = play_a_session(driver, base)
        time.sleep(2.0)
        cold_server_mb = rss_mb(server.pid)
        voice_pid = voice_process(server.pid)
        voice_mb = rss_mb(voice_pid) if voice_pid else float("nan")
        voice_in_server = has_onnxruntime(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=10)
    # the voice cached first, as for anyone who has played a session before
    warm = ["render", "--script", "sleep", "--energy", "low", "--minutes", "4", "-o", str(home / "warm.wav")]
    subprocess.run([sys.executable, "-m", "companion", *warm], env=env, check=True, capture_output=True)
    server, start, base = start_app(env)
    try:
        time.sleep(1.0)
        idle_start = rss_mb(server.pid)
        with chromium(PHONE) as driver:
            driver.get(start)
            loads: dict[str, list[float]] = {"/today": [], "/journal": []}
            for _ in range(10):
                for path, took in loads.items():
                    driver.get(base + path)
                    navigation = "var n = performance.getEntriesByType('navigation')[0];"
                    took.append(driver.execute_script(navigation + "return n.loadEventEnd - n.startTime"))
            to_sound, to_word, from_choice = [], [], []
            for _ in range(3):
                choosing, sound, _, heard = play_a_session(driver, base)
                to_sound.append(sound)
                to_word.append(heard)
                from_choice.append(choosing + sound)
            cookie = f"companion={driver.get_cookie('companion')['value']}"
        time.sleep(2.0)
        idle_after = rss_mb(server.pid)
        # a journal of 300 entries, written beside the running app, for the report to draw
        fill = (
            "from companion.journal.entries import Ratings\nfrom companion.journal.store import Journal\n"
            "with Journal() as j:\n"
            "    for i in range(300): j.add(Ratings(pain=i % 11, anxiety=3 * i % 11, note='a restless night ' * 10))"
        )
        subprocess.run([sys.executable, "-c", fill], env=env, check=True)
        while_drawing = static_while_drawing(base, cookie)
        drawing_mb = sum(
            rss_mb(pid)
            for pid in children(server.pid)
            if "multiprocessing" in command_line(pid) and not has_onnxruntime(pid)  # not the voice's
        )
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)  # its journal, voice cache and sessions
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    for path, took in loads.items():
        print(f"page load {path}: median {statistics.median(took):.0f} ms, slowest {max(took):.0f} ms (limit 200 ms)")
    print(
        f"Play to first sound, voice cached: median {statistics.median(to_sound):.2f} s, slowest {max(to_sound):.2f} s "
        f"(limit 0.5 s); from 'Play here' on the Listen page: median {statistics.median(from_choice):.2f} s"
    )
    print(
        f"empty voice cache: Play to first sound {cold_sound:.2f} s, to the first word in the browser "
        f"{cold_word:.2f} s (goal 3 s), heard {cold_heard:.2f} s (the words begin 3.0 s into the track); "
        f"from 'Play here': first sound {cold_choosing + cold_sound:.2f} s; voice cached, first word heard: "
        f"median {statistics.median(to_word):.2f} s"
    )
    print(
        f"a static file while the report is drawn: median {statistics.median(while_drawing) * 1000:.0f} ms, "
        f"slowest {max(while_drawing) * 1000:.0f} ms over {len(while_drawing)} requests (limit 50 ms)"
    )
    print(f"server memory, idle: {idle_start:.0f} MB after start, {idle_after:.0f} MB after all of this (limit 150 MB)")
    print(f"the drawing process beside it (charts, reports), after the reports: {drawing_mb:.0f} MB")
    print(
        f"after the session from an empty cache: the server {cold_server_mb:.0f} MB "
        f"({'with' if voice_in_server else 'without'} the voice model), its voice process {voice_mb:.0f} MB "
        f"(ended after 5 minutes unused)"
    )
    print(
        f"issue 30, part 4, side by side: cold first sound {cold_sound:.2f} s, cold first word {cold_word:.2f} s "
        f"(goal 3 s), warm first sound {statistics.median(to_sound):.2f} s (goal 0.5 s), "
        f"server memory {max(idle_start, idle_after):.0f} MB (limit 150 MB)"
    )


if __name__ == "__main__":
    main()
