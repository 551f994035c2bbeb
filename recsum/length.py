"""Length budgets: how long a summary may be, in words, in tokens, or as a fraction of its input."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from recsum.errors import RecsumError

Unit = Literal["words", "tokens", "fraction"]
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class Length:
    """A summary length budget.

    ``words`` and ``tokens`` are absolute; ``fraction`` is relative to each input's own token
    count (the reducer's intermediate levels use it so that every level shrinks the text).
    """

    value: float
    unit: Unit = "words"

    def __post_init__(self) -> None:
        if self.unit not in ("words", "tokens", "fraction"):
            raise RecsumError(f"unknown length unit {self.unit!r}; use words, tokens or fraction")
        if not self.value > 0 or (self.unit == "fraction" and self.value >= 1):
            bound = "between 0 and 1" if self.unit == "fraction" else "a positive number"
            raise RecsumError(f"summary length must be {bound}, got {self.value} {self.unit}")

    def limit(self, input_tokens: int) -> int:
        """The budget in this length's unit (tokens for a fraction) for an input of that size."""
        if self.unit == "fraction":
            return max(1, math.floor(self.value * input_tokens))
        return int(self.value)


def count_words(text: str) -> int:
    """Whitespace-separated words, the unit of every word budget in recsum."""
    # Counted without building the list of words: a long document's would take tens of MB.
    return sum(1 for _ in _WORD.finditer(text))


def truncate_words(text: str, max_words: int) -> str:
    """The first ``max_words`` words of ``text`` (whitespace collapsed only if it was cut)."""
    words = text.split()
    return text if len(words) <= max_words else " ".join(words[:max_words])
