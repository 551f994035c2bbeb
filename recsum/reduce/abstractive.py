"""The abstractive strategy: summarize every chunk, join the summaries, repeat until one chunk.

Any part summarizer that does not rate sentences (a seq2seq model) summarizes every chunk to a
``shrink`` fraction of its tokens; the summaries are joined one sentence per line and chunked
again until the text fits one chunk, whose summary is the result. A level that fails to shrink
the text is an error. Chunks that ask for the same length share model batches.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from recsum.chunk import SEPARATOR, Chunk
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.reduce.levels import Document, Strategy, Unit
from recsum.reduce.result import Level, Part
from recsum.segment import split_sentences
from recsum.summarizers.base import PartSummarizer


@dataclass
class _Plan:
    """One document's chunks at an abstractive level, what is read before each (the query),
    and the length each chunk is summarized to."""

    document: Document
    chunks: list[Chunk]
    prefix: str
    length: Length
    seconds: float = 0.0


class Abstractive(Strategy):
    """Summarize every chunk, join the part summaries, and summarize them again."""

    def __init__(self, summarizer: PartSummarizer, budget: int, *, batch_chunks: int = 32,
                 **options) -> None:
        super().__init__(summarizer, budget, **options)
        self.batch_chunks = batch_chunks

    def run(self, documents: list[Document], length: Length, progress: bool) -> None:
        depth = 0
        while active := [d for d in documents if d.result is None]:
            depth += 1
            self._level(active, depth, length, progress)

    def check_query(self, query: str | None) -> str | None:
        if query is not None and query.strip() and query_prefix(self.summarizer, query) is None:
            raise RecsumError(f"part summarizer {self.summarizer.name!r} cannot take a query")
        return super().check_query(query)

    def _level(self, documents: list[Document], depth: int, length: Length,
                        progress: bool) -> None:
        plans = []
        for document in documents:
            prefix = "" if document.query is None else query_prefix(self.summarizer,
                                                                     document.query)
            budget = self.budget - self.measure(prefix, Length(1, "tokens")) if prefix else None
            chunks = self.chunks(document.units, self.overlap, budget)
            tokens = sum(c.tokens - self.overhead for c in chunks)
            document.depth_limit = (self.max_depth or document.depth_limit
                                    or self.depth_allowed(tokens, self.room))
            if depth > document.depth_limit:
                raise self.too_deep(length, document.depth_limit)
            final = len(chunks) == 1
            plans.append(_Plan(document, chunks, prefix,
                               length if final else self._part_length(chunks, length)))
        jobs = [(plan, chunk) for plan in plans for chunk in plan.chunks]
        outputs: dict[int, str] = {}
        with self.bar(len(jobs), depth, progress) as bar:
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
                document.result = self.result(document, units, length)
            else:
                document.units = units
                if self.measure(SEPARATOR.join(u.text for u in units), length) <= length.value:
                    document.result = self.result(document, units, length)

    def _part_length(self, chunks: list[Chunk], length: Length) -> Length:
        """Shrink by ``shrink``, or only as much as the requested length needs."""
        tokens = sum(c.tokens - self.overhead for c in chunks)
        if length.unit == "tokens":
            wanted = length.value
        else:
            words = sum(count_words(c.text) for c in chunks)
            wanted = length.value * tokens / max(words, 1)
        return Length(max(self.shrink, min(wanted / tokens, 0.95)), "fraction")

    def _descend(self, chunks: list[Chunk], outputs: list[str], depth: int) -> list[Unit]:
        """The part summaries as the next level's units, each tied to its chunk's span."""
        before = sum(c.tokens - self.overhead for c in chunks)
        sentences = [(sentence.text, chunk) for chunk, output in zip(chunks, outputs, strict=True)
                     for sentence in split_sentences(output, lines=True)]
        counts = self.summarizer.tokens.count([text for text, _ in sentences])
        units = [Unit(text, chunk.start, chunk.end, count - self.overhead)
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


def query_prefix(summarizer: PartSummarizer, query: str) -> str | None:
    """What a seq2seq part summarizer reads before each chunk for a query (the query, then the
    model's separator: how query-focused summarizers such as QMSum's are fed); None if it
    declares no ``query_separator``."""
    separator = getattr(summarizer, "query_separator", None)
    return None if separator is None else query + separator
