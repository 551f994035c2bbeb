"""Records: one summarization task (a document, its references, the query if any).

The unit that datasets are read into and that training, evaluation and the benchmark pass
around; it depends on nothing else in recsum.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Record:
    """One summarization task: a document, its reference summaries, and the query if any."""

    id: str
    document: str
    references: tuple[str, ...]
    query: str | None = None
