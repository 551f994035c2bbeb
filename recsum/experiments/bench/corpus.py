"""Benchmark documents: real records, and long documents made by concatenating them."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from recsum.errors import RecsumError
from recsum.evaluation.data import DatasetSpec, load_records
from recsum.length import count_words
from recsum.records import Record


def guess_adapter(path: str | Path) -> str:
    """``qmsum`` for meeting transcripts, ``squality`` for stories (by the first line's fields)."""
    try:
        with open(path, encoding="utf-8") as file:
            first = json.loads(file.readline())
    except (OSError, json.JSONDecodeError) as error:
        raise RecsumError(f"{path}: not a readable JSON-lines corpus ({error}); pass a "
                          "SQuALITY or QMSum .jsonl file") from None
    return "qmsum" if "meeting_transcripts" in first else "squality"


def load_corpus(path: str | Path, limit: int | None = None) -> list[Record]:
    """Generic-summary records of a SQuALITY or QMSum JSON-lines file."""
    return load_records(DatasetSpec(str(path), adapter=guess_adapter(path), limit=limit))


def concatenate(texts: Sequence[str], words: int) -> tuple[str, int]:
    """A document of exactly ``words`` words made of whole paragraphs of ``texts`` in order.

    Distinct texts are used first; if they run out, they are used again. Returns the document
    and how many of its words repeat earlier text (0 when the sources sufficed).
    """
    available = [t for t in dict.fromkeys(texts) if t.strip()]
    if not available:
        raise RecsumError("no text to build long documents from; pass a corpus with documents")
    pieces: list[str] = []
    total = distinct_total = 0
    index = 0
    while total < words:
        text = available[index % len(available)]
        for paragraph in text.split("\n\n"):
            size = count_words(paragraph)
            if not size:
                continue
            if total + size > words:
                paragraph, size = " ".join(paragraph.split()[: words - total]), words - total
            pieces.append(paragraph)
            total += size
            if index < len(available):
                distinct_total += size
            if total >= words:
                break
        index += 1
    return "\n\n".join(pieces), total - distinct_total
