"""Evaluation metrics: ROUGE (a local ``evaluate`` module) with literature settings and CIs."""

from recsum.metrics.scoring import (
    ROUGE_TYPES,
    Evaluation,
    Interval,
    RougeScore,
    align_predictions,
    bootstrap_interval,
    evaluate_summaries,
    rouge_per_document,
    sentence_lines,
)

__all__ = [
    "ROUGE_TYPES",
    "Evaluation",
    "Interval",
    "RougeScore",
    "align_predictions",
    "bootstrap_interval",
    "evaluate_summaries",
    "rouge_per_document",
    "sentence_lines",
]
