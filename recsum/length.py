"""Length budgets: how long a summary may be, in words, in tokens, or as a fraction of its input."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

from recsum.errors import RecsumError

Unit = Literal["words", "tokens", "fraction"]
# A run of more characters than any real word (a line without spaces, a URL, base64) counts as
# several words of this many characters: budgets in words then bound the text in characters.
MAX_WORD_CHARS = 100
_WORD = re.compile(rf"\S{{1,{MAX_WORD_CHARS}}}")


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
    """Whitespace-separated words (a run of more than :data:`MAX_WORD_CHARS` characters is
    several), the unit of every word budget in recsum."""
    # Counted without building the list of words: a long document's would take tens of MB.
    return sum(1 for _ in _WORD.finditer(text))


def words(text: str) -> list[str]:
    """The words of ``text`` as :func:`count_words` counts them."""
    return _WORD.findall(text)


def word_spans(text: str) -> list[tuple[int, int]]:
    """The character span of each word of ``text`` (see :func:`words`)."""
    return [match.span() for match in _WORD.finditer(text)]


def truncate_words(text: str, max_words: int) -> str:
    """The first ``max_words`` words of ``text`` (whitespace collapsed only if it was cut)."""
    found = words(text)
    return text if len(found) <= max_words else " ".join(found[:max_words])
