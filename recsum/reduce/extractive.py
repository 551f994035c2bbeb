"""The extractive strategy: the document is read once, ratings travel up with the sentences.

A part summarizer that rates sentences (:class:`~recsum.summarizers.base.SentenceRater`, the
default) reads every chunk once; each level keeps the best-rated ``shrink`` fraction of every
chunk's tokens, and once the survivors fit the last pass's pool (one chunk, or ``final_pool``
times the requested length when that is larger) the last pass chooses among all of them at once
within the requested length.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import replace
from typing import overload

from recsum.chunk import SEPARATOR, Chunk, ChunkedDocument
from recsum.config import FINAL_POOL
from recsum.length import Length, count_words
from recsum.reduce.levels import Document, Strategy, Unit
from recsum.reduce.result import Level, Part
from recsum.segment import Sentence
from recsum.select import select_sentences, taken_alone
from recsum.summarizers.base import SentenceRater


class Extractive(Strategy):
    """Read once, keep the best of every chunk level by level, choose among all survivors."""

    summarizer: SentenceRater

    def __init__(self, summarizer: SentenceRater, budget: int, *, final_pool: float = FINAL_POOL,
                 **options) -> None:
        super().__init__(summarizer, budget, **options)
        self.final_pool = final_pool

    def run(self, documents: list[Document], length: Length, progress: bool) -> None:
        active = [d for d in documents if d.result is None]
        if not active:
            return
        reads = [ChunkedDocument(UnitSentences(d.units), self.chunks(d.units, self.overlap),
                                 len(d.text), d.query, self.budget)
                 for d in active]
        total_chunks = sum(len(r.chunks) for r in reads)
        started = time.perf_counter()
        with self.bar(total_chunks, 1, progress) as bar:
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

    def _extract_levels(self, document: Document, groups: list[list[Unit]],
                        chunks: list[Chunk], length: Length, seconds: float,
                        progress: bool) -> None:
        """Keep the best of every chunk until the survivors fit the pool; then the last pass."""
        pool = self._pool(document, length)
        limit = self.max_depth or self.depth_allowed(sum(u.tokens for u in document.units),
                                                      pool)
        depth, started = 1, time.perf_counter()
        while (total := sum(u.tokens for u in document.units)) > pool:
            if depth >= limit:
                raise self.too_deep(length, limit)
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
            chunks = self.chunks(document.units, 0)
            groups = [document.units[c.first : c.last + 1] for c in chunks]
            depth, seconds, started = depth + 1, 0.0, time.perf_counter()
        # Each sentence as the summary shows it, without an opening connective: its words count.
        shown = [taken_alone(u.text) for u in document.units]
        sizes = ([count_words(text) for text in shown] if length.unit == "words"
                 else [u.tokens for u in document.units])
        chosen = [replace(u, text=text) for u, text, keep in zip(
            document.units, shown, self._best(document.units, sizes, int(length.value)),
            strict=True) if keep]
        truncated = not chosen
        if truncated:  # no whole sentence fits: the best one, cut to the length
            best = max(document.units, key=lambda u: u.rating)
            cut = self.cap(best.text, length)
            chosen = [Unit(cut, best.start, best.end, best.tokens, best.rating)]
        summary = SEPARATOR.join(u.text for u in chosen)
        seconds += time.perf_counter() - started
        self._record(document, Level(depth, round(seconds, 6), (Part(
            min(u.start for u in document.units), max(u.end for u in document.units),
            sum(u.tokens for u in document.units) + self.overhead, summary),)), progress)
        document.result = self.result(document, chosen, length, truncated=truncated)

    def _record(self, document: Document, level: Level, progress: bool) -> None:
        """Add a level of the extractive path; level 1's bar followed the reading, and the
        others, which take no model time, get a bar that is full at once."""
        document.levels.append(level)
        if level.depth > 1:
            with self.bar(len(level.parts), level.depth, progress) as bar:
                bar.update(len(level.parts))

    def _best(self, units: Sequence[Unit], sizes: Sequence[int], budget: int) -> list[bool]:
        keep = set(select_sentences([u.text for u in units], [u.rating for u in units], sizes,
                                    budget))
        return [i in keep for i in range(len(units))]

    def _pool(self, document: Document, length: Length) -> float:
        """Tokens the last pass chooses from: one chunk, or ``final_pool`` times the length
        when that is more (infinite: one pass over the whole document, no level before)."""
        wanted = length.value
        if length.unit == "words":
            words = sum(count_words(u.text) for u in document.units)
            wanted *= sum(u.tokens for u in document.units) / max(words, 1)
        return max(self.room, self.final_pool * wanted)


class UnitSentences(Sequence[Sentence]):
    """The units of a level as the sentences a part summarizer reads, each made when it is
    asked for: a copy of every unit held while the document was read took 2.8 MB at 512k words
    (45,903 units), on top of the units themselves."""

    def __init__(self, units: Sequence[Unit]) -> None:
        self.units = units

    def __len__(self) -> int:
        return len(self.units)

    @overload
    def __getitem__(self, index: int) -> Sentence: ...

    @overload
    def __getitem__(self, index: slice) -> list[Sentence]: ...

    def __getitem__(self, index: int | slice) -> Sentence | list[Sentence]:
        if isinstance(index, slice):
            return [Sentence(u.text, u.start, u.end) for u in self.units[index]]
        unit = self.units[index]
        return Sentence(unit.text, unit.start, unit.end)
