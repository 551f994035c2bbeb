"""Reading documents from files and stdin, with one-line errors for every way that can fail.

Plain text and Markdown are decoded here; PDF, HTML and Word files go through
``recsum.formats``, chosen by extension or, for stdin and unknown extensions, by content.
"""

from __future__ import annotations

import sys
from pathlib import Path

from recsum.errors import RecsumError
from recsum.formats import detect_format, extract_text


def decode_text(data: bytes, source: str, encoding: str = "utf-8") -> str:
    """Decode a document, refusing binary data and empty text."""
    if b"\x00" in data[:1_000_000]:
        raise RecsumError(f"{source} looks binary (it contains NUL bytes); give a text file")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RecsumError(
            f"{source} is not valid {encoding}: byte 0x{data[error.start]:02x} at offset "
            f"{error.start} (line {line}); pass --encoding (for example latin-1)"
        ) from None
    except LookupError:
        raise RecsumError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise RecsumError(f"{source} is empty (no text after whitespace)")
    return text


def document_text(data: bytes, source: str, encoding: str = "utf-8") -> str:
    """The text of a document in any supported format; ``source`` is its file name (whose
    extension counts) or ``stdin``. Empty documents are refused."""
    fmt = detect_format(data, source)
    if fmt == "text":
        return decode_text(data, source, encoding)
    text = extract_text(data, source, fmt, encoding)
    if not text.strip():
        raise RecsumError(f"{source} holds no text; give a document with text in it")
    return text


def read_text(path: str | Path, encoding: str = "utf-8") -> str:
    """The text of a file (plain text, Markdown, PDF, HTML or DOCX), or of stdin for ``-``."""
    if str(path) == "-":
        return document_text(sys.stdin.buffer.read(), "stdin", encoding)
    file = Path(path)
    if file.is_dir():
        raise RecsumError(f"{file} is a directory; give a text file (or '-' for stdin)")
    if not file.exists():
        raise RecsumError(f"{file}: no such file")
    try:
        data = file.read_bytes()
    except OSError as error:
        raise RecsumError(f"{file}: cannot read ({error.strerror})") from None
    return document_text(data, str(file), encoding)
