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


def deep_pdf(depth: int = 100_000) -> bytes:
    """A one-page PDF whose content stream nests an array ``depth`` levels deep."""
    content = b"BT /F1 12 Tf 72 712 Td (Hello) Tj ET " + b"[" * depth + b"]" * depth + b" pop"
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1,
                                                                             xref)
    return bytes(out)


def docx_inflating_to(size: int, *, declared: int | None = None) -> bytes:
    """A Word file whose document.xml unpacks to ``size`` bytes of paragraphs (a zip bomb of a
    few MB for hundreds), with a header that says ``declared`` bytes instead when given."""
    import zipfile

    paragraph = b"<w:p><w:r><w:t>flood</w:t></w:r></w:p>"
    namespace = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    head, tail = b"<w:document " + namespace + b"><w:body>", b"</w:body></w:document>"
    count = max(0, (size - len(head) - len(tail)) // len(paragraph))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as template, \
         zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in template.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, template.read(item))
        with bomb.open("word/document.xml", "w", force_zip64=False) as member:
            member.write(head)
            block = paragraph * 10_000
            for _ in range(count // 10_000):
                member.write(block)
            member.write(paragraph * (count % 10_000) + tail)
    data = bytearray(out.getvalue())
    if declared is not None:  # the local header and the central directory both lie
        name = b"word/document.xml"
        local = next(i for i in _all(data, b"PK\x03\x04") if data[i + 30 : i + 30 + len(name)]
                     == name)
        central = next(i for i in _all(data, b"PK\x01\x02") if data[i + 46 : i + 46 + len(name)]
                       == name)
        data[local + 22 : local + 26] = declared.to_bytes(4, "little")
        data[central + 24 : central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


def _all(data: bytes, marker: bytes):
    start = data.find(marker)
    while start >= 0:
        yield start
        start = data.find(marker, start + 1)


def docx_with_document_xml(xml: str) -> bytes:
    """A Word file whose word/document.xml is ``xml``."""
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_bytes())) as template, \
         zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as changed:
        for item in template.infolist():
            changed.writestr(item, xml if item.filename == "word/document.xml"
                             else template.read(item))
    return out.getvalue()
