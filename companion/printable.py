"""Printed pages: A4 PDFs in large, plain type, made here by fpdf2 with a font that ships with
matplotlib (DejaVu Sans), so every name prints whatever its letters. The home pack's page and
the journal's report for the care team are both made with it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT = "DejaVu"
MARGIN_MM = 18


def a4(title: str) -> FPDF:
    """A PDF with its first page begun, titled (the reader's window shows it)."""
    import matplotlib
    from fpdf import FPDF

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_author("companion")
    pdf.add_font(FONT, "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
    pdf.set_auto_page_break(True, margin=MARGIN_MM)
    pdf.add_page()
    return pdf


def paragraph(pdf: FPDF, text: str, size: float, bold: bool = False, after: float = 3) -> None:
    """Text across the page, ragged right (it reads more easily than justified)."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.multi_cell(pdf.epw, size * 0.55, text, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(after)
