"""The part-summarizer interface: a batch of texts in, shorter texts out; tokens counted.

:func:`part_units` is how a text becomes what a part summarizer reads: its readable sentences
(:func:`~recsum.clean.readable_sentences`), each within one input. The reducer, the extractive
default and its training all read this way.

An extractive part summarizer may also rate sentences (:class:`SentenceRater`): then the reducer
keeps each part's best sentences and carries their ratings up the levels, so that the last pass
chooses among all survivors at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from recsum.chunk import ChunkedDocument, fit_sentences
from recsum.clean import clean_sentences
from recsum.length import Length
from recsum.segment import Sentence, split_sentences
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


@dataclass(frozen=True)
class Rated:
    """One document's units as a rater sees them: a rating each (higher: keep first; ``-inf``:
    never) and, for a document read with a query, how closely each bears on it."""

    ratings: np.ndarray
    relevance: np.ndarray | None = None


@runtime_checkable
class SentenceRater(PartSummarizer, Protocol):
    """A part summarizer that extracts: it reads a document's chunks and rates every unit.

    ``rate`` returns one :class:`Rated` per document, in the same order; a document with a
    ``query`` is rated for that query. ``progress`` is called with the number of chunks read as
    reading goes on.
    """

    def rate(self, documents: Sequence[ChunkedDocument],
             progress: Callable[[int], None] | None = None) -> list[Rated]: ...


def part_units(text: str, tokens: TokenCounter, budget: int) -> tuple[list[Sentence], list[int]]:
    """The units a part summarizer reads of ``text``: its readable sentences, any longer than
    ``budget`` tokens split at token boundaries, and the tokens each takes as one input."""
    # readable_sentences(text), but each split sentence is let go as soon as it is cleaned:
    # cleaning a whole split held at once left 6 MB more resident at 512k words (the freed
    # texts scattered among the kept ones, where the allocator cannot give them back).
    split = split_sentences(text)
    split.reverse()
    readable = clean_sentences(split.pop() for _ in range(len(split)))
    return fit_sentences(readable, tokens, budget)
