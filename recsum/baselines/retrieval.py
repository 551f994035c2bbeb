"""The query-aware baseline: the sentences closest to the query, as a retriever finds them.

Each sentence and the query are embedded alone by the embedded all-MiniLM-L6-v2 (mean-pooled,
normalized: how sentence-transformers retrieves), and sentences are taken by cosine similarity
to the query within the word budget, in document order. It is the extractive form of the
SQuALITY authors' retrieve-then-summarize baseline (BART + DPR).
"""

from __future__ import annotations

from collections.abc import Sequence

from recsum.baselines.scoring import compose, document_sentences, word_budget
from recsum.errors import RecsumError
from recsum.length import Length
from recsum.summarizers.extractive import load_encoder


class RetrievalSystem:
    """Sentences ranked by their MiniLM similarity to each document's query."""

    def __init__(self, device: str = "cpu") -> None:
        self.encoder = load_encoder(device=device)
        self.name = "retrieval"

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None,
                            queries: Sequence[str | None] | None = None) -> list[str]:
        budget = word_budget(length)
        if queries is None or len(queries) != len(documents) or any(
                not (query or "").strip() for query in queries):
            raise RecsumError("the retrieval baseline needs a query for every document; run it "
                              "on query tasks (--tasks query)")
        summaries = []
        for sentences, query in zip(document_sentences(documents), queries, strict=True):
            *rows, (query_vector,) = self.encoder.encode([[s.text] for s in sentences]
                                                         + [[query]])
            similarity = [float(row[0] @ query_vector) for row in rows]
            summaries.append(compose(sentences, similarity, budget))
        return summaries
