"""The part-summarizer interface: a batch of texts in, shorter texts out; tokens counted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from recsum.length import Length
from recsum.tokens import TokenCounter


@runtime_checkable
class PartSummarizer(Protocol):
    """Anything the recursive reducer can summarize chunks with.

    ``input_budget`` is the most tokens one input may take (special tokens and prefix included);
    ``tokens`` counts them. ``summarize`` returns one summary per text, in order, each within
    ``length`` as the summarizer measures it.
    """

    name: str
    input_budget: int
    tokens: TokenCounter

    def summarize(self, texts: Sequence[str], length: Length) -> list[str]: ...
