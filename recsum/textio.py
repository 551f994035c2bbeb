"""Reading documents from files and stdin, with one-line errors for every way that can fail.

Plain text and Markdown are decoded here; PDF, HTML and Word files go through
``recsum.formats``, chosen by extension or, for stdin and unknown extensions, by content.
"""

from __future__ import annotations

import codecs
import stat
import sys
from pathlib import Path

from recsum.errors import EncodingError, RecsumError
from recsum.formats import detect_format, extract_text

# The most that is read of one document: far more than the text of any book (512k words of
# text are about 3 MB; PDFs with images, larger), far less than an endless stream would fill.
MAX_INPUT_BYTES = 256 * 2**20
_READ_STEP = 2**20
# Byte-order marks, longest first (UTF-32's LE mark begins with UTF-16's), and their codecs.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, source: str, encoding: str = "utf-8") -> str:
    """Decode a document, refusing binary data and empty text.

    A byte-order mark names the encoding (UTF-8, -16 or -32) unless another ``encoding`` than
    the default is given. NUL bytes mean binary data, except in UTF-16 and -32, full of them.
    """
    if _codec(encoding) == "utf-8":
        encoding = next((codec for bom, codec in _BOMS if data.startswith(bom)), encoding)
    if not _codec(encoding).startswith(("utf-16", "utf-32")) and b"\x00" in data[:1_000_000]:
        raise EncodingError(f"{source} looks binary (it contains NUL bytes)", "give a text file, "
                            "or pass --encoding if it is UTF-16 or UTF-32 without a byte-order "
                            "mark")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise EncodingError(
            f"{source} is not valid {encoding}: byte 0x{data[error.start]:02x} at offset "
            f"{error.start} (line {line})", "pass --encoding (for example latin-1)"
        ) from None
    except LookupError:
        raise RecsumError(
            f"unknown encoding {encoding!r}; use a Python codec name such as utf-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise RecsumError(f"{source} is empty (no text after whitespace)")
    return text


def _codec(encoding: str) -> str:
    """The codec's canonical name (``UTF8`` is ``utf-8``); an unknown one stays as given."""
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


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
        if sys.stdin is None or sys.stdin.closed:
            raise RecsumError("stdin is closed; pipe a document in, or give a file name")
        try:
            data = _read_bounded(sys.stdin.buffer, "stdin")
        except OSError as error:
            raise RecsumError(f"cannot read stdin ({error.strerror}); give a file name") from None
        return document_text(data, "stdin", encoding)
    file = Path(path)
    if file.is_dir():
        raise RecsumError(f"{file} is a directory; give a text file (or '-' for stdin)")
    if not file.exists():
        raise RecsumError(f"{file}: no such file")
    try:
        mode = file.stat().st_mode
        # A device (/dev/zero, /dev/urandom, a terminal) is no document and may never end;
        # pipes and process substitution (<(cmd)) are read up to the cap like stdin.
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
            raise RecsumError(f"{file} is a device, not a document; give a file, or '-' with "
                              "the text piped in")
        with open(file, "rb") as stream:
            data = _read_bounded(stream, str(file))
    except OSError as error:
        raise RecsumError(f"{file}: cannot read ({error.strerror})") from None
    return document_text(data, str(file), encoding)


def _read_bounded(stream, source: str) -> bytes:
    """All of ``stream``, or a one-line error once it passes :data:`MAX_INPUT_BYTES`."""
    # In steps: one read of the whole cap would allocate all of it, whatever the document's size.
    data = bytearray()
    while len(data) <= MAX_INPUT_BYTES and (step := stream.read(_READ_STEP)):
        data += step
    if len(data) > MAX_INPUT_BYTES:
        raise RecsumError(f"{source} is larger than {MAX_INPUT_BYTES // 2**20} MB, the most "
                          "recsum reads of one document; split it into parts, or give its text "
                          "alone as .txt")
    return bytes(data)
