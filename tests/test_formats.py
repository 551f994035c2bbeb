"""PDF, HTML and DOCX input: text extraction, sniffing, and one line for each unreadable file.

Every file is built by the tests: PDFs and Word files in ``documents.py``, web pages here.
"""

from __future__ import annotations

import io
import json
import re
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from documents import PAGE_ONE, PAGE_TWO, docx_bytes, encrypted_pdf, pdf_bytes, scanned_pdf

from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.evaluation.data import DatasetSpec, load_records
from recsum.formats import detect_format, sniff
from recsum.textio import document_text, read_text

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>River</title><script>var tracking = 1;</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/news">News</a> | <a href="/contact">Contact us</a></nav>
<article>
<h1>The river rose</h1>
<p>The river rose in the <b>spring</b> of that year, higher than anyone in the town
remembered. People watched it climb the levee for three days &amp; nights.</p>
<ul><li>The mill flooded first.</li><li>The bridge held.</li></ul>
<table><tr><td>day</td><td>level</td></tr><tr><td>four</td><td>high</td></tr></table>
<p>On the fourth day the water reached the café.</p>
</article>
<footer>Copyright 2024 Example News. All rights reserved. Privacy policy.</footer>
</body></html>
"""


@pytest.fixture()
def folder(tmp_path) -> Path:
    (tmp_path / "paper.pdf").write_bytes(pdf_bytes(PAGE_ONE, PAGE_TWO))
    (tmp_path / "report.docx").write_bytes(docx_bytes())
    (tmp_path / "page.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "notes.md").write_text("# Notes\n\nThe river rose.\n", encoding="utf-8")
    return tmp_path


def test_pdf_text_layer_page_by_page(folder):
    text = read_text(folder / "paper.pdf")
    first, second = text.split("\n\n")  # pages are blocks of their own
    assert " ".join(first.split()) == PAGE_ONE.strip()
    assert second == PAGE_TWO


def test_pdf_encrypted_only_against_copying_is_read():
    assert document_text(encrypted_pdf(""), "locked.pdf").startswith("The river rose")


def test_html_main_text_without_boilerplate(folder):
    text = read_text(folder / "page.html")
    blocks = text.split("\n\n")
    assert blocks[0] == "The river rose"  # the heading is a block: never run into the paragraph
    assert blocks[1].startswith("The river rose in the spring of that year, higher than")
    assert "three days & nights." in blocks[1]
    assert "- The mill flooded first.\n- The bridge held." in blocks
    assert "| day | level |\n| four | high |" in blocks
    assert blocks[-1] == "On the fourth day the water reached the café."
    for boilerplate in ("Home", "Contact us", "Copyright", "tracking", "River\n"):
        assert boilerplate not in text


def test_html_in_a_named_encoding(tmp_path):
    page = tmp_path / "old.htm"
    page.write_bytes(PAGE.replace("utf-8", "iso-8859-1").encode("latin-1"))
    assert read_text(page, "latin-1").endswith("reached the café.")


def test_docx_paragraphs_and_tables_in_order(folder):
    assert read_text(folder / "report.docx") == (
        "Report on the river\n\nThe river rose in spring. The town watched it climb.\n\n"
        "| day | level |\n| four | high |\n\nThe mill flooded last.")


def test_markdown_and_text_read_as_before(folder):
    assert read_text(folder / "notes.md") == "# Notes\n\nThe river rose.\n"
    (folder / "quoting.txt").write_text("<html> is a tag. %PDF- starts a PDF.", encoding="utf-8")
    assert read_text(folder / "quoting.txt").startswith("<html> is a tag.")


@pytest.mark.parametrize("name", ["stdin", "download", "file.dat", "paper.bin"])
def test_unknown_names_are_sniffed(folder, name):
    for source in ("paper.pdf", "report.docx", "page.html", "notes.md"):
        data = (folder / source).read_bytes()
        assert document_text(data, name) == read_text(folder / source)


def test_sniffing(folder):
    assert sniff((folder / "paper.pdf").read_bytes()) == "pdf"
    assert sniff((folder / "report.docx").read_bytes()) == "docx"
    assert sniff(b"\xef\xbb\xbf  <!-- saved -->\n<!doctype HTML>") == "html"
    assert sniff(b"<p>a fragment</p>") == "text"
    assert sniff(b"PK\x03\x04\x00\x00torn") == "torn-zip"
    assert detect_format(b"<p>a fragment</p>", "frag.html") == "html"


def zip_bytes(name: str, content: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


def broken_docx() -> bytes:
    """A real .docx whose main part is not XML."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in source.namelist():
            body = b"<w:document broken" if name == "word/document.xml" else source.read(name)
            archive.writestr(name, body)
    return out.getvalue()


BAD_FILES = {
    # name: (bytes, fragments of the one-line error)
    "scan.pdf": (scanned_pdf, ("scan.pdf", "no text layer", "1 page", "OCR")),
    "secret.pdf": (lambda: encrypted_pdf("secret"), ("secret.pdf", "encrypted", "password",
                                                     "decrypt it first")),
    "cut.pdf": (lambda: pdf_bytes(PAGE_ONE)[:600], ("cut.pdf", "not a readable PDF", "damaged")),
    "junk.pdf": (lambda: b"%PDF-1.7\n" + bytes(range(256)) * 4, ("junk.pdf", "not a readable PDF")),
    "broken.docx": (broken_docx, ("broken.docx", "not a readable Word document", "save it again")),
    "torn.docx": (lambda: docx_bytes()[:2000], ("torn.docx", "damaged or cut-short ZIP")),
    "empty.docx": (lambda: zip_bytes("word/document.xml", "<w:document/>"),
                   ("empty.docx", "not a readable Word document")),
    "blank.docx": (lambda: _blank_docx(), ("blank.docx", "no text")),
    "script.html": (lambda: b"<!doctype html><html><body><div id=app></div>"
                            b"<script>render()</script></body></html>",
                    ("script.html", "no main text", "JavaScript", ".txt")),
    # Extensions that lie: the bytes say what the file is, and the fix.
    "notes.pdf": (lambda: b"Just some notes.\n", ("notes.pdf", "named .pdf", "plain text",
                                                  "rename it to .txt")),
    "page.pdf": (lambda: PAGE.encode(), ("page.pdf", "an HTML page", "rename it to .html")),
    "paper.docx": (lambda: pdf_bytes(PAGE_ONE), ("paper.docx", "holds a PDF", "rename it to .pdf")),
    "report.pdf": (docx_bytes, ("report.pdf", "Word .docx document", "rename it to .docx")),
    "paper.txt": (lambda: pdf_bytes(PAGE_ONE), ("paper.txt", "holds a PDF", "rename it to .pdf")),
    "paper.html": (lambda: pdf_bytes(PAGE_ONE), ("paper.html", "holds a PDF")),
    "sheet.docx": (lambda: zip_bytes("xl/workbook.xml", "<workbook/>"),
                   ("sheet.docx", "ZIP archive that is not a Word document")),
    "old.doc": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
                ("old.doc", "legacy (.doc) or password-protected", "as .docx")),
    "locked.docx": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512,
                    ("locked.docx", "password-protected", "without a password")),
}


def _blank_docx() -> bytes:
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_unreadable_files_are_one_line_errors(tmp_path, name):
    make, fragments = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(make())
    with pytest.raises(RecsumError) as error:
        read_text(path)
    message = str(error.value)
    assert "\n" not in message and all(f in message for f in fragments), message


def test_a_word_file_that_unpacks_too_far_is_refused_unread(tmp_path, monkeypatch):
    from recsum import formats

    monkeypatch.setattr(formats, "MAX_UNPACKED_BYTES", 100 * 1024)
    path = tmp_path / "bomb.docx"
    path.write_bytes(docx_bytes())  # python-docx's template unpacks to 0.8 MB
    with pytest.raises(RecsumError, match=r"bomb.docx unpacks to 0.8 MB, more than the 0.1 MB"):
        read_text(path)


def test_cli_refuses_a_scanned_pdf_in_one_line_and_writes_nothing(tmp_path, capsys):
    (tmp_path / "scan.pdf").write_bytes(scanned_pdf())
    assert main(["summarize", str(tmp_path / "scan.pdf")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and "no text layer" in captured.err


def test_batch_reads_a_folder_of_documents(folder):
    records = load_records(DatasetSpec(str(folder)), need_references=False)
    assert [r.id for r in records] == ["notes", "page", "paper", "report"]
    assert records[2].document == read_text(folder / "paper.pdf")
    assert load_records(DatasetSpec(str(folder / "report.docx")), need_references=False)[0].id \
        == "report"


def test_batch_reports_an_unreadable_document_in_one_line_and_does_the_rest(folder, capsys):
    (folder / "scan.pdf").write_bytes(scanned_pdf())
    output = folder.parent / "preds.jsonl"
    assert main(["batch", str(folder), "-o", str(output)]) == 0
    assert "scan.pdf has no text layer" in capsys.readouterr().err
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == \
        ["notes", "page", "paper", "report"]


@pytest.mark.slow
@pytest.mark.slow
def test_summarize_a_pdf_story_from_the_cli_and_the_api(squality_stories, extractive, tmp_path,
                                                       capsys):
    from recsum import Summarizer

    story = squality_stories[0]["document"]
    paragraphs = [p for p in story.split("\n") if p.strip()]
    middle = len(paragraphs) // 2
    path = tmp_path / "story.pdf"
    path.write_bytes(pdf_bytes("\n".join(paragraphs[:middle]), "\n".join(paragraphs[middle:])))
    text = read_text(path)
    assert len(text.split()) > 0.95 * len(story.split())

    result = Summarizer(extractive).summarize_file(path, max_words=80)
    assert 0 < len(result.summary.split()) <= 80
    words = " ".join(re.findall(r"\w+", text))  # the summary's sentences, as cleaned
    assert all(" ".join(re.findall(r"\w+", line)) in words
               for line in result.summary.splitlines())

    assert main(["summarize", str(path), "--max-words", "80", "--json", "--quiet"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["summary"] == result.summary and printed["input_words"] == result.input_words


def test_word_bombs_are_refused_in_one_line_without_inflating_them(tmp_path):
    """Issue 24: a part that inflates to more than its header says (Python's zipfile inflated
    all of it before checking), one over the inflated-size limit, and an XML entity bomb."""
    from documents import docx_inflating_to, docx_with_document_xml

    entities = "".join(f'<!ENTITY lol{i + 1} "{f"&lol{i};" * 10}">' for i in range(1, 9))
    laughs = (f'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol1 "lol">{entities}]>'
              '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
              "<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>")
    for name, data, message in [
        ("liar.docx", docx_inflating_to(300 * 2**20, declared=100 * 1024),
         "liar.docx is not a readable Word document (Bad CRC-32"),
        ("big.docx", docx_inflating_to(70 * 2**20), "big.docx unpacks to 70.8 MB, more than"),
        ("laughs.docx", docx_with_document_xml(laughs), "laughs.docx is not a readable Word"),
    ]:
        (tmp_path / name).write_bytes(data)
        tracemalloc.start()
        with pytest.raises(RecsumError, match=re.escape(message)) as error:
            read_text(tmp_path / name)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert "\n" not in str(error.value)
        assert peak < 40 * 2**20, f"{name}: {peak / 2**20:.0f} MB allocated"
