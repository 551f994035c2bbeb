"""Extractive selection shared by the baselines: score sentences, keep the best that fit."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.length import Length, count_words, truncate_words
from recsum.segment import Sentence
from recsum.select import select


def word_budget(length: Length) -> int:
    """The budget in words; baselines measure summaries in words only."""
    if length.unit != "words":
        raise RecsumError(
            f"baseline systems take a summary length in words (max_words), got {length.unit}"
        )
    return length.limit(0)


def compose(sentences: Sequence[Sentence], scores: np.ndarray, budget: int) -> str:
    """Selected sentences one per line; if none fits, the best one cut to the budget."""
    sizes = [count_words(s.text) for s in sentences]
    keep = select(scores, sizes, budget)
    if not keep:
        return truncate_words(sentences[int(np.argmax(scores))].text, budget)
    return "\n".join(sentences[i].text for i in keep)


def document_sentences(documents: Sequence[str]) -> list[list[Sentence]]:
    """Readable sentences of every document; an empty document is a user error."""
    split = [readable_sentences(document) for document in documents]
    for index, sentences in enumerate(split):
        if not sentences:
            raise RecsumError(f"document {index} is empty (no text after whitespace)")
    return split


class ExtractiveSystem:
    """A whole-document system (:class:`~recsum.experiments.systems.System`) that only has to
    score sentences.

    Subclasses implement :meth:`score`; splitting, selection within the word budget and document
    order are shared, so baselines differ in their scores alone.
    """

    name = "extractive"

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None) -> list[str]:
        budget = word_budget(length)
        if references is not None and len(references) != len(documents):
            raise RecsumError(
                f"got {len(references)} reference lists for {len(documents)} documents; "
                "give one list per document"
            )
        summaries = []
        for index, (document, sentences) in enumerate(
            zip(documents, document_sentences(documents), strict=True)
        ):
            refs = None if references is None else references[index]
            scores = np.asarray(self.score(document, sentences, budget, refs), dtype=np.float64)
            summaries.append(compose(sentences, scores, budget))
        return summaries

    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        """One score per sentence; higher is kept first."""
        raise NotImplementedError
