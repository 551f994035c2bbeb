"""Recursive reduction: summarize every chunk, join the part summaries, repeat until it fits.

Each level chunks the current text (sentences of the document, then of the part summaries),
summarizes all chunks in batches, and keeps every sentence tied to the span of the document it
came from. An intermediate level keeps a ``shrink`` fraction of every chunk's tokens (more only
when less would undershoot the requested length). A level that fails to shrink the text is an
error, and so is passing ``max_depth`` levels (by default: what shrinking the document to one
chunk takes, plus two). The last pass summarizes a single chunk to the requested length. Several
documents can be reduced together, so that their chunks share model batches.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from tqdm import tqdm

from recsum.chunk import SEPARATOR, Chunk, chunk_sentences, content_room
from recsum.errors import RecsumError
from recsum.length import Length, count_words, truncate_words
from recsum.segment import Sentence, split_sentences
from recsum.summarizers.base import PartSummarizer


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


@dataclass(frozen=True)
class SummaryResult:
    """The summary, how long it was allowed to be, and the tree of levels that produced it."""

    summary: str
    length: Length
    model: str
    input_words: int
    levels: tuple[Level, ...]
    truncated: bool = False

    @property
    def depth(self) -> int:
        return len(self.levels)

    def to_dict(self) -> dict:
        return {**asdict(self), "depth": self.depth, "summary_words": count_words(self.summary)}


@dataclass
class _Document:
    text: str
    units: list[Sentence]
    levels: list[Level] = field(default_factory=list)
    result: SummaryResult | None = None
    depth_limit: int | None = None  # set from the document's size at its first level


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
    ) -> None:
        budget = chunk_tokens or summarizer.input_budget
        if budget < 1 or budget > summarizer.input_budget:
            raise RecsumError(
                f"--chunk-tokens must be between 1 and the model's input window "
                f"({summarizer.input_budget}), got {budget}"
            )
        if not 0 < shrink < 1:
            raise RecsumError(f"shrink must be between 0 and 1, got {shrink}")
        if max_depth is not None and max_depth < 1:
            raise RecsumError(f"max depth must be at least 1, got {max_depth}")
        self.summarizer = summarizer
        self.budget = budget
        self.overlap = overlap
        self.shrink = shrink
        self.max_depth = max_depth
        self.batch_chunks = batch_chunks
        self._overhead = budget - content_room(summarizer.tokens, budget)

    def reduce(self, text: str, length: Length, *, progress: bool = False) -> SummaryResult:
        """Summarize one document to ``length``."""
        return self.reduce_many([text], length, progress=progress)[0]

    def reduce_many(
        self, texts: Sequence[str], length: Length, *, progress: bool = False
    ) -> list[SummaryResult]:
        """Summarize several documents to ``length``; their chunks share model batches."""
        if length.unit == "fraction":
            raise RecsumError("the summary length must be in words or tokens")
        documents = [_Document(text, split_sentences(text)) for text in texts]
        for document in documents:
            if not document.units:
                raise RecsumError("the document is empty (no text after whitespace)")
            if self._measure(document.text, length) <= length.value:
                document.result = self._result(document, document.text, length)
        depth = 0
        while active := [d for d in documents if d.result is None]:
            depth += 1
            self._level(active, depth, length, progress)
        return [d.result for d in documents]

    def _level(
        self, documents: list[_Document], depth: int, length: Length, progress: bool
    ) -> None:
        plans = []  # (document, chunks, length for its chunks, final?)
        for document in documents:
            chunks = chunk_sentences(
                document.units, self.summarizer.tokens, self.budget, self.overlap
            )
            limit = self.max_depth or document.depth_limit or self._depth_allowed(chunks)
            document.depth_limit = limit
            if depth > limit:
                raise RecsumError(
                    f"the summary did not reach {length.value:g} {length.unit} within "
                    f"{limit} levels; raise --max-depth or ask for a longer summary"
                )
            final = len(chunks) == 1
            plans.append(
                (document, chunks, length if final else self._part_length(chunks, length), final)
            )
        jobs = [(plan, chunk) for plan in plans for chunk in plan[1]]
        summaries: dict[int, str] = {}
        seconds: dict[int, float] = {id(plan[0]): 0.0 for plan in plans}
        with tqdm(
            total=len(jobs),
            desc=f"level {depth}",
            unit="chunk",
            file=sys.stderr,
            disable=not progress,
            leave=False,
        ) as bar:
            # Jobs that share a length share batches; a batch's time is split among its chunks.
            for target in dict.fromkeys(plan[2] for plan in plans):
                group = [(i, job) for i, job in enumerate(jobs) if job[0][2] == target]
                for begin in range(0, len(group), self.batch_chunks):
                    batch = group[begin : begin + self.batch_chunks]
                    started = time.perf_counter()
                    outputs = self.summarizer.summarize([job[1].text for _, job in batch], target)
                    share = (time.perf_counter() - started) / len(batch)
                    for (index, job), output in zip(batch, outputs, strict=True):
                        summaries[index] = output.strip()
                        seconds[id(job[0][0])] += share
                    bar.update(len(batch))
        index = 0
        for document, chunks, _, final in plans:
            outputs = [summaries[index + i] for i in range(len(chunks))]
            index += len(chunks)
            document.levels.append(self._record(depth, seconds[id(document)], chunks, outputs))
            if final:
                document.result = self._result(document, outputs[0], length)
            else:
                self._descend(document, chunks, outputs, length, depth)

    def _depth_allowed(self, chunks: list[Chunk]) -> int:
        """Levels that shrinking by ``shrink`` needs to bring these chunks into one, plus two:
        the last pass, and slack for chunks that packing leaves part empty."""
        tokens = sum(c.tokens - self._overhead for c in chunks)
        room = self.budget - self._overhead
        levels = math.log(max(tokens / room, 1.0)) / math.log(1 / self.shrink)
        return math.ceil(levels) + 2

    def _part_length(self, chunks: list[Chunk], length: Length) -> Length:
        """Shrink by ``shrink``, or only as much as the requested length needs."""
        tokens = sum(c.tokens - self._overhead for c in chunks)
        if length.unit == "tokens":
            wanted = length.value
        else:
            words = sum(count_words(c.text) for c in chunks)
            wanted = length.value * tokens / max(words, 1)
        return Length(max(self.shrink, min(wanted / tokens, 0.95)), "fraction")

    def _descend(
        self,
        document: _Document,
        chunks: list[Chunk],
        outputs: list[str],
        length: Length,
        depth: int,
    ) -> None:
        before = sum(c.tokens - self._overhead for c in chunks)
        after = sum(n - self._overhead for n in self.summarizer.tokens.count(outputs))
        if after >= before:
            raise RecsumError(
                f"level {depth} did not shrink the text ({before} -> {after} tokens): the part "
                f"summarizer {self.summarizer.name!r} does not respect its length budget"
            )
        document.units = [
            Sentence(sentence.text, chunk.start, chunk.end)
            for chunk, output in zip(chunks, outputs, strict=True)
            for sentence in split_sentences(output, lines=True)
        ]
        if not document.units:
            raise RecsumError(f"level {depth} produced empty summaries for every chunk")
        joined = SEPARATOR.join(u.text for u in document.units)
        if self._measure(joined, length) <= length.value:
            document.result = self._result(document, joined, length)

    def _record(self, depth: int, seconds: float, chunks: list[Chunk], outputs: list[str]) -> Level:
        parts = tuple(
            Part(c.start, c.end, c.tokens, o) for c, o in zip(chunks, outputs, strict=True)
        )
        return Level(depth, round(seconds, 6), parts)

    def _measure(self, text: str, length: Length) -> int:
        if length.unit == "words":
            return count_words(text)
        return self.summarizer.tokens.count([text])[0] - self._overhead

    def _result(self, document: _Document, summary: str, length: Length) -> SummaryResult:
        capped = self._cap(summary, length)
        return SummaryResult(
            capped,
            length,
            self.summarizer.name,
            count_words(document.text),
            tuple(document.levels),
            truncated=capped != summary,
        )

    def _cap(self, summary: str, length: Length) -> str:
        """Hold the promise of the budget even if the summarizer overshot it."""
        if self._measure(summary, length) <= length.value:
            return summary
        if length.unit == "words":
            return truncate_words(summary, int(length.value))
        spans = self.summarizer.tokens.spans(summary)
        return summary[: spans[int(length.value) - 1][1]]
