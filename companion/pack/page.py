"""What a pack's folder holds besides its tracks: a playlist, a large-print page to play them
from (it works offline, straight from the folder), and a printable version of that page.

The page is one file with its style and its few lines of script inside it: it fetches
nothing, from anywhere. Each card says what its track is for and how long it is; while a
track plays, a circle grows and shrinks with that track's own breath schedule.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import quote

from companion.pack.model import Track, file_safe, write_file

GUIDE_NOTE = "A circle grows as the tone rises (breathing in) and shrinks as it falls (breathing out)."
HONEST = (
    "These sessions may help you feel calmer or more comfortable. They are not a treatment; "
    "keep to the care your team gives."
)


def write_playlist(folder: Path, name: str, tracks: list[Track], entries: list[dict]) -> Path:
    """An extended M3U in UTF-8 (.m3u8), with paths relative to itself: it plays from any copy."""
    lines = ["#EXTM3U", f"#PLAYLIST:{name}"]
    for track, entry in zip(tracks, entries):
        lines += [f"#EXTINF:{round(entry['duration_s'])},{track.title}", track.file]
    return write_file(folder / f"{_file_name(name)}.m3u8", "\n".join(lines) + "\n")


def write_page(
    folder: Path,
    name: str,
    tracks: list[Track],
    entries: list[dict],
    stop_rule: str,
    safety_notes: str | None,
    printable: str,
    playlist: str,
) -> Path:
    cards = "\n".join(_card(i, t, e) for i, (t, e) in enumerate(zip(tracks, entries)))
    breaths = [[x for cycle in e["breaths"] for x in cycle] for e in entries]
    schedule = json.dumps(breaths, separators=(",", ":")).replace("<", "\\u003c")
    notes = ""
    if safety_notes is not None:
        title, _, body = safety_notes.partition("\n")
        notes = (
            '<section class="notes" aria-labelledby="safety">\n'
            f'<h2 id="safety">{_e(title)}</h2>\n<div class="text">{_e(body.strip())}</div>\n</section>'
        )
    page = PAGE.format(
        name=_e(name),
        stop_rule=_e(stop_rule),
        cards=cards,
        notes=notes,
        guide_note=_e(GUIDE_NOTE),
        honest=_e(HONEST),
        printable=_e(quote(printable)),
        playlist=_e(quote(playlist)),
        style=STYLE,
        script=SCRIPT,
        schedule=schedule,
    )
    return write_file(folder / "index.html", page)


def _card(i: int, track: Track, entry: dict) -> str:
    minutes = f"{track.minutes:g} minutes"
    label = f"{track.short}, {minutes}"
    notes = ""
    if entry.get("notes"):
        notes = '<p class="more"><a href="#safety">Read the safety notes first</a></p>'
    chapters = " · ".join(_e(title) for _, title in entry.get("chapters", []))
    return f"""<li class="card" id="track-{i + 1}">
<h2 id="title-{i + 1}"><span class="num">{track.number}</span> {_e(track.short)}</h2>
<p class="purpose">{_e(track.purpose)}</p>
<p class="meta">{_e(track.group)} · {minutes}</p>
<p class="parts">Parts: {chapters}</p>
<button type="button" class="play" data-i="{i}" aria-label="Play: {_e(label)}">Play</button>
<audio data-i="{i}" preload="none" controls src="{_e(quote(track.file))}" aria-label="{_e(label)}"></audio>
{notes}
</li>"""


def write_printable(
    folder: Path, name: str, tracks: list[Track], entries: list[dict], stop_rule: str, safety_notes: str | None
) -> Path:
    """The page on paper (A4, large type): a PDF made here by fpdf2, with a font that ships
    with matplotlib (DejaVu Sans), so every name prints whatever its letters."""
    import matplotlib
    from fpdf import FPDF

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(format="A4")
    pdf.set_title(name)
    pdf.set_author("companion")
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(18, 18, 18)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()
    width = pdf.epw

    def block(text: str, size: float, bold: bool = False, after: float = 3) -> None:
        pdf.set_font("DejaVu", "B" if bold else "", size)
        pdf.multi_cell(width, size * 0.55, text, align="L", new_x="LMARGIN", new_y="NEXT")  # ragged right reads easier
        pdf.ln(after)

    block(name, 26, bold=True, after=4)
    block("Choose a track, press play, and rest. You can stop at any time.", 16)
    block(stop_rule, 16, bold=True, after=6)
    for track, entry in zip(tracks, entries):
        block(f"{track.number}. {track.short}  ({track.group}, {track.minutes:g} minutes)", 18, bold=True, after=1)
        block(track.purpose, 15, after=1)
        parts = ", ".join(title for _, title in entry.get("chapters", []))
        block(f"Parts: {parts}\nFile: {track.file}", 12, after=5)
    if safety_notes is not None:
        title, _, body = safety_notes.partition("\n")
        pdf.add_page()
        block(title, 20, bold=True)
        block(body.strip(), 15)
    block(HONEST, 12)
    return write_file(folder / f"{_file_name(name)} - to print.pdf", bytes(pdf.output()))


def _file_name(name: str) -> str:
    return file_safe(name)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; \
style-src 'unsafe-inline'; media-src 'self' file: content:; img-src 'self' file: content:">
<title>{name}</title>
<style>{style}</style>
</head>
<body>
<main>
<h1>{name}</h1>
<p class="intro">Choose a track, press Play, and rest. You can stop at any time.</p>
<p class="stop" role="note"><strong>{stop_rule}</strong></p>
<section id="now" class="now" aria-label="Now playing" hidden>
<div class="guide" aria-hidden="true"><div id="circle" class="circle"></div></div>
<p class="sr-only">{guide_note}</p>
<p id="now-title" class="now-title"></p>
<button type="button" id="pause" class="play">Pause</button>
</section>
<ol class="tracks">
{cards}
</ol>
{notes}
<p class="foot">{honest}</p>
<p class="foot"><a href="{printable}">A version to print (PDF)</a> · <a href="{playlist}">The playlist</a></p>
</main>
<script type="application/json" id="breaths">{schedule}</script>
<script>{script}</script>
</body>
</html>
"""

STYLE = """
:root { color-scheme: light; }
html { font-size: 125%; }
body { margin: 0; background: #fffdf7; color: #111; font-family: system-ui, "DejaVu Sans", sans-serif;
  line-height: 1.5; }
main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 2rem; margin: 0.5rem 0; }
h2 { font-size: 1.5rem; margin: 0 0 0.4rem; }
.intro { font-size: 1.2rem; }
.stop { background: #fff1c9; border: 3px solid #6b4e00; border-radius: 0.6rem; padding: 0.8rem; }
.tracks { list-style: none; padding: 0; margin: 0; }
.card { border: 3px solid #0b3d5c; border-radius: 0.8rem; padding: 1rem; margin: 1rem 0; background: #fff; }
.num { display: inline-block; min-width: 1.6em; color: #0b3d5c; }
.purpose { font-size: 1.2rem; margin: 0.2rem 0; }
.meta, .parts { margin: 0.2rem 0; }
.parts { font-size: 0.9rem; color: #333; }
.play { font: inherit; font-size: 1.4rem; font-weight: bold; min-width: 8rem; min-height: 3.2rem;
  padding: 0.4rem 1.2rem; margin: 0.6rem 0; color: #fff; background: #0b3d5c; border: 3px solid #0b3d5c;
  border-radius: 0.6rem; cursor: pointer; }
.play[aria-pressed="true"] { background: #fff; color: #0b3d5c; }
.play:focus-visible, a:focus-visible { outline: 4px solid #c75300; outline-offset: 3px; }
audio { display: block; width: 100%; margin-top: 0.3rem; }
a { color: #0b3d5c; }
.now { position: sticky; top: 0; z-index: 1; background: #0b3d5c; color: #fff; border-radius: 0 0 0.8rem 0.8rem;
  padding: 0.8rem; text-align: center; }
.now .play { background: #fff; color: #0b3d5c; border-color: #fff; }
.now-title { font-size: 1.2rem; margin: 0.3rem 0; }
.guide { width: 12rem; height: 12rem; margin: 0 auto; display: flex; align-items: center; justify-content: center; }
.circle { width: 12rem; height: 12rem; border-radius: 50%; background: #8fd1bd; transform: scale(0.5); }
.notes { border: 3px solid #7a2e00; border-radius: 0.8rem; padding: 1rem; margin: 1.5rem 0; background: #fff; }
.notes .text { white-space: pre-wrap; font-size: 1.1rem; }
.foot { font-size: 0.95rem; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media print {
  html { font-size: 100%; }
  .play, audio, .now, .parts { display: none !important; }
  .card { break-inside: avoid; border-width: 2px; }
}
"""

# The breathing guide: the circle's size follows the playing track's breath schedule, read
# from its own clock (currentTime), so it stays with the tone after a pause or a seek.
SCRIPT = """
(function () {
  "use strict";
  var breaths = JSON.parse(document.getElementById("breaths").textContent);
  var audios = Array.prototype.slice.call(document.querySelectorAll("audio[data-i]"));
  var buttons = Array.prototype.slice.call(document.querySelectorAll(".card .play"));
  var now = document.getElementById("now"), circle = document.getElementById("circle");
  var nowTitle = document.getElementById("now-title"), pause = document.getElementById("pause");
  var playing = null;

  function ease(u) { return (1 - Math.cos(Math.PI * Math.min(Math.max(u, 0), 1))) / 2; }

  function size(b, t) {
    var n = b.length / 3, lo = 0, hi = n - 1;
    if (n === 0 || t < b[0]) { return 0.5; }
    while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (b[mid * 3] <= t) { lo = mid; } else { hi = mid - 1; } }
    var x = t - b[lo * 3], inhale = b[lo * 3 + 1], exhale = b[lo * 3 + 2];
    return x < inhale ? 0.5 + 0.5 * ease(x / inhale) : 1 - 0.5 * ease((x - inhale) / exhale);
  }

  function draw() {
    if (playing === null) { return; }
    var t = playing.currentTime, s = size(breaths[Number(playing.dataset.i)], t);
    circle.style.transform = "scale(" + s.toFixed(3) + ")";
    circle.dataset.t = t.toFixed(3);  // the moment the circle shows (a test reads it)
    window.requestAnimationFrame(draw);
  }

  function label(i, on) {
    var b = buttons[i], name = audios[i].getAttribute("aria-label");
    b.textContent = on ? "Pause" : "Play";
    b.setAttribute("aria-pressed", on ? "true" : "false");
    b.setAttribute("aria-label", (on ? "Pause: " : "Play: ") + name);
  }

  audios.forEach(function (audio, i) {
    audio.addEventListener("play", function () {
      audios.forEach(function (other) { if (other !== audio) { other.pause(); } });
      playing = audio;
      label(i, true);
      nowTitle.textContent = audio.getAttribute("aria-label");
      now.hidden = false;
      window.requestAnimationFrame(draw);
    });
    function stopped() {
      label(i, false);
      if (playing === audio) { playing = null; now.hidden = true; }
    }
    audio.addEventListener("pause", stopped);
    audio.addEventListener("ended", stopped);
    buttons[i].addEventListener("click", function () {
      if (audio.paused) { audio.play(); } else { audio.pause(); }
    });
  });
  pause.addEventListener("click", function () { if (playing !== null) { playing.pause(); } });
})();
"""
