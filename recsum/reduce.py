"""Recursive reduction: summarize every chunk, join the part summaries, repeat until it fits.

A document becomes readable sentences, packed into chunks that the part summarizer reads whole.
Each level keeps a ``shrink`` fraction of every chunk's tokens (more only when less would
undershoot what the last pass needs) and keeps every sentence tied to the span of the document
it came from.

- An extractive part summarizer that rates sentences (:class:`SentenceRater`, the default)
  reads the document once; its ratings travel up the levels with the sentences they rate, each
  level keeps the best of every chunk, and once the survivors fit the last pass's pool (one
  chunk, or ``final_pool`` times the requested length when that is larger) the last pass
  chooses among all of them at once within the requested length.
- Any other part summarizer (a seq2seq model) summarizes every chunk to a ``shrink`` fraction of
  its tokens; the summaries are joined one sentence per line and chunked again until the text
  fits one chunk, whose summary is the result.

Every level shrinks the text by a guaranteed factor: overlap context is capped at a share of
the chunk that leaves room to shrink, a level that fails to shrink is an error, and so is
passing ``max_depth`` levels (by default what shrinking the document takes, plus two).
Several documents can be reduced together, so that their chunks share model batches.
"""

from __future__ import annotations

import logging
import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from itertools import pairwise

from tqdm import tqdm

from recsum.chunk import (
    SEPARATOR,
    Chunk,
    ChunkedDocument,
    content_room,
    pack_units,
)
from recsum.config import FINAL_POOL
from recsum.errors import RecsumError
from recsum.length import Length, count_words, truncate_words
from recsum.segment import Sentence, split_sentences
from recsum.select import select_sentences
from recsum.summarizers.base import PartSummarizer, SentenceRater, part_units

logger = logging.getLogger("recsum")
# A chunk must hold a short sentence: fewer tokens of text leave nothing but word fragments.
MIN_CHUNK_TEXT = 8


@dataclass(frozen=True, slots=True)
class Part:
    """One chunk of a level: the document span it covers, its size, and its summary."""

    start: int
    end: int
    input_tokens: int
    summary: str


@dataclass(frozen=True)
class Level:
    """One pass over the text; depth 1 reads the document itself."""

    depth: int
    seconds: float
    parts: tuple[Part, ...]


@dataclass(frozen=True, slots=True)
class SummarySentence:
    """A sentence of the summary and where it came from: for an extract, the sentence's own
    span in the document; for an abstract, the span of the part it summarizes. ``score`` is the
    rating it was chosen by and ``relevance`` its similarity to the query (extracts only)."""

    text: str
    start: int
    end: int
    score: float | None = None
    relevance: float | None = None


@dataclass(frozen=True)
class SummaryResult:
    """The summary, how long it was allowed to be, its sentences' provenance, and the tree of
    levels that produced it."""

    summary: str
    length: Length
    model: str
    input_words: int
    levels: tuple[Level, ...]
    sentences: tuple[SummarySentence, ...] = ()
    truncated: bool = False
    query: str | None = None

    @property
    def depth(self) -> int:
        return len(self.levels)

    def to_dict(self) -> dict:
        return {**asdict(self), "depth": self.depth, "summary_words": count_words(self.summary)}


@dataclass(slots=True)
class _Unit:
    """A sentence at some level: its text, its source span, its content tokens, its rating and
    its similarity to the query."""

    text: str
    start: int
    end: int
    tokens: int
    rating: float | None = None
    relevance: float | None = None


@dataclass
class _Document:
    text: str
    units: list[_Unit]
    query: str | None = None
    levels: list[Level] = field(default_factory=list)
    result: SummaryResult | None = None
    depth_limit: int | None = None  # set from the document's size at its first level


@dataclass
class _Plan:
    """One document's chunks at an abstractive level, what is read before each (the query),
    and the length each chunk is summarized to."""

    document: _Document
    chunks: list[Chunk]
    prefix: str
    length: Length
    seconds: float = 0.0


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
        if not 0 < shrink < 1:
            raise RecsumError(f"shrink must be between 0 and 1, got {shrink}")
        if max_depth is not None and max_depth < 1:
            raise RecsumError(f"max_depth must be at least 1, got {max_depth}")
        if overlap < 0:
            raise RecsumError(f"overlap must be zero or more sentences, got {overlap}")
        self.summarizer = summarizer
        self.budget = budget
        self.overlap = overlap
        self.shrink = shrink
        self.max_depth = max_depth
        self.batch_chunks = batch_chunks
        self.final_pool = final_pool
        self._room = content_room(summarizer.tokens, budget)
        self._overhead = budget - self._room
        if self._room < MIN_CHUNK_TEXT:
            raise RecsumError(
                f"chunk_tokens {budget} leaves {self._room} tokens of text after the model's "
                f"{self._overhead} special tokens; a chunk must hold at least {MIN_CHUNK_TEXT} "
                f"(use chunk_tokens {self._overhead + MIN_CHUNK_TEXT} or more)")
        # Context repeated from the previous chunk: at most this share of a chunk, so that the
        # chunks of a level hold at most (1 + shrink) / (2 shrink) times its text and keeping
        # ``shrink`` of each still shrinks the text by (1 + shrink) / 2 at least.
        self._context_tokens = math.floor(self._room * (1 - shrink) / (1 + shrink))

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
        documents = [self._read(text, self._check_query(query))
                     for text, query in zip(texts, queries, strict=True)]
        for document in documents:
            if self._measure(SEPARATOR.join(u.text for u in document.units), length) <= (
                length.value
            ):
                document.result = self._result(document, document.units, length)
        if isinstance(self.summarizer, SentenceRater):
            self._extract(documents, length, progress)
        else:
            depth = 0
            while active := [d for d in documents if d.result is None]:
                depth += 1
                self._abstract_level(active, depth, length, progress)
        return [d.result for d in documents]

    def _read(self, text: str, query: str | None) -> _Document:
        units, counts = part_units(text, self.summarizer.tokens, self.budget)
        if not units:
            raise RecsumError("the document is empty (no text after whitespace)")
        return _Document(text, [_Unit(u.text, u.start, u.end, n - self._overhead)
                                for u, n in zip(units, counts, strict=True)], query)

    def _check_query(self, query: str | None) -> str | None:
        """The query, or a one-line error for one this summarizer cannot take."""
        if query is None:
            return None
        if not query.strip():
            raise RecsumError("the query is empty; give a question or topic, or none for a "
                              "generic summary")
        if not isinstance(self.summarizer, SentenceRater) and _query_prefix(
                self.summarizer, query) is None:
            raise RecsumError(f"part summarizer {self.summarizer.name!r} cannot take a query")
        tokens = self._measure(query, Length(1, "tokens"))
        if tokens > self._room // 2:
            raise RecsumError(
                f"the query takes {tokens} tokens, more than half of a {self.budget}-token chunk "
                f"({self._room // 2}); shorten it or raise chunk_tokens")
        return " ".join(query.split())

    def _chunks(self, units: Sequence[_Unit], overlap: int,
                budget: int | None = None) -> list[Chunk]:
        chunks = pack_units([Sentence(u.text, u.start, u.end) for u in units],
                            [u.tokens + self._overhead for u in units], self.summarizer.tokens,
                            budget or self.budget, overlap, self._context_tokens)
        short = sum(previous.last + 1 - chunk.first < overlap
                    for previous, chunk in pairwise(chunks))
        if short:
            logger.warning(
                "overlap %d: %d of %d chunks repeat fewer sentences, since a chunk of %d tokens "
                "repeats at most %d tokens of context (so that every level shrinks)",
                overlap, short, len(chunks) - 1, self.budget, self._context_tokens)
        return chunks

    # Extractive: read once, carry the ratings up, choose among all survivors at the end.

    def _extract(self, documents: list[_Document], length: Length, progress: bool) -> None:
        active = [d for d in documents if d.result is None]
        if not active:
            return
        reads = [ChunkedDocument([Sentence(u.text, u.start, u.end) for u in d.units],
                                 self._chunks(d.units, self.overlap), len(d.text), d.query)
                 for d in active]
        total_chunks = sum(len(r.chunks) for r in reads)
        started = time.perf_counter()
        with self._bar(total_chunks, 1, progress) as bar:
            rated = self.summarizer.rate(reads, bar.update)
        for document, read, ratings in zip(active, reads, rated, strict=True):
            relevance = ratings.relevance if ratings.relevance is not None else [None] * len(
                document.units)
            for unit, rating, similarity in zip(document.units, ratings.ratings, relevance,
                                                strict=True):
                unit.rating = float(rating)
                unit.relevance = None if similarity is None else float(similarity)
            seconds = (time.perf_counter() - started) * len(read.chunks) / total_chunks
            groups = [[document.units[i] for i in read.own_units(c)]
                      for c in range(len(read.chunks))]
            self._extract_levels(document, groups, list(read.chunks), length, seconds, progress)

    def _extract_levels(self, document: _Document, groups: list[list[_Unit]],
                        chunks: list[Chunk], length: Length, seconds: float,
                        progress: bool) -> None:
        """Keep the best of every chunk until the survivors fit the pool; then the last pass."""
        pool = self._pool(document, length)
        limit = self.max_depth or self._depth_allowed(sum(u.tokens for u in document.units),
                                                      pool)
        depth, started = 1, time.perf_counter()
        while (total := sum(u.tokens for u in document.units)) > pool:
            if depth >= limit:
                raise self._too_deep(length, limit)
            keep = max(self.shrink, pool / total)
            kept = [[unit for unit, chosen in zip(group, self._best(
                group, [u.tokens for u in group], math.floor(keep * sum(u.tokens for u in group))),
                strict=True) if chosen] for group in groups]
            if not any(kept):
                break  # chunks too small to keep a whole sentence: the last pass chooses
            seconds += time.perf_counter() - started
            self._record(document, Level(depth, round(seconds, 6), tuple(
                Part(chunk.start, chunk.end, chunk.tokens, SEPARATOR.join(u.text for u in group))
                for chunk, group in zip(chunks, kept, strict=True))), progress)
            document.units = [unit for group in kept for unit in group]
            chunks = self._chunks(document.units, 0)
            groups = [document.units[c.first : c.last + 1] for c in chunks]
            depth, seconds, started = depth + 1, 0.0, time.perf_counter()
        sizes = ([count_words(u.text) for u in document.units] if length.unit == "words"
                 else [u.tokens for u in document.units])
        chosen = [u for u, keep in zip(document.units, self._best(
            document.units, sizes, int(length.value)), strict=True) if keep]
        truncated = not chosen
        if truncated:  # no whole sentence fits: the best one, cut to the length
            best = max(document.units, key=lambda u: u.rating)
            cut = self._cap(best.text, length)
            chosen = [_Unit(cut, best.start, best.end, best.tokens, best.rating)]
        summary = SEPARATOR.join(u.text for u in chosen)
        seconds += time.perf_counter() - started
        self._record(document, Level(depth, round(seconds, 6), (Part(
            min(u.start for u in document.units), max(u.end for u in document.units),
            sum(u.tokens for u in document.units) + self._overhead, summary),)), progress)
        document.result = self._result(document, chosen, length, truncated=truncated)

    def _record(self, document: _Document, level: Level, progress: bool) -> None:
        """Add a level of the extractive path; level 1's bar followed the reading, and the
        others, which take no model time, get a bar that is full at once."""
        document.levels.append(level)
        if level.depth > 1:
            with self._bar(len(level.parts), level.depth, progress) as bar:
                bar.update(len(level.parts))

    def _best(self, units: Sequence[_Unit], sizes: Sequence[int], budget: int) -> list[bool]:
        keep = set(select_sentences([u.text for u in units], [u.rating for u in units], sizes,
                                    budget))
        return [i in keep for i in range(len(units))]

    def _pool(self, document: _Document, length: Length) -> float:
        """Tokens the last pass chooses from: one chunk, or ``final_pool`` times the length
        when that is more (infinite: one pass over the whole document, no level before)."""
        wanted = length.value
        if length.unit == "words":
            words = sum(count_words(u.text) for u in document.units)
            wanted *= sum(u.tokens for u in document.units) / max(words, 1)
        return max(self._room, self.final_pool * wanted)

    # Abstractive: summarize every chunk, join, repeat until one chunk is left.

    def _abstract_level(self, documents: list[_Document], depth: int, length: Length,
                        progress: bool) -> None:
        plans = []
        for document in documents:
            prefix = "" if document.query is None else _query_prefix(self.summarizer,
                                                                     document.query)
            budget = self.budget - self._measure(prefix, Length(1, "tokens")) if prefix else None
            chunks = self._chunks(document.units, self.overlap, budget)
            tokens = sum(c.tokens - self._overhead for c in chunks)
            document.depth_limit = (self.max_depth or document.depth_limit
                                    or self._depth_allowed(tokens, self._room))
            if depth > document.depth_limit:
                raise self._too_deep(length, document.depth_limit)
            final = len(chunks) == 1
            plans.append(_Plan(document, chunks, prefix,
                               length if final else self._part_length(chunks, length)))
        jobs = [(plan, chunk) for plan in plans for chunk in plan.chunks]
        outputs: dict[int, str] = {}
        with self._bar(len(jobs), depth, progress) as bar:
            # Jobs that share a length share batches; a batch's time is split among its chunks.
            for target in dict.fromkeys(plan.length for plan in plans):
                group = [(i, job) for i, job in enumerate(jobs) if job[0].length == target]
                for begin in range(0, len(group), self.batch_chunks):
                    batch = group[begin : begin + self.batch_chunks]
                    started = time.perf_counter()
                    summaries = self.summarizer.summarize(
                        [plan.prefix + chunk.text for _, (plan, chunk) in batch], target)
                    share = (time.perf_counter() - started) / len(batch)
                    for (index, (plan, _)), summary in zip(batch, summaries, strict=True):
                        outputs[index] = summary.strip()
                        plan.seconds += share
                    bar.update(len(batch))
        index = 0
        for plan in plans:
            document, chunks = plan.document, plan.chunks
            summaries = [outputs[index + i] for i in range(len(chunks))]
            index += len(chunks)
            document.levels.append(Level(depth, round(plan.seconds, 6), tuple(
                Part(c.start, c.end, c.tokens, o) for c, o in zip(chunks, summaries, strict=True))))
            units = self._descend(chunks, summaries, depth)
            if len(chunks) == 1:
                document.result = self._result(document, units, length)
            else:
                document.units = units
                if self._measure(SEPARATOR.join(u.text for u in units), length) <= length.value:
                    document.result = self._result(document, units, length)

    def _part_length(self, chunks: list[Chunk], length: Length) -> Length:
        """Shrink by ``shrink``, or only as much as the requested length needs."""
        tokens = sum(c.tokens - self._overhead for c in chunks)
        if length.unit == "tokens":
            wanted = length.value
        else:
            words = sum(count_words(c.text) for c in chunks)
            wanted = length.value * tokens / max(words, 1)
        return Length(max(self.shrink, min(wanted / tokens, 0.95)), "fraction")

    def _descend(self, chunks: list[Chunk], outputs: list[str], depth: int) -> list[_Unit]:
        """The part summaries as the next level's units, each tied to its chunk's span."""
        before = sum(c.tokens - self._overhead for c in chunks)
        sentences = [(sentence.text, chunk) for chunk, output in zip(chunks, outputs, strict=True)
                     for sentence in split_sentences(output, lines=True)]
        counts = self.summarizer.tokens.count([text for text, _ in sentences])
        units = [_Unit(text, chunk.start, chunk.end, count - self._overhead)
                 for (text, chunk), count in zip(sentences, counts, strict=True)]
        if not units:
            raise RecsumError(f"level {depth} produced empty summaries for every chunk")
        after = sum(u.tokens for u in units)
        if len(chunks) > 1 and after >= before:
            raise RecsumError(
                f"level {depth} did not shrink the text ({before} -> {after} tokens): the part "
                f"summarizer {self.summarizer.name!r} does not respect its length budget"
            )
        return units

    # Shared.

    def _depth_allowed(self, tokens: int, target: float) -> int:
        """Levels that shrinking ``tokens`` to ``target`` takes at the guaranteed rate, plus
        two: the last pass, and slack for chunks that packing leaves part empty."""
        guaranteed = (1 + self.shrink) / 2
        levels = math.log(max(tokens / max(target, 1), 1.0)) / math.log(1 / guaranteed)
        return math.ceil(levels) + 2

    def _too_deep(self, length: Length, limit: int) -> RecsumError:
        return RecsumError(
            f"the summary did not reach {length.value:g} {length.unit} within {limit} levels; "
            "raise max_depth or ask for a longer summary"
        )

    def _bar(self, total: int, depth: int, progress: bool) -> tqdm:
        return tqdm(total=total, desc=f"level {depth}", unit="chunk", file=sys.stderr,
                    disable=not progress, leave=False)

    def _measure(self, text: str, length: Length) -> int:
        if length.unit == "words":
            return count_words(text)
        return self.summarizer.tokens.count([text])[0] - self._overhead

    def _result(self, document: _Document, units: Sequence[_Unit], length: Length, *,
                truncated: bool = False) -> SummaryResult:
        summary = SEPARATOR.join(u.text for u in units)
        capped = self._cap(summary, length)
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

    def _cap(self, summary: str, length: Length) -> str:
        """Hold the promise of the budget even if the summarizer overshot it."""
        if self._measure(summary, length) <= length.value:
            return summary
        if length.unit == "words":
            return truncate_words(summary, int(length.value))
        spans = self.summarizer.tokens.spans(summary)
        return summary[: spans[int(length.value) - 1][1]]


def _query_prefix(summarizer: PartSummarizer, query: str) -> str | None:
    """What a seq2seq part summarizer reads before each chunk for a query (the query, then the
    model's separator: how query-focused summarizers such as QMSum's are fed); None if it
    declares no ``query_separator``."""
    separator = getattr(summarizer, "query_separator", None)
    return None if separator is None else query + separator
