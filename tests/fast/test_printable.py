"""Printed pages: the fonts read once a process make the same PDF as fpdf2's own add_font,
page after page (each PDF its own glyphs: one PDF's letters never reach the next)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import matplotlib
from fpdf import FPDF

from companion.printable import FONT, MARGIN_MM, STYLES, a4, paragraph

WHEN = datetime(2026, 12, 7, tzinfo=timezone.utc)
TEXTS = ["For the care team: Ann, 3 sessions.", "Zoë — naïve café, Ærøskøbing; 100 % ≠ 99", "Ωμέγα и ещё 中文?"]


def read_anew(title: str) -> FPDF:
    """a4() as fpdf2 itself adds fonts: each file parsed for this PDF alone."""
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("companion")
    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for style, name in STYLES.items():
        pdf.add_font(FONT, style, str(fonts / name))
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_page()
    return pdf


def written(make, text: str) -> bytes:
    pdf = make("A page")
    pdf.set_creation_date(WHEN)
    paragraph(pdf, text, 20, bold=True)
    paragraph(pdf, text * 3, 14)
    return bytes(pdf.output())


def test_kept_fonts_make_the_same_pdf_as_fonts_read_anew():
    for text in [*TEXTS, TEXTS[0]]:  # the first again, after the others used more letters
        assert written(a4, text) == written(read_anew, text), text
