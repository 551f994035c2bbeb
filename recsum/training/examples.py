"""What a model learns from: training records, the hold-out, and each document's oracle labels
and features.

Every training document's sentences are labelled by the greedy ROUGE oracle
(:func:`recsum.oracle.oracle_labels`, the budget being the mean length of its references).
Validation documents come from the training data (``holdout``), never from the evaluation
splits. Features are computed once per document (the costly part for models that read text with
a Transformer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.evaluation.data import ADAPTERS, DatasetSpec, load_records
from recsum.length import count_words
from recsum.oracle import oracle_labels
from recsum.progress import progress_bar
from recsum.records import Record
from recsum.segment import Sentence


@dataclass
class Example:
    """One training document: its features for the model and the oracle's sentence labels."""

    features: Any
    labels: torch.Tensor


def load_datasets(sources: Sequence[str], limit: int | None = None,
                  tasks: str = "generic") -> list[Record]:
    """Records of every ``ADAPTER:PATH`` source (for example ``squality:data/train.jsonl``):
    the generic summaries, the query-focused ones, or all (``tasks``)."""
    records: list[Record] = []
    for source in sources:
        adapter, separator, path = source.partition(":")
        if not separator or not path:
            raise RecsumError(f"dataset {source!r} must be ADAPTER:PATH, for example "
                              "squality:squality/train.jsonl")
        if adapter in ADAPTERS and not ADAPTERS[adapter].trainable:
            raise RecsumError(f"{adapter} is for evaluation only ({ADAPTERS[adapter].source}): "
                              "train on other datasets")
        records.extend(load_records(DatasetSpec(path, adapter=adapter, limit=limit,
                                                tasks=tasks)))
    return records


def holdout_split(records: Sequence[Record], fraction: float,
                  seed: int = 0) -> tuple[list[Record], list[Record]]:
    """``records`` split into training and validation documents: a seeded random ``fraction``
    of them validates, by position (ids may repeat across datasets)."""
    if not 0 <= fraction < 1:
        raise RecsumError(f"holdout must be at least 0 and below 1, got {fraction}")
    order = np.random.default_rng(seed).permutation(len(records))
    validation = set(order[: round(fraction * len(records))].tolist())
    return ([r for i, r in enumerate(records) if i not in validation],
            [r for i, r in enumerate(records) if i in validation])


Labeller = Callable[[Sequence[str], Sequence[str], int], np.ndarray]


def label_records(records: Sequence[Record], progress: bool = True, *,
                  sentences_of: Callable[[str], list[Sentence]] = readable_sentences,
                  labeller: Labeller = oracle_labels,
                  ) -> list[tuple[Record, list[Sentence], np.ndarray]]:
    """Each record with its sentences and their labels: by default the greedy oracle's, at the
    mean length of the record's references."""
    labelled = []
    for record in progress_bar(records, desc="oracle labels", unit="doc",
                               enabled=progress):
        sentences = sentences_of(record.document)
        if not sentences:
            raise RecsumError(f"document {record.id!r} is empty (no text after whitespace)")
        budget = round(float(np.mean([count_words(r) for r in record.references])))
        labels = labeller([s.text for s in sentences], record.references, max(budget, 1))
        labelled.append((record, sentences, labels))
    return labelled


def make_examples(records: Sequence[Record], featurize: Callable[[str, list[Sentence]], Any],
                  progress: bool = True, desc: str = "features", **labelling: Any
                  ) -> list[Example]:
    """Features and labels per record (``labelling``: see :func:`label_records`).

    ``featurize(text, sentences)`` returns the features and how many leading sentences they
    cover (BigBird reads at most its cap of tokens); labels are cut to match.
    """
    examples = []
    for record, sentences, labels in progress_bar(label_records(records, progress, **labelling),
                                                  desc=desc, unit="doc", enabled=progress):
        features, count = featurize(record.document, sentences)
        if count:
            examples.append(Example(features, torch.from_numpy(labels[:count])))
    return examples
