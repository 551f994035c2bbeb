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
