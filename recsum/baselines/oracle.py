"""The greedy ROUGE oracle as a system: it reads the references, so it is an upper bound only."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recsum.baselines.scoring import ExtractiveSystem
from recsum.errors import RecsumError
from recsum.oracle import greedy_oracle
from recsum.segment import Sentence


class OracleSystem(ExtractiveSystem):
    """The greedy ROUGE oracle as a system: needs the references, so it is an upper bound only."""

    def __init__(self) -> None:
        self.name = "oracle"

    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        if not references:
            raise RecsumError("the oracle system needs reference summaries for every document "
                              "(it is an upper bound); run it on a dataset with references")
        picked = greedy_oracle([s.text for s in sentences], references, budget)
        scores = np.full(len(sentences), -np.inf)
        # Earlier picks rank higher, so they are kept first if anything had to give.
        scores[picked] = np.arange(len(picked), 0, -1, dtype=np.float64)
        return scores
