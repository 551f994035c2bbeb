"""How the part scorer serves a domain it was not trained on, by what it reads of a sentence.

Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/domain_transfer.py --data ../shared/data \\
        [--seeds 0,1] [--limit N] [--epochs N] [--centrality-weights 0,0.25,0.5,1]

The shipped scorer reads each sentence's MiniLM vector and its cheap features
(:mod:`recsum.summarizers.features`); its fallback (:mod:`recsum.summarizers.familiarity`) two
more readings. Each is trained as ``recsum train part --fallback`` trains it (12 epochs,
listwise; ``--epochs`` shortens it for a smoke run):

- **as shipped**: the vector and the features;
- **standardized**: the same, and every feature again, standardized within its document (less
  the document's mean, over its standard deviation), so that "long" or "central" is measured
  against the document's own sentences, whatever the domain's;
- **features only**: the features and their standardized copies, no vector;

and mixtures of their logits:

- **standardized + features only**: the mean of the two, plus ``w`` times each sentence's
  LexRank centrality standardized within the document (:mod:`recsum.centrality`), for each
  weight ``w`` of ``--centrality-weights`` (the fallback: ``CENTRALITY_WEIGHT``);
- **gated**: as shipped for a familiar document, the fallback for an unfamiliar one (the
  default): a document is familiar when the centroid of its sentence vectors has a cosine of at
  least ``FAMILIAR_COSINE`` to some training document's.

For each, leave one training dataset out (SQuALITY, QMSum, ScisummNet train: stories, meetings,
papers): trained on the other two, the recursive reducer summarizes the held-out one at its
references' mean length, as ``recsum train part --cross-validate datasets [--fallback]`` does.
Then, trained on all three, it summarizes the dev sets at their pipelines' budgets (SQuALITY dev
400 words, QMSum val 110, ScisummNet dev 150) and ECTSum val (45 words; GPL-3.0, evaluation
only, never trained on). MiniLM reads every document once, in float32, as training reads; a cell
with several ``--seeds`` is the mean over the scorers trained with each. Prints ROUGE-1 / ROUGE-2
/ ROUGE-Lsum F1 × 100 (best reference, stemmed) as a Markdown table, with the mean ROUGE-1 over
the held-out training domains (what chose the fallback's weights).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from recsum.config import WINDOW_TOKENS
from recsum.evaluation.data import DatasetSpec, load_records
from recsum.evaluation.rouge import rouge_per_document
from recsum.length import Length
from recsum.records import Record
from recsum.summarizers.familiarity import CENTRALITY_WEIGHT, GatedScorer
from recsum.training.cross_validation import mean_reference_words, summaries_from_logits
from recsum.training.examples import Example
from recsum.training.part import (
    PART_TRAINING,
    part_examples,
    reader_of,
    reading_encoder,
    trained_fallback,
    trained_scorer,
    units_read_by,
)

# Held out in turn: (domain, adapter, split).
TRAINING = (("stories", "squality", "train"), ("meetings", "qmsum", "train"),
            ("papers", "scisummnet", "train"))
# Scored by the scorer trained on all three: (name, adapter, split, words), at the pipelines'
# budgets (pipelines/compare-*.toml, scisummnet-dev.toml, ectsum-val.toml).
EVALUATION = (("SQuALITY dev", "squality", "dev", 400), ("QMSum val", "qmsum", "val", 110),
              ("ScisummNet dev", "scisummnet", "dev", 150), ("ECTSum val", "ectsum", "val", 45))
SCORES = ("rouge1", "rouge2", "rougeLsum")


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
    parser.add_argument("--centrality-weights", default=f"0,0.25,{CENTRALITY_WEIGHT},1",
                        help="comma-separated weights of the fallback's centrality")
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
    # Each test set with the fold its scorers learn from: a held-out domain with the other two,
    # the evaluation sets with all three.
    folds = {held.name: [d for d in training if d is not held] for held in training}
    folds["all"] = training
    tests = [(held, held.name) for held in training] + [(d, "all") for d in evaluation]
    weights = [float(weight) for weight in args.centrality_weights.split(",")]
    rows = ["as shipped", "standardized", "features only",
            *(f"standardized + features only + {weight:g} × centrality" for weight in weights),
            f"gated: as shipped if familiar, else the fallback ({CENTRALITY_WEIGHT:g})"]
    scores = [[[] for _ in tests] for _ in rows]  # per row, per test, per seed: ROUGE
    familiar_counts = {}  # per test set: its familiar documents, of all
    for seed in (int(seed) for seed in args.seeds.split(",")):
        seeded = replace(settings, seed=seed)
        raters = {}  # per fold: a scorer per row
        for fold, train in folds.items():
            examples = [e for d in train for e in d.examples]
            shipped, _ = trained_scorer(config, examples, [], seeded)
            fallback = trained_fallback(config, examples, [], seeded)
            raters[fold] = [shipped, *fallback.scorers,
                            *(replace(fallback, centrality_weight=weight) for weight in weights),
                            GatedScorer(shipped, fallback)]
        for column, (test, fold) in enumerate(tests):
            readings = [(*(part.numpy() for part in e.features),
                         [unit.text for unit in units_read_by(reader, r.document)])
                        for e, r in zip(test.examples, test.records, strict=True)]
            familiar = [raters[fold][-1].fallback.is_familiar(vectors)
                        for vectors, *_ in readings]
            familiar_counts[test.name] = f"{sum(familiar)}/{len(familiar)}"
            for row, rater in enumerate(raters[fold]):
                rouge = rouge_per_document(
                    summaries_from_logits(reader, test.records,
                                          [rater.rate(*reading) for reading in readings],
                                          Length(test.words), config),
                    [r.references for r in test.records])
                scores[row][column].append([100 * float(rouge[name]["fmeasure"].mean())
                                            for name in SCORES])
    header = ([f"unseen {d.name} ({d.words})" for d, _ in tests[: len(training)]]
              + [f"{d.name} ({d.words})" for d, _ in tests[len(training):]])
    print(f"ROUGE-1 / ROUGE-2 / ROUGE-Lsum F1 × 100 (budget in words), seeds {args.seeds}")
    print()
    print("| reading | " + " | ".join(header) + " |")
    print("|---" * (len(header) + 1) + "|")
    for name, per_test in zip(rows, scores, strict=True):
        cells = [" / ".join(f"{value:.2f}" for value in np.mean(per_seed, axis=0))
                 for per_seed in per_test]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print()
    unseen = [np.mean([np.mean(per_seed, axis=0)[0] for per_seed in per_test[: len(training)]])
              for per_test in scores]
    print("Mean ROUGE-1 over the held-out training domains: "
          + ", ".join(f"{name} {value:.2f}" for name, value in zip(rows, unseen, strict=True)))
    print()
    print("Familiar documents: " + ", ".join(f"{name} {count}"
                                             for name, count in familiar_counts.items()))


if __name__ == "__main__":
    main()
