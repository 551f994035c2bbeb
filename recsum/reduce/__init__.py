"""Recursive reduction: summarize every chunk, join the part summaries, repeat until it fits.

A document becomes readable sentences, packed into chunks that the part summarizer reads whole.
Each level keeps a ``shrink`` fraction of every chunk's tokens (more only when less would
undershoot what the last pass needs) and keeps every sentence tied to the span of the document
it came from.

- An extractive part summarizer that rates sentences (:class:`SentenceRater`, the default;
  :mod:`~recsum.reduce.extractive`)
  reads the document once; its ratings travel up the levels with the sentences they rate, each
  level keeps the best of every chunk, and once the survivors fit the last pass's pool (one
  chunk, or ``final_pool`` times the requested length when that is larger) the last pass
  chooses among all of them at once within the requested length.
- Any other part summarizer (a seq2seq model; :mod:`~recsum.reduce.abstractive`) summarizes
  every chunk to a ``shrink`` fraction of its tokens; the summaries are joined one sentence
  per line and chunked again until the text fits one chunk, whose summary is the result.

Every level shrinks the text by a guaranteed factor: overlap context is capped at a share of
the chunk that leaves room to shrink, a level that fails to shrink is an error, and so is
passing ``max_depth`` levels (by default what shrinking the document takes, plus two).
Several documents can be reduced together, so that their chunks share model batches. The
reducer over the part summarizer that a :class:`~recsum.config.SummarizerConfig` names is the
``recursive`` system of batch runs and pipelines (:meth:`RecursiveReducer.from_config`,
:meth:`RecursiveReducer.summarize_documents`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from recsum.chunk import SEPARATOR
from recsum.config import FINAL_POOL, SummarizerConfig
from recsum.errors import RecsumError
from recsum.length import Length
from recsum.reduce.abstractive import Abstractive
from recsum.reduce.extractive import Extractive
from recsum.reduce.levels import Strategy
from recsum.reduce.result import Level, Part, SummaryResult, SummarySentence
from recsum.summarizers import PartSummarizer, SentenceRater, load_part_summarizer

__all__ = ["Level", "Part", "RecursiveReducer", "SummaryResult", "SummarySentence"]


class RecursiveReducer:
    """Summarize documents of any length with a part summarizer reading ``chunk_tokens`` at once."""

    def __init__(
        self,
        summarizer: PartSummarizer,
        *,
        chunk_tokens: int | None = None,
        overlap: int = 0,
        shrink: float = 0.5,
        max_depth: int | None = None,
        batch_chunks: int = 32,
        final_pool: float = FINAL_POOL,
    ) -> None:
        budget = chunk_tokens or summarizer.input_budget
        if budget < 1 or budget > summarizer.input_budget:
            raise RecsumError(
                f"chunk_tokens must be between 1 and the model's input window "
                f"({summarizer.input_budget}), got {budget}"
            )
        options = {"overlap": overlap, "shrink": shrink, "max_depth": max_depth}
        self.summarizer = summarizer
        self.name = f"recursive:{summarizer.name}"
        self._strategy: Strategy = (
            Extractive(summarizer, budget, final_pool=final_pool, **options)
            if isinstance(summarizer, SentenceRater)
            else Abstractive(summarizer, budget, batch_chunks=batch_chunks, **options))

    @classmethod
    def from_config(cls, config: SummarizerConfig,
                    summarizer: PartSummarizer | None = None) -> RecursiveReducer:
        """The reducer over ``summarizer``, or over the part summarizer ``config`` names."""
        return cls(summarizer or load_part_summarizer(config), **config.reducer_options())

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *,
                     part_summarizer: PartSummarizer | None = None) -> RecursiveReducer:
        """The ``recursive`` system of a pipeline entry: flat options (config fields and
        generation settings), and optionally the part summarizer to use."""
        return cls.from_config(SummarizerConfig.from_options(options), part_summarizer)

    def reduce(self, text: str, length: Length, *, query: str | None = None,
               progress: bool = False) -> SummaryResult:
        """Summarize one document to ``length`` (with respect to ``query``, if any)."""
        return self.reduce_many([text], length, queries=[query], progress=progress)[0]

    def reduce_many(
        self, texts: Sequence[str], length: Length, *,
        queries: Sequence[str | None] | None = None, progress: bool = False
    ) -> list[SummaryResult]:
        """Summarize several documents to ``length``, each with respect to its query in
        ``queries`` (None: generic); their chunks share model batches."""
        if length.unit == "fraction":
            raise RecsumError("the summary length must be in words or tokens")
        queries = list(queries) if queries is not None else [None] * len(texts)
        if len(queries) != len(texts):
            raise RecsumError(f"{len(queries)} queries for {len(texts)} documents; give one "
                              "each (None for a generic summary)")
        strategy = self._strategy
        documents = [strategy.read(text, strategy.check_query(query))
                     for text, query in zip(texts, queries, strict=True)]
        for document in documents:
            if strategy.measure(SEPARATOR.join(u.text for u in document.units), length) <= (
                length.value
            ):
                document.result = strategy.result(document, document.units, length)
        strategy.run(documents, length, progress)
        return [d.result for d in documents]

    def summarize_documents(
        self,
        documents: Sequence[str],
        length: Length,
        *,
        references: Sequence[Sequence[str]] | None = None,
        queries: Sequence[str | None] | None = None,
    ) -> list[str]:
        """The whole-document system call of batch runs and pipelines: summaries only."""
        results = self.reduce_many(list(documents), length, queries=queries)
        return [result.summary for result in results]
