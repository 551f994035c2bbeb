"""What a reduction returns: the summary, its sentences' provenance, and the tree of levels."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from recsum.length import Length, count_words


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
