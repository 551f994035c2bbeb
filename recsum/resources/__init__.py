"""Data files that ship with recsum (Punkt parameters, the trained scorers, word lists), and
the word lists read once."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English function words and conversational fillers (``stopwords.txt``)."""
    text = resources.files("recsum.resources").joinpath("stopwords.txt").read_text("utf-8")
    lines = (line for line in text.splitlines() if not line.startswith("#"))
    return frozenset(word for line in lines for word in line.split())
