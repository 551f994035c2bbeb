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
        scores = np.full(len(sentences), -np.inf)
        scores[greedy_oracle([s.text for s in sentences], references, budget)] = 1.0
        return scores
