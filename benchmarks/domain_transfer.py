"""How the part scorer serves a domain it was not trained on, by what it reads of a sentence.

Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/domain_transfer.py --data ../shared/data \\
        [--seeds 0,1,2] [--limit N] [--epochs N]

The shipped scorer reads each sentence's MiniLM vector and its cheap features
(:mod:`recsum.summarizers.features`). Three readings are compared, each trained as the shipped
scorer is (12 epochs, listwise; ``--epochs`` shortens it for a smoke run):

- **as shipped**: the vector and the features;
- **standardized**: the same, and every feature again, standardized within its document (less
  the document's mean, over its standard deviation), so that "long" or "central" is measured
  against the document's own sentences, whatever the domain's;
- **features only**: no vector.

For each, leave one training dataset out (SQuALITY, QMSum, ScisummNet train: stories, meetings,
papers): trained on the other two, the recursive reducer summarizes the held-out one at its
references' mean length, as ``recsum train part --cross-validate datasets`` does. Then, trained
on all three, it summarizes the dev sets at their pipelines' budgets (SQuALITY dev 400 words,
QMSum val 110, ScisummNet dev 150) and ECTSum val (45 words; GPL-3.0, evaluation only, never
trained on). MiniLM reads every document once, in float32, as training reads; a cell with several
``--seeds`` is the mean of the scorers trained with each. Prints ROUGE-1 / ROUGE-2 / ROUGE-Lsum
F1 × 100 (best reference, stemmed) as a Markdown table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from recsum.config import WINDOW_TOKENS
from recsum.evaluation.data import DatasetSpec, load_records
from recsum.evaluation.rouge import rouge_per_document
from recsum.length import Length
from recsum.records import Record
from recsum.summarizers.extractive import ExtractiveSummarizer
from recsum.summarizers.features import FEATURES
from recsum.summarizers.scorer import PartScorerConfig
from recsum.training.cross_validation import mean_reference_words, summaries_from_logits
from recsum.training.examples import Example
from recsum.training.loop import TrainingSettings, seed_everything, train_model
from recsum.training.part import PART_TRAINING, Scoring, part_examples, reader_of, reading_encoder

# Held out in turn: (domain, adapter, split).
TRAINING = (("stories", "squality", "train"), ("meetings", "qmsum", "train"),
            ("papers", "scisummnet", "train"))
# Scored by the scorer trained on all three: (name, adapter, split, words), at the pipelines'
# budgets (pipelines/compare-*.toml, scisummnet-dev.toml, ectsum-val.toml).
EVALUATION = (("SQuALITY dev", "squality", "dev", 400), ("QMSum val", "qmsum", "val", 110),
              ("ScisummNet dev", "scisummnet", "dev", 150), ("ECTSum val", "ectsum", "val", 45))
SCORES = ("rouge1", "rouge2", "rougeLsum")


@dataclass(frozen=True)
class Reading:
    """What a scorer reads of a document's sentences, from their vectors and features."""

    name: str
    inputs: Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]
    config: Callable[[PartScorerConfig], PartScorerConfig]


def _standardized(features: torch.Tensor) -> torch.Tensor:
    return (features - features.mean(0)) / (features.std(0, correction=0) + 1e-6)


READINGS = (
    Reading("as shipped", lambda vectors, features: (vectors, features), lambda config: config),
    Reading("standardized",
            lambda vectors, features: (vectors, torch.cat([features, _standardized(features)], 1)),
            lambda config: replace(config, features=FEATURES + tuple(
                f"{name} (standardized)" for name in FEATURES))),
    Reading("features only", lambda vectors, features: (vectors[:, :0], features),
            lambda config: replace(config, vector_size=0)),
)


@dataclass
class Dataset:
    name: str
    records: list[Record]
    examples: list[Example]
    words: int


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--seeds", default="0", help="comma-separated training seeds")
    parser.add_argument("--limit", type=int, default=None, help="documents per dataset")
    parser.add_argument("--epochs", type=int, default=PART_TRAINING.epochs)
    args = parser.parse_args()
    encoder, config = reading_encoder(None, None)
    reader = reader_of(encoder, config, min(encoder.max_tokens, WINDOW_TOKENS))

    def read(name: str, adapter: str, split: str, words: int | None = None) -> Dataset:
        records = load_records(DatasetSpec(str(args.data / adapter / f"{split}.jsonl"),
                                           adapter=adapter, limit=args.limit))
        return Dataset(name, records, part_examples(reader, records, desc=name),
                       words or mean_reference_words(records))

    training = [read(*dataset) for dataset in TRAINING]
    evaluation = [read(*dataset) for dataset in EVALUATION]
    settings = replace(PART_TRAINING, epochs=args.epochs, patience=args.epochs, progress=False)
    seeds = [int(seed) for seed in args.seeds.split(",")]
    header = ([f"unseen {d.name} ({d.words})" for d in training]
              + [f"{d.name} ({d.words})" for d in evaluation])
    print(f"ROUGE-1 / ROUGE-2 / ROUGE-Lsum F1 × 100 (budget in words), seeds {args.seeds}")
    print()
    print("| reading | " + " | ".join(header) + " |")
    print("|---" * (len(header) + 1) + "|", flush=True)
    for reading in READINGS:
        def scored(train: list[Dataset], test: Dataset, reading: Reading = reading) -> str:
            per_seed = [_scores(reading, train, test, replace(settings, seed=seed), reader,
                                config) for seed in seeds]
            return " / ".join(f"{value:.2f}" for value in np.mean(per_seed, axis=0))

        cells = ([scored([d for d in training if d is not held], held) for held in training]
                 + [scored(training, dataset) for dataset in evaluation])
        print(f"| {reading.name} | " + " | ".join(cells) + " |", flush=True)


def _scores(reading: Reading, train: list[Dataset], test: Dataset, settings: TrainingSettings,
            reader: ExtractiveSummarizer, config: PartScorerConfig) -> list[float]:
    """ROUGE of ``test``'s summaries by a scorer of ``reading`` trained on ``train``."""
    seed_everything(settings.seed)
    network = Scoring(reading.config(config))
    train_model(network, [_read(reading, e) for d in train for e in d.examples], [], settings)
    scorer = network.scorer()
    logits = [scorer.rate(*(part.numpy() for part in _read(reading, e).features))
              for e in test.examples]
    summaries = summaries_from_logits(reader, test.records, logits, Length(test.words), config)
    rouge = rouge_per_document(summaries, [r.references for r in test.records])
    return [100 * float(rouge[name]["fmeasure"].mean()) for name in SCORES]


def _read(reading: Reading, example: Example) -> Example:
    return Example(reading.inputs(*example.features), example.labels)


if __name__ == "__main__":
    main()
