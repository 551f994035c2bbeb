"""The query-aware baseline: the sentences closest to the query, as a retriever finds them.

Each sentence and the query are embedded alone by the embedded all-MiniLM-L6-v2 (mean-pooled,
normalized: how sentence-transformers retrieves), and sentences are taken by cosine similarity
to the query within the word budget, in document order. It is the extractive form of the
SQuALITY authors' retrieve-then-summarize baseline (BART + DPR).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recsum.baselines.scoring import compose, document_sentences, word_budget
from recsum.errors import RecsumError
from recsum.length import Length
from recsum.segment import Sentence
from recsum.summarizers.encoder import BATCH_TOKENS, ChunkEncoder
from recsum.summarizers.extractive import load_encoder


class RetrievalSystem:
    """Sentences ranked by their MiniLM similarity to each document's query."""

    def __init__(self, device: str = "cpu", encoder: ChunkEncoder | None = None) -> None:
        # Sentences are embedded alone, hundreds a document: batched, 3× faster than one a run.
        self.encoder = encoder or load_encoder(device=device, batch_tokens=BATCH_TOKENS)
        self.name = "retrieval"
        # A dataset's questions about one document come one after another (QMSum: about seven
        # a meeting), so the last document's sentence vectors are kept for the next question.
        self._embedded: tuple[str, np.ndarray] | None = None

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None,
                            queries: Sequence[str | None] | None = None) -> list[str]:
        budget = word_budget(length)
        if queries is None or len(queries) != len(documents) or any(
                not (query or "").strip() for query in queries):
            raise RecsumError("the retrieval baseline needs a query for every document; run it "
                              "on query tasks (--tasks query)")
        summaries = []
        for document, sentences, query in zip(documents, document_sentences(documents), queries,
                                              strict=True):
            (query_vector,) = self.encoder.encode([[query]])[0]
            similarity = self._sentence_vectors(document, sentences) @ query_vector
            summaries.append(compose(sentences, [float(s) for s in similarity], budget))
        return summaries

    def _sentence_vectors(self, document: str, sentences: Sequence[Sentence]) -> np.ndarray:
        """One normalized vector per sentence, each sentence embedded alone."""
        if self._embedded is None or self._embedded[0] != document:
            rows = self.encoder.encode([[sentence.text] for sentence in sentences])
            self._embedded = document, np.stack([row[0] for row in rows])
        return self._embedded[1]
