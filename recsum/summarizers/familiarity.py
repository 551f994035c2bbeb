"""Documents unlike those the scorer learned from: how they are told apart, and what rates them.

The part scorer reads MiniLM's sentence vectors, which carry their domain: on a domain it never
saw it can serve worse than TextRank (RESULTS.md, "What the scorer reads, and a domain it has not
seen"). Its *fallback* is two scorers trained on the same data that read the features
standardized within the document, one with the vectors and one without; their mean logit, plus
``centrality_weight`` times the sentence's LexRank centrality standardized within the document
(:mod:`recsum.centrality`: what TextRank-like peers lean on, whatever the domain), rates a
document that is unfamiliar: one whose centroid (the mean of its unit sentence vectors) has a
cosine below ``familiar_cosine`` to every training document's. A familiar document is rated by
the scorer alone, as before. The vectors depend on the chunks they were read in, so only a
document read in chunks of the training documents' budget (``read_tokens``) is compared; one read
in other chunks (``chunk_tokens`` 128, say) is rated by the scorer alone.

A scorer folder with a fallback holds it in its subfolder ``unfamiliar``: ``config.json`` and
``model.safetensors`` (the training documents' centroids, float16), and one scorer folder per
reading. :func:`load_scorer` loads a folder, gated when it has one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from recsum.centrality import standardized_log_lexrank
from recsum.config import WINDOW_TOKENS
from recsum.errors import RecsumError
from recsum.summarizers.scorer import (
    CONFIG_FILE,
    WEIGHTS_FILE,
    PartScorer,
    PartScorerConfig,
    shipped_scorer_path,
)
from recsum.weights import check_weights, save_model

FALLBACK_FOLDER = "unfamiliar"
MODEL_TYPE = "recsum-fallback"
CENTROIDS = "centroids"
# What each of the fallback's scorers reads, by its folder's name.
FALLBACK_READINGS = {"standardized": {"standardized": True},
                     "features-only": {"standardized": True, "vector_size": 0}}
# Set on the training sets alone (RESULTS.md, "What the scorer reads"): a held-out domain's
# documents have at most 0.945 to the other domains', while 95% of the documents have 0.973 or
# more to another of their own domain.
FAMILIAR_COSINE = 0.955
# Chosen by the mean ROUGE-1 over the training datasets, each left out in turn (RESULTS.md,
# "What the scorer reads"); a fallback saved before it had none (0).
CENTRALITY_WEIGHT = 0.5


def centroid(vectors: np.ndarray) -> np.ndarray:
    """The unit mean of a document's (unit) sentence vectors."""
    mean = np.asarray(vectors, dtype=np.float32).mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)


@dataclass
class Fallback:
    """The scorers of unfamiliar documents, and the training documents' centroids that tell
    which documents are."""

    centroids: np.ndarray  # (training documents, width), unit rows
    scorers: Sequence[PartScorer]
    familiar_cosine: float = FAMILIAR_COSINE
    provenance: dict = field(default_factory=dict)
    read_tokens: int = WINDOW_TOKENS  # the chunk budget the training documents were read in
    centrality_weight: float = CENTRALITY_WEIGHT

    def is_familiar(self, vectors: np.ndarray) -> bool:
        """Whether a document of these sentence vectors is like a training document."""
        if not len(vectors):
            return True
        return float((self.centroids @ centroid(vectors)).max()) >= self.familiar_cosine

    def rate(self, vectors: np.ndarray, features: np.ndarray, texts: Sequence[str]
             ) -> np.ndarray:
        """The mean of the fallback scorers' logits, plus the weighted centrality of each of
        the sentences ``texts``."""
        logits = np.mean([scorer.rate(vectors, features) for scorer in self.scorers], axis=0)
        if self.centrality_weight:
            logits = logits + self.centrality_weight * standardized_log_lexrank(texts)
        return logits

    def save_pretrained(self, folder: str | Path, names: Sequence[str]) -> None:
        """Save each scorer under its name, then the centroids and config beside them."""
        folder = Path(folder)
        for name, scorer in zip(names, self.scorers, strict=True):
            scorer.save_pretrained(folder / name)
        config = {"model_type": MODEL_TYPE, "familiar_cosine": self.familiar_cosine,
                  "read_tokens": self.read_tokens, "centrality_weight": self.centrality_weight,
                  "scorers": list(names),
                  "provenance": self.provenance}
        save_model(folder, config, {CENTROIDS: self.centroids.astype(np.float16)},
                   metadata={"model_type": MODEL_TYPE})

    @classmethod
    def from_pretrained(cls, folder: str | Path) -> Fallback:
        from safetensors.numpy import load_file

        folder = Path(folder)
        fix = ("reinstall recsum, or retrain the scorer folder with `recsum train part "
               "--fallback`")
        try:
            config = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
            if config.get("model_type") != MODEL_TYPE:
                raise ValueError(f"model_type is not {MODEL_TYPE!r}")
            names, cosine = list(config["scorers"]), float(config["familiar_cosine"])
            read_tokens = int(config.get("read_tokens", WINDOW_TOKENS))
            centrality_weight = float(config.get("centrality_weight", 0.0))
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise RecsumError(f"fallback config {folder / CONFIG_FILE} is missing or damaged "
                              f"({error}); {fix}") from None
        check_weights(folder / WEIGHTS_FILE, what="fallback centroids", fix=fix, config=config)
        centroids = load_file(str(folder / WEIGHTS_FILE)).get(CENTROIDS)
        if centroids is None or centroids.ndim != 2:
            raise RecsumError(f"fallback centroids {folder / WEIGHTS_FILE} hold no "
                              f"(documents, width) {CENTROIDS!r}; {fix}")
        scorers = [PartScorer.from_pretrained(folder / name) for name in names]
        return cls(centroids.astype(np.float32), scorers, cosine, config.get("provenance", {}),
                   read_tokens, centrality_weight)


class GatedScorer:
    """``rate(vectors, features, texts)``: the familiar scorer's logits for a document like its
    training documents, else the fallback's. Its config is the familiar scorer's."""

    def __init__(self, familiar: PartScorer, fallback: Fallback, where: str | Path = "") -> None:
        width = familiar.config.vector_size
        for scorer in fallback.scorers:
            if (scorer.config.vector_size not in (0, width)
                    or scorer.config.encoder_layers != familiar.config.encoder_layers):
                raise RecsumError(f"the fallback in {where} reads another encoder's vectors "
                                  "than the scorer it falls back from; retrain both with "
                                  "`recsum train part --fallback`")
        if fallback.centroids.shape[1] != width:
            raise RecsumError(f"the fallback centroids in {where} are {fallback.centroids.shape[1]}"
                              f" wide, the scorer's vectors {width}; retrain both with `recsum "
                              "train part --fallback`")
        self.familiar = familiar
        self.fallback = fallback

    @property
    def config(self) -> PartScorerConfig:
        return self.familiar.config

    def for_reading(self, budget: int | None) -> PartScorer | GatedScorer:
        """This gate for a document read in chunks of ``budget`` tokens (None: not said), the
        familiar scorer alone if the training documents were read in other chunks."""
        return self if budget in (None, self.fallback.read_tokens) else self.familiar

    def rate(self, vectors: np.ndarray, features: np.ndarray, texts: Sequence[str]
             ) -> np.ndarray:
        if self.fallback.is_familiar(vectors):
            return self.familiar.rate(vectors, features)
        return self.fallback.rate(vectors, features, texts)


def load_scorer(directory: str | Path | None = None) -> PartScorer | GatedScorer:
    """A generic scorer folder (by default the shipped one), gated when it holds a fallback."""
    scorer = PartScorer.from_pretrained(directory)
    folder = (Path(directory) if directory is not None else shipped_scorer_path()
              ) / FALLBACK_FOLDER
    if not folder.exists():
        return scorer
    return GatedScorer(scorer, Fallback.from_pretrained(folder), folder)
