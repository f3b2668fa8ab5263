"""Printed pages: A4 PDFs in large, plain type, made here by fpdf2 with a font that ships with
matplotlib (DejaVu Sans), so every name prints whatever its letters. The home pack's page and
the journal's report for the care team are both made with it."""

from __future__ import annotations

import copy
import io
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
MARGIN_MM = 18
STYLES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}


def a4(title: str) -> FPDF:
    """A PDF with its first page begun, titled (the reader's window shows it)."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("companion")
    for style in STYLES:
        _add_font(pdf, style)
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_page()
    return pdf


def paragraph(pdf: FPDF, text: str, size: float, bold: bool = False, after: float = 3) -> None:
    """Text across the page, ragged right (it reads more easily than justified)."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(pdf.epw, size * 0.55, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)


# -- the fonts, read once a process ---------------------------------------------------------
# fpdf2's add_font parses the whole TrueType file and maps its every character (about 0.17 s
# a PDF for the two faces): a pack's page, a report, each PDF the app draws paid it again.
# The parsed face is kept; each PDF gets its own copy of what a PDF changes (the glyphs it
# uses, and the font file, cut down to them in place when the PDF is written).

_PARSED: dict[str, tuple[Any, bytes]] = {}
_LOCK = threading.Lock()


def _add_font(pdf: FPDF, style: str) -> None:
    from fontTools import ttLib
    from fpdf.fonts import SubsetMap

    parsed, data = _parsed(style)
    font = copy.copy(parsed)  # the metrics and character maps, shared: they are only read
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(io.BytesIO(data), recalcTimestamp=False, lazy=True)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[font.fontkey] = font


def _parsed(style: str) -> tuple[Any, bytes]:
    with _LOCK:
        if style not in _PARSED:
            import matplotlib
            from fpdf import FPDF

            path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / STYLES[style]
            spare = FPDF()  # never written: its parsed font stays whole
            spare.add_font(FONT, style, str(path))
            _PARSED[style] = (spare.fonts[f"{FONT.lower()}{style}"], path.read_bytes())
        return _PARSED[style]
