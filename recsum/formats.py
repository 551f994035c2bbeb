"""Document formats: which one a file is, and the text of PDF, HTML and Word (.docx) files.

The extension names the format and the first bytes must agree with it (a ``.pdf`` that holds
plain text is refused, never guessed at); without a known extension (stdin, ``.bin``, no
suffix) the bytes alone decide. Plain text and Markdown are decoded by ``recsum.textio``; this
module extracts the text layer of a PDF (pypdf), the main text of a web page with menus and
footers removed (trafilatura), and the paragraphs and tables of a Word document
(python-docx). Blocks (pages, paragraphs, headings, tables) are separated by blank lines so
that the sentence splitter never runs a heading into the paragraph after it.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
import zlib
from pathlib import Path

from recsum.errors import RecsumError

SUFFIXES = {
    ".pdf": "pdf",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".docx": "docx",
    ".md": "text",
    ".markdown": "text",
    ".txt": "text",
}
# What sniffing can find, in words, and what to do when the name promised something else.
_KINDS = {
    "pdf": ("a PDF", "rename it to .pdf"),
    "html": ("an HTML page", "rename it to .html"),
    "docx": ("a Word .docx document", "rename it to .docx"),
    "zip": ("a ZIP archive that is not a Word document", "give the document itself"),
    "torn-zip": ("a damaged or cut-short ZIP archive", "save or download it again"),
    "ole": ("a legacy (.doc) or password-protected Office file",
            "save it from Word or LibreOffice as .docx without a password, or as PDF"),
    "binary": ("binary data", "give a PDF, HTML, DOCX, Markdown or text file"),
    "text": ("plain text", "rename it to .txt"),
}
# Readers accept a PDF header anywhere in the first kilobyte (some files carry a prefix).
_PDF_HEADER = re.compile(rb"(^|[\r\n])%PDF-\d\.\d")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File: .doc, encrypted .docx
_HTML_START = re.compile(rb"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html)[\s>]",
                         re.IGNORECASE | re.DOTALL)
BLOCK_SEPARATOR = "\n\n"
# A Word file is a ZIP archive: one that unpacks to more than this is refused (a zip bomb of a
# few MB could otherwise fill the memory of the server that reads it). 64 MB holds the XML of a
# few million words, and more than the 20 MB a page may upload of images, which do not shrink.
MAX_UNPACKED_BYTES = 64 * 2**20
# Archives are inflated this many bytes at a time to check them, never a whole member at once.
_INFLATE_STEP = 2**20


def sniff(data: bytes) -> str:
    """What the bytes hold: ``pdf``, ``docx``, ``zip``, ``torn-zip``, ``ole``, ``html``,
    ``binary`` or ``text``."""
    if _PDF_HEADER.search(data[:1024]):
        return "pdf"
    if data.startswith(_OLE_MAGIC):
        return "ole"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else "zip"
        except zipfile.BadZipFile:
            return "torn-zip"
    if _HTML_START.match(data.removeprefix(b"\xef\xbb\xbf")[:4096]):
        return "html"
    return "binary" if b"\x00" in data[:4096] else "text"


def detect_format(data: bytes, name: str) -> str:
    """``pdf``, ``html``, ``docx`` or ``text``, from ``name``'s extension checked against the
    bytes, or from the bytes alone for other names; a contradiction is a one-line error."""
    suffix = Path(name).suffix.lower()
    declared = SUFFIXES.get(suffix)
    found = sniff(data)
    if declared is None:
        if found == "ole":
            what, fix = _KINDS[found]
            raise RecsumError(f"{name} is {what}; {fix}")
        # Binary data goes to the text decoder too, whose error says what is wrong with it.
        return found if found in ("pdf", "html", "docx") else "text"
    # HTML fragments and Markdown that quotes HTML are fine; a container format is not text.
    fine = found == declared or (declared in ("html", "text") and found in ("html", "text")) or (
        declared == "text" and found in ("binary", "torn-zip"))
    if not fine:
        what, fix = _KINDS[found]
        raise RecsumError(f"{name} is named {suffix} but holds {what}; {fix}")
    return declared


def extract_text(data: bytes, source: str, fmt: str, encoding: str = "utf-8") -> str:
    """The text of a ``pdf``, ``html`` or ``docx`` document (``source`` names it in errors)."""
    readers = {"pdf": _pdf_text, "html": _html_text, "docx": _docx_text}
    try:
        return readers[fmt](data, source, encoding)
    except RecursionError:
        # A hostile file nests objects (PDF arrays, HTML elements) deeper than parsers recurse.
        raise RecsumError(f"{source} nests its content too deeply to be read (a damaged or "
                          "hostile file); save it again from the program that made it") from None
    except MemoryError:
        raise RecsumError(f"{source} needs more memory to read than there is; save its text "
                          "as .txt and give that") from None


def _pdf_text(data: bytes, source: str, encoding: str) -> str:
    import pypdf
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    # pypdf logs the damage it repairs; a file it still reads is fine, one it cannot read gets
    # the one-line error below, so its warnings would only be noise above that line.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        # Many PDFs are encrypted with an empty password only to restrict printing or copying.
        if reader.is_encrypted and not reader.decrypt(""):
            raise FileNotDecryptedError("a password is needed")
        pages = [page.extract_text() or "" for page in reader.pages]
    except FileNotDecryptedError:
        raise RecsumError(f"{source} is an encrypted PDF that needs a password; decrypt it first "
                          "(e.g. qpdf --decrypt --password=PASSWORD in.pdf out.pdf)") from None
    except DependencyError as error:
        raise RecsumError(f"{source}: {error}".splitlines()[0]) from None
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError) as error:
        # pypdf meets damaged files with many exception types; all of them mean the same here.
        raise RecsumError(f"{source} is not a readable PDF ({_first_line(error)}); the file may "
                          "be damaged or cut short: open it in a PDF viewer and save it again") \
            from None
    if not pages:
        raise RecsumError(f"{source} is a PDF without pages; give a PDF with text")
    if not any(page.strip() for page in pages):
        raise RecsumError(f"{source} has no text layer ({len(pages)} page(s), probably scanned "
                          "images); run OCR first (e.g. ocrmypdf in.pdf out.pdf)")
    return BLOCK_SEPARATOR.join(page.strip() for page in pages if page.strip())


def _html_text(data: bytes, source: str, encoding: str) -> str:
    import trafilatura

    try:
        page: str | bytes = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        page = data  # trafilatura guesses the encoding from the bytes, as browsers do
    # favor_recall: keep a short page's text rather than drop it as too thin to be an article.
    document = trafilatura.bare_extraction(page, favor_recall=True, include_comments=False,
                                           include_tables=True)
    blocks = _html_blocks(document.body) if document is not None else []
    if not blocks:
        raise RecsumError(f"{source}: no main text found in this HTML page (empty, or written by "
                          "JavaScript); save the text you see in the browser as .txt instead")
    return BLOCK_SEPARATOR.join(blocks)


def _html_blocks(body) -> list[str]:
    """trafilatura's body (head, p, list, table, quote, code...) as plain text blocks."""
    blocks = []
    for element in body:
        if element.tag == "list":
            lines = [f"- {_words(item)}" for item in element.iter("item") if _words(item)]
        elif element.tag == "table":
            lines = [_row(_words(cell) for cell in row.iter("cell")) for row in element.iter("row")]
        else:
            lines = [_words(element)]
        block = "\n".join(line for line in lines if line)
        if block:
            blocks.append(block)
    return blocks


def _docx_text(data: bytes, source: str, encoding: str) -> str:
    import docx
    from docx.table import Table
    from lxml.etree import LxmlError

    try:
        _check_unpacked(data, source)
        document = docx.Document(io.BytesIO(data))
        blocks = []
        for item in document.iter_inner_content():  # paragraphs and tables, in document order
            if isinstance(item, Table):
                rows = (_row(_words_of(cell.text) for cell in row.cells) for row in item.rows)
                blocks.append("\n".join(row for row in rows if row))
            else:
                blocks.append(_words_of(item.text))
    except (KeyError, ValueError, LxmlError, zipfile.BadZipFile, zlib.error, EOFError,
            NotImplementedError) as error:
        # python-docx raises these for a missing or malformed part of the package, zipfile for
        # a damaged or lying member, or a compression method it lacks.
        raise RecsumError(f"{source} is not a readable Word document ({_first_line(error)}); "
                          "open it in Word or LibreOffice and save it again as .docx") from None
    return BLOCK_SEPARATOR.join(block for block in blocks if block)


def _check_unpacked(data: bytes, source: str) -> None:
    """Refuse an archive that unpacks to more than :data:`MAX_UNPACKED_BYTES`, or whose
    members unpack to other sizes than their headers say (zipfile's CRC check then fails).

    Each member is inflated a step at a time and thrown away: zipfile stops a member at its
    declared size when it is read in steps, whereas reading it whole (as python-docx does)
    inflates all of a lying member at once before the check; once this passes, the declared
    sizes are true and bound what python-docx unpacks.
    """
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = archive.infolist()
        unpacked = sum(member.file_size for member in members)
        if unpacked > MAX_UNPACKED_BYTES:
            raise RecsumError(f"{source} unpacks to {unpacked / 2**20:.1f} MB, more than the "
                              f"{MAX_UNPACKED_BYTES / 2**20:.1f} MB a Word document may; save "
                              "its text as .txt or PDF")
        for member in members:
            with archive.open(member) as stream:
                while stream.read(_INFLATE_STEP):
                    pass


def _words(element) -> str:
    return _words_of("".join(element.itertext()))


def _words_of(text: str) -> str:
    return " ".join(text.split())


def _row(cells) -> str:
    cells = [cell for cell in cells if cell]
    return f"| {' | '.join(cells)} |" if cells else ""


def _first_line(error: Exception) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
