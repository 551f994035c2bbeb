"""How central a sentence is to its document: PageRank on a graph of the sentences' shared words.

TextRank (Mihalcea & Tarau, 2004) weighs an edge by the words two sentences share, normalized by
the log of their lengths; LexRank (Erkan & Radev, 2004, continuous form) by the cosine of their
TF-IDF vectors. Words are counted as ROUGE tokenizes them (stemmed, lowercased). TextRank's graph
is built with one sparse matrix product and held dense; LexRank's is never built: its cosines
factor through the TF-IDF matrix, so each power iteration is two sparse products, and a document
of any length costs memory in proportion to its words. The TextRank and LexRank baselines rank
by these scores, and the default's fallback for unfamiliar documents adds LexRank's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse

from recsum.tokens import rouge_tokens

DAMPING = 0.85


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


def textrank_weights(counts: sparse.csr_matrix) -> np.ndarray:
    """TextRank's dense sentence-by-sentence edge weights, with a zero diagonal."""
    present = (counts > 0).astype(np.float64)
    shared = (present @ present.T).toarray()
    log_size = np.log(np.maximum(np.asarray(counts.sum(1)).ravel(), 1))
    denominator = log_size[:, None] + log_size[None, :]
    weights = np.divide(shared, denominator, out=np.zeros_like(shared), where=denominator > 0)
    np.fill_diagonal(weights, 0.0)
    return weights


def pagerank(weights: np.ndarray, damping: float = DAMPING, tolerance: float = 1e-8,
             max_iterations: int = 200) -> np.ndarray:
    """Stationary scores of the weighted graph; a sentence with no edges links to all."""
    count = weights.shape[0]
    out = weights.sum(1, keepdims=True)
    transition = np.where(out > 0, weights / np.where(out > 0, out, 1), 1.0 / count)
    return _stationary(lambda scores: transition.T @ scores, count, damping, tolerance,
                       max_iterations)


def lexrank(counts: sparse.csr_matrix, damping: float = DAMPING, tolerance: float = 1e-8,
            max_iterations: int = 200) -> np.ndarray:
    """LexRank's PageRank scores, as :func:`pagerank` gives them on the graph of TF-IDF cosines
    (zero diagonal), without building it: the graph is U Uᵀ less its diagonal, for U the
    unit-length TF-IDF rows."""
    count = counts.shape[0]
    frequency = np.asarray((counts > 0).sum(0)).ravel()
    idf = np.log(count / np.maximum(frequency, 1))
    tfidf = counts.multiply(idf[None, :]).tocsr()
    norms = np.sqrt(np.asarray(tfidf.multiply(tfidf).sum(1)).ravel())
    unit = sparse.diags(np.divide(1.0, norms, out=np.zeros(count), where=norms > 1e-12)) @ tfidf
    self_similarity = np.asarray(unit.multiply(unit).sum(1)).ravel()

    def edges(values: np.ndarray) -> np.ndarray:  # the graph times a vector
        return unit @ (unit.T @ values) - self_similarity * values

    out = edges(np.ones(count))
    linked = out > 1e-12

    def spread(scores: np.ndarray) -> np.ndarray:
        # A sentence with edges spreads its score along them, one without to every sentence.
        return (edges(np.divide(scores, out, out=np.zeros(count), where=linked))
                + scores[~linked].sum() / count)

    return _stationary(spread, count, damping, tolerance, max_iterations)


def _stationary(spread: Callable[[np.ndarray], np.ndarray], count: int, damping: float,
                tolerance: float, max_iterations: int) -> np.ndarray:
    """PageRank's power iteration: ``spread(scores)`` is what the graph hands on from
    ``scores``."""
    scores = np.full(count, 1.0 / count)
    for _ in range(max_iterations):
        updated = (1 - damping) / count + damping * spread(scores)
        if np.abs(updated - scores).sum() < tolerance:
            return updated
        scores = updated
    return scores


def standardized_log_lexrank(sentences: Sequence[str]) -> np.ndarray:
    """Each sentence's log LexRank score less the document's mean, over its standard deviation:
    how central it is against its own document's sentences (zeros for one sentence)."""
    if not sentences:
        return np.zeros(0)
    scores = np.log(lexrank(word_matrix(sentences)))
    return (scores - scores.mean()) / (scores.std() + 1e-6)
