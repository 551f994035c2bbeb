"""The lead baseline: the document's first sentences, up to the word budget."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from recsum.baselines.scoring import ExtractiveSystem
from recsum.segment import Sentence


class LeadSystem(ExtractiveSystem):
    """Earlier sentences score higher; a sentence too long for what is left is skipped."""

    def __init__(self) -> None:
        self.name = "lead"

    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        return -np.arange(len(sentences), dtype=np.float64)
