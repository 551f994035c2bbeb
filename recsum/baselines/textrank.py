"""TextRank and LexRank: sentences ranked by PageRank centrality on a sentence-similarity graph.

The graphs and their ranking are :mod:`recsum.centrality`'s; this module makes them a
whole-document extractive system.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recsum.baselines.scoring import ExtractiveSystem
from recsum.centrality import DAMPING, lexrank, pagerank, textrank_weights, word_matrix
from recsum.errors import RecsumError
from recsum.segment import Sentence

METHODS = ("textrank", "lexrank")


class TextRankSystem(ExtractiveSystem):
    """Keeps the most central sentences of the whole document (``method``: textrank or lexrank)."""

    def __init__(self, method: str = "textrank", damping: float = DAMPING) -> None:
        if method not in METHODS:
            raise RecsumError(f"unknown TextRank method {method!r}; use one of "
                              f"{', '.join(METHODS)}")
        if not 0 < damping < 1:
            raise RecsumError(f"damping must be between 0 and 1, got {damping}")
        self.method = method
        self.damping = damping
        self.name = method

    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        counts = word_matrix([s.text for s in sentences])
        if self.method == "lexrank":
            return lexrank(counts, self.damping)
        return pagerank(textrank_weights(counts), self.damping)
