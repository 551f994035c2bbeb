"""What both strategies of the reducer share: units with their spans, chunking a level, the
depth a document may take, and turning the survivors into a :class:`SummaryResult`.

Every level shrinks the text by a guaranteed factor: overlap context is capped at a share of
the chunk that leaves room to shrink, and passing ``max_depth`` levels (by default what
shrinking the document takes, plus two) is an error.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING

from recsum.chunk import SEPARATOR, Chunk, content_room, pack_units
from recsum.config import check_reduction
from recsum.errors import RecsumError
from recsum.length import Length, count_words, truncate_words
from recsum.progress import progress_bar
from recsum.reduce.result import Level, SummaryResult, SummarySentence
from recsum.segment import Sentence
from recsum.summarizers.base import PartSummarizer, part_units

if TYPE_CHECKING:
    from tqdm import tqdm

logger = logging.getLogger("recsum")
# A chunk must hold a short sentence: fewer tokens of text leave nothing but word fragments.
MIN_CHUNK_TEXT = 8


@dataclass(slots=True)
class Unit:
    """A sentence at some level: its text, its source span, its content tokens, its rating and
    its similarity to the query."""

    text: str
    start: int
    end: int
    tokens: int
    rating: float | None = None
    relevance: float | None = None


@dataclass
class Document:
    """A document being reduced: its units at the current level and the levels so far."""

    text: str
    units: list[Unit]
    query: str | None = None
    levels: list[Level] = field(default_factory=list)
    result: SummaryResult | None = None
    depth_limit: int | None = None  # set from the document's size at its first level


class Strategy:
    """How the levels of a reduction are made; :meth:`run` is each strategy's own."""

    def __init__(self, summarizer: PartSummarizer, budget: int, *, overlap: int, shrink: float,
                 max_depth: int | None) -> None:
        check_reduction(overlap=overlap, shrink=shrink, max_depth=max_depth)
        self.summarizer = summarizer
        self.budget = budget
        self.overlap = overlap
        self.shrink = shrink
        self.max_depth = max_depth
        self.room = content_room(summarizer.tokens, budget)
        self.overhead = budget - self.room
        if self.room < MIN_CHUNK_TEXT:
            raise RecsumError(
                f"chunk_tokens {budget} leaves {self.room} tokens of text after the model's "
                f"{self.overhead} special tokens; a chunk must hold at least {MIN_CHUNK_TEXT} "
                f"(use chunk_tokens {self.overhead + MIN_CHUNK_TEXT} or more)")
        # Context repeated from the previous chunk: at most this share of a chunk, so that the
        # chunks of a level hold at most (1 + shrink) / (2 shrink) times its text and keeping
        # ``shrink`` of each still shrinks the text by (1 + shrink) / 2 at least.
        self.context_tokens = math.floor(self.room * (1 - shrink) / (1 + shrink))

    def run(self, documents: list[Document], length: Length, progress: bool) -> None:
        """Reduce every document whose ``result`` is not set yet, and set it."""
        raise NotImplementedError

    def read(self, text: str, query: str | None) -> Document:
        units, counts = part_units(text, self.summarizer.tokens, self.budget)
        if not units:
            if not text.strip():
                raise RecsumError("the document is empty (no text after whitespace)")
            # Sentences without a letter or a digit are dropped as unreadable: emoji, symbols.
            raise RecsumError(f"the document has no words to summarize: its {len(text.strip()):,}"
                              " characters hold no letter or digit (only symbols or emoji); "
                              "give a text with words")
        return Document(text, [Unit(u.text, u.start, u.end, n - self.overhead)
                                for u, n in zip(units, counts, strict=True)], query)

    def check_query(self, query: str | None) -> str | None:
        """The query, or a one-line error for one this summarizer cannot take."""
        if query is None:
            return None
        if not query.strip():
            raise RecsumError("the query is empty; give a question or topic, or none for a "
                              "generic summary")
        tokens = self.measure(query, Length(1, "tokens"))
        if tokens > self.room // 2:
            raise RecsumError(
                f"the query takes {tokens} tokens, more than half of a {self.budget}-token chunk "
                f"({self.room // 2}); shorten it or raise chunk_tokens")
        return " ".join(query.split())

    def chunks(self, units: Sequence[Unit], overlap: int,
                budget: int | None = None) -> list[Chunk]:
        chunks = pack_units([Sentence(u.text, u.start, u.end) for u in units],
                            [u.tokens + self.overhead for u in units], self.summarizer.tokens,
                            budget or self.budget, overlap, self.context_tokens)
        short = sum(previous.last + 1 - chunk.first < overlap
                    for previous, chunk in pairwise(chunks))
        if short:
            logger.warning(
                "overlap %d: %d of %d chunks repeat fewer sentences, since a chunk of %d tokens "
                "repeats at most %d tokens of context (so that every level shrinks)",
                overlap, short, len(chunks) - 1, self.budget, self.context_tokens)
        return chunks

    def depth_allowed(self, tokens: int, target: float) -> int:
        """Levels that shrinking ``tokens`` to ``target`` takes at the guaranteed rate, plus
        two: the last pass, and slack for chunks that packing leaves part empty."""
        guaranteed = (1 + self.shrink) / 2
        levels = math.log(max(tokens / max(target, 1), 1.0)) / math.log(1 / guaranteed)
        return math.ceil(levels) + 2

    def too_deep(self, length: Length, limit: int) -> RecsumError:
        return RecsumError(
            f"the summary did not reach {length.value:g} {length.unit} within {limit} levels; "
            "raise max_depth or ask for a longer summary"
        )

    def bar(self, total: int, depth: int, progress: bool) -> tqdm:
        return progress_bar(total=total, desc=f"level {depth}", unit="chunk", enabled=progress,
                            leave=False)

    def measure(self, text: str, length: Length) -> int:
        if length.unit == "words":
            return count_words(text)
        return self.summarizer.tokens.count([text])[0] - self.overhead

    def result(self, document: Document, units: Sequence[Unit], length: Length, *,
                truncated: bool = False) -> SummaryResult:
        summary = SEPARATOR.join(u.text for u in units)
        capped = self.cap(summary, length)
        return SummaryResult(
            capped,
            length,
            self.summarizer.name,
            count_words(document.text),
            tuple(document.levels),
            tuple(SummarySentence(u.text, u.start, u.end, u.rating, u.relevance)
                  for u in units),
            truncated=truncated or capped != summary,
            query=document.query,
        )

    def cap(self, summary: str, length: Length) -> str:
        """Hold the promise of the budget even if the summarizer overshot it."""
        if self.measure(summary, length) <= length.value:
            return summary
        if length.unit == "words":
            return truncate_words(summary, int(length.value))
        spans = self.summarizer.tokens.spans(summary)
        return summary[: spans[int(length.value) - 1][1]]
