"""ROUGE as the literature reports it: stemming, rougeLsum per sentence, best reference, 95% CI.

Predictions and references are put one sentence per line with the project's splitter (for
rougeLsum; the other types ignore line breaks), scored per document by the local evaluate
module ``recsum_rouge.py``, then averaged with a percentile bootstrap confidence interval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from recsum.errors import RecsumError, list_ids
from recsum.segment import split_sentences

ROUGE_TYPES = ("rouge1", "rouge2", "rougeL", "rougeLsum")
METRIC_PATH = Path(__file__).with_name("recsum_rouge.py")


@dataclass(frozen=True)
class Interval:
    """A mean over documents and its bootstrap confidence interval (None without resampling)."""

    mean: float
    low: float | None
    high: float | None

    def __str__(self) -> str:
        """As the reports print it: F1 × 100 and its interval, ``46.48 [45.08, 47.69]``."""
        if self.low is None:
            return f"{100 * self.mean:.2f}"
        return f"{100 * self.mean:.2f} [{100 * self.low:.2f}, {100 * self.high:.2f}]"


@dataclass(frozen=True)
class RougeScore:
    """One ROUGE type over a dataset: F1, and precision/recall when asked for."""

    f1: Interval
    precision: Interval | None = None
    recall: Interval | None = None


@dataclass(frozen=True)
class Evaluation:
    """Scores of one system: aggregates per ROUGE type, and F1 per document (in ``ids`` order)."""

    ids: tuple[str, ...]
    scores: Mapping[str, RougeScore]
    per_document: Mapping[str, tuple[float, ...]]
    bootstrap: int
    confidence: float

    def to_dict(self) -> dict:
        def interval(value: Interval | None) -> dict | None:
            return None if value is None else {"mean": value.mean, "low": value.low,
                                               "high": value.high}

        return {
            "documents": len(self.ids),
            "bootstrap": self.bootstrap,
            "confidence": self.confidence,
            "rouge": {name: {field: interval(getattr(score, field))
                             for field in ("f1", "precision", "recall")}
                      for name, score in self.scores.items()},
            "per_document": {"ids": list(self.ids),
                             **{name: list(values) for name, values in self.per_document.items()}},
        }


def sentence_lines(text: str) -> str:
    """``text`` with one sentence per line, as rougeLsum expects."""
    return "\n".join(sentence.text for sentence in split_sentences(text))


@lru_cache(maxsize=1)
def _metric():
    import evaluate

    return evaluate.load(str(METRIC_PATH))


def rouge_per_document(
    predictions: Sequence[str], references: Sequence[Sequence[str]],
    rouge_types: Sequence[str] = ROUGE_TYPES,
) -> dict[str, dict[str, np.ndarray]]:
    """Per-document precision/recall/F1 per ROUGE type, best reference each, texts split first."""
    if len(predictions) != len(references):
        raise RecsumError(f"{len(predictions)} predictions for {len(references)} reference sets")
    if not predictions:
        raise RecsumError("nothing to evaluate: no predictions")
    unknown = sorted(set(rouge_types) - set(ROUGE_TYPES))
    if unknown:
        raise RecsumError(f"unknown ROUGE type(s) {', '.join(unknown)}; "
                          f"use {', '.join(ROUGE_TYPES)}")
    result = _metric().compute(
        predictions=[sentence_lines(p) for p in predictions],
        references=[[sentence_lines(r) for r in refs] for refs in references],
        rouge_types=list(rouge_types), use_stemmer=True,
    )
    return {name: {field: np.asarray(values, dtype=np.float64) for field, values in fields.items()}
            for name, fields in result.items()}


def bootstrap_interval(values: np.ndarray, resamples: np.ndarray | None,
                       confidence: float = 0.95) -> Interval:
    """Mean of ``values``; percentile interval of its means over ``resamples`` (index rows)."""
    mean = float(values.mean())
    if resamples is None:
        return Interval(mean, None, None)
    means = values[resamples].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(mean, float(low), float(high))


def evaluate_summaries(ids: Sequence[str], predictions: Sequence[str],
                       references: Sequence[Sequence[str]], *, bootstrap: int = 1000,
                       seed: int = 0, confidence: float = 0.95,
                       precision_recall: bool = False) -> Evaluation:
    """ROUGE-1/2/L/Lsum of ``predictions`` with a ``confidence`` bootstrap CI over documents."""
    if bootstrap < 0:
        raise RecsumError(f"bootstrap resamples must be zero or more, got {bootstrap}")
    per_document = rouge_per_document(predictions, references)
    # One set of resamples for every type and field, so their intervals are paired.
    resamples = (np.random.default_rng(seed).integers(0, len(ids), size=(bootstrap, len(ids)))
                 if bootstrap else None)
    scores = {}
    for name, fields in per_document.items():
        extra = {field: bootstrap_interval(fields[field], resamples, confidence)
                 for field in ("precision", "recall")} if precision_recall else {}
        scores[name] = RougeScore(bootstrap_interval(fields["fmeasure"], resamples, confidence),
                                  **extra)
    f1 = {name: tuple(fields["fmeasure"].tolist()) for name, fields in per_document.items()}
    return Evaluation(tuple(ids), scores, f1, bootstrap, confidence)


def align_predictions(predictions: Mapping[str, str], reference_ids: Sequence[str],
                      source: str = "predictions") -> list[str]:
    """Predictions in the order of ``reference_ids``; any id on one side only is an error."""
    expected = set(reference_ids)
    extra = [i for i in predictions if i not in expected]
    missing = [i for i in reference_ids if i not in predictions]
    if extra or missing:
        parts = []
        if extra:
            parts.append(f"{len(extra)} id(s) not in the references ({list_ids(extra)})")
        if missing:
            parts.append(f"{len(missing)} reference id(s) without a prediction "
                         f"({list_ids(missing)})")
        raise RecsumError(f"{source} do not match the references: {'; '.join(parts)}; check "
                          "--references, --limit and --id-field, or finish the batch run")
    return [predictions[i] for i in reference_ids]

