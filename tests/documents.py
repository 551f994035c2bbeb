"""Documents built for the tests: PDFs with fpdf2 (encrypted ones with pypdf), Word files with
python-docx."""

from __future__ import annotations

import io

PAGE_ONE = "The river rose in the spring of that year. The town watched it climb the levee. " * 6
PAGE_TWO = "On the fourth day the water reached the mill. Nobody had seen that before."


def pdf_bytes(*pages: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for page in pages:
        pdf.add_page()
        # The core fonts cover Latin-1 only: the stories' typography becomes plain ASCII.
        latin = page.translate({0x201C: '"', 0x201D: '"', 0x2018: "'", 0x2019: "'",
                                0x2013: "-", 0x2014: "--", 0x2026: "..."})
        pdf.multi_cell(0, 5, latin.encode("latin-1", "replace").decode("latin-1"))
    return bytes(pdf.output())


def scanned_pdf() -> bytes:
    """A page that only holds a picture, as a scanner makes it."""
    from fpdf import FPDF
    from PIL import Image

    pdf = FPDF()
    pdf.add_page()
    pdf.image(Image.new("L", (64, 64), 200), x=10, y=10, w=100)
    return bytes(pdf.output())


def encrypted_pdf(user_password: str) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes(PAGE_ONE)))
    writer.encrypt(user_password, owner_password="owner", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Report on the river", level=1)
    document.add_paragraph("The river rose in spring. The town watched it climb.")
    document.add_paragraph("")
    table = document.add_table(rows=2, cols=2)
    for row, cells in enumerate([("day", "level"), ("four", "high")]):
        for col, text in enumerate(cells):
            table.cell(row, col).text = text
    document.add_paragraph("The mill flooded last.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
