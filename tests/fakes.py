"""Deterministic stand-ins for a model tokenizer and a part summarizer: one token per word."""

from __future__ import annotations

import re
from collections.abc import Sequence

from recsum.length import Length

SPECIAL_TOKENS = 2  # like [CLS] ... [SEP]


class WordTokens:
    """A :class:`recsum.tokens.TokenCounter` that counts words plus two special tokens."""

    def count(self, texts: Sequence[str]) -> list[int]:
        return [len(text.split()) + SPECIAL_TOKENS for text in texts]

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [match.span() for match in re.finditer(r"\S+", text)]


class PrefixSummarizer:
    """Keeps the first words of each text, as many as the budget allows; records its calls."""

    name = "prefix"

    def __init__(self, input_budget: int = 64) -> None:
        self.input_budget = input_budget
        self.tokens = WordTokens()
        self.calls: list[list[str]] = []

    def summarize(self, texts: Sequence[str], length: Length) -> list[str]:
        self.calls.append(list(texts))
        return [" ".join(t.split()[: length.limit(len(t.split()))]) for t in texts]


class RatingSummarizer(PrefixSummarizer):
    """An extractive part summarizer whose rating of a sentence is the number written in it
    after ``r`` (``"... r7."`` rates 7); records the documents it was asked to rate."""

    name = "rating"

    def __init__(self, input_budget: int = 64) -> None:
        super().__init__(input_budget)
        self.rated: list[list[str]] = []

    def rate(self, documents, progress=None):
        """With a query, a sentence that shares a word of five letters or more with it gains
        100 and its relevance is 1 (0 for the others)."""
        import numpy as np

        from recsum.summarizers.base import Rated

        rated = []
        for document in documents:
            texts = [unit.text for unit in document.units]
            self.rated.append(texts)
            ratings = np.array([_rating(text) for text in texts], dtype=float)
            relevance = None
            if document.query is not None:
                words = {w for w in re.findall(r"\w+", document.query) if len(w) >= 5}
                relevance = np.array([float(bool(words & set(re.findall(r"\w+", text))))
                                      for text in texts])
                ratings += 100 * relevance
            rated.append(Rated(ratings, relevance))
            if progress is not None:
                progress(len(document.chunks))
        return rated


def _rating(text: str) -> float:
    found = re.search(r"\br(-?\d+)\b", text)
    return float(found.group(1)) if found else 0.0


class PoisonSystem:
    """A whole-document system that keeps each document's first words, and raises for any
    group holding a document with the word ``poison``, as a model can fail on one input."""

    name = "poison"

    def summarize_documents(self, documents, length, *, references=None):
        if any("poison" in document.split() for document in documents):
            raise ValueError("cannot summarize a poisoned document\nsecond line of the error")
        return [" ".join(document.split()[: int(length.value)]) for document in documents]
