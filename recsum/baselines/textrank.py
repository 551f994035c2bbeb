"""TextRank and LexRank: sentences ranked by PageRank centrality on a sentence-similarity graph.

TextRank (Mihalcea & Tarau, 2004) weighs an edge by the words two sentences share, normalized by
the log of their lengths; LexRank (Erkan & Radev, 2004, continuous form) by the cosine of their
TF-IDF vectors. Both graphs are built with one sparse matrix product over the document's
word-count matrix and ranked by power iteration; no pairwise Python loops.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from recsum.baselines.scoring import ExtractiveSystem
from recsum.errors import RecsumError
from recsum.oracle import rouge_tokens
from recsum.segment import Sentence

METHODS = ("textrank", "lexrank")


def word_matrix(sentences: Sequence[str]) -> sparse.csr_matrix:
    """Sentences x vocabulary counts of stemmed, lowercased words."""
    vocabulary: dict[str, int] = {}
    rows, columns = [], []
    for row, sentence in enumerate(sentences):
        for token in rouge_tokens(sentence):
            rows.append(row)
            columns.append(vocabulary.setdefault(token, len(vocabulary)))
    data = np.ones(len(rows), dtype=np.float64)
    shape = (len(sentences), max(len(vocabulary), 1))
    return sparse.csr_matrix((data, (rows, columns)), shape=shape)


def similarity(counts: sparse.csr_matrix, method: str = "textrank") -> np.ndarray:
    """Dense sentence-by-sentence edge weights with a zero diagonal."""
    if method == "textrank":
        present = (counts > 0).astype(np.float64)
        shared = (present @ present.T).toarray()
        log_size = np.log(np.maximum(np.asarray(counts.sum(1)).ravel(), 1))
        denominator = log_size[:, None] + log_size[None, :]
        weights = np.divide(shared, denominator, out=np.zeros_like(shared), where=denominator > 0)
    elif method == "lexrank":
        frequency = np.asarray((counts > 0).sum(0)).ravel()
        idf = np.log(counts.shape[0] / np.maximum(frequency, 1))
        tfidf = counts.multiply(idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(1)).ravel())
        weights = (tfidf @ tfidf.T).toarray() / np.maximum(np.outer(norms, norms), 1e-12)
    else:
        _check_method(method)
    np.fill_diagonal(weights, 0.0)
    return weights


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise RecsumError(f"unknown TextRank method {method!r}; use one of {', '.join(METHODS)}")


def pagerank(weights: np.ndarray, damping: float = 0.85, tolerance: float = 1e-8,
             max_iterations: int = 200) -> np.ndarray:
    """Stationary scores of the weighted graph; a sentence with no edges links to all."""
    count = weights.shape[0]
    out = weights.sum(1, keepdims=True)
    transition = np.where(out > 0, weights / np.where(out > 0, out, 1), 1.0 / count)
    scores = np.full(count, 1.0 / count)
    for _ in range(max_iterations):
        updated = (1 - damping) / count + damping * (transition.T @ scores)
        if np.abs(updated - scores).sum() < tolerance:
            return updated
        scores = updated
    return scores


class TextRankSystem(ExtractiveSystem):
    """Keeps the most central sentences of the whole document (``method``: textrank or lexrank)."""

    def __init__(self, method: str = "textrank", damping: float = 0.85) -> None:
        _check_method(method)
        if not 0 < damping < 1:
            raise RecsumError(f"damping must be between 0 and 1, got {damping}")
        self.method = method
        self.damping = damping
        self.name = method

    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        weights = similarity(word_matrix([s.text for s in sentences]), self.method)
        return pagerank(weights, self.damping)
