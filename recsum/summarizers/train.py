"""Training the default's part scorer (``recsum train part``) with the recipe of
:mod:`recsum.training`.

MiniLM reads every training document in chunks, as the reducer will; each unit's vector and
features are computed once (the costly part: about 10 minutes for SQuALITY train and QMSum train
on 2 CPU cores), then the scorer learns graded oracle labels. The settings below were chosen by
5-fold cross-validation on the training sets (``RESULTS.md`` gives the figures and commands).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import torch

from recsum.chunk import ChunkedDocument, chunk_sentences, fit_sentences
from recsum.clean import readable_sentences
from recsum.config import WINDOW_TOKENS
from recsum.evaluation.data import Record
from recsum.oracle import graded_oracle_labels
from recsum.segment import Sentence
from recsum.summarizers.encoder import ChunkEncoder
from recsum.summarizers.extractive import ExtractiveSummarizer, load_encoder
from recsum.summarizers.scorer import PartScorer, ScorerConfig
from recsum.training import (
    CHECKPOINTS,
    Example,
    TrainingLog,
    TrainingSettings,
    finish_checkpoint,
    make_examples,
    seed_everything,
    train_model,
)

# Chosen by cross-validation on the training sets (see the module docstring).
PART_TRAINING = TrainingSettings(epochs=12, patience=12, learning_rate=3e-3, weight_decay=1e-4,
                                 loss="listwise")
# Weight of the sentences the oracle adds at twice the references' length.
SECOND_CHOICE = 0.5


class Scoring(torch.nn.Module):
    """The scorer called the way the training loop calls a model: ``model(features)``."""

    def __init__(self, scorer: PartScorer) -> None:
        super().__init__()
        self.scorer = scorer

    def forward(self, features: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        return self.scorer(*features)


def part_examples(reader: ExtractiveSummarizer, records: Sequence[Record], *,
                  progress: bool = True, desc: str = "features") -> list[Example]:
    """Each record read as the reducer reads it, with graded oracle labels of its units."""

    def units_of(text: str) -> list[Sentence]:
        return fit_sentences(readable_sentences(text), reader.tokens, reader.input_budget)[0]

    def featurize(text: str, units: list[Sentence]):
        chunks = chunk_sentences(units, reader.tokens, reader.input_budget)
        ((vectors, features),) = reader.read([ChunkedDocument(units, chunks, len(text))])
        return (torch.from_numpy(vectors), torch.from_numpy(features)), len(units)

    return make_examples(records, featurize, progress, desc, sentences_of=units_of,
                         labeller=partial(graded_oracle_labels, weight=SECOND_CHOICE))


def train_part_scorer(train_records: Sequence[Record], dev_records: Sequence[Record],
                      output: str | Path, settings: TrainingSettings | None = None,
                      config: ScorerConfig | None = None, *,
                      encoder: ChunkEncoder | None = None) -> TrainingLog:
    """Train a part scorer on ``encoder``'s reading of ``train_records`` (by default the
    embedded MiniLM's) and save it to ``output``."""
    settings = settings or PART_TRAINING
    encoder = encoder or load_encoder()
    config = config or ScorerConfig(vector_size=encoder.hidden_size)
    seed_everything(settings.seed)
    reader = ExtractiveSummarizer(encoder, PartScorer(config),
                                  input_budget=min(encoder.max_tokens, WINDOW_TOKENS))
    train = part_examples(reader, train_records, progress=settings.progress,
                          desc="train: MiniLM reads")
    dev = part_examples(reader, dev_records, progress=settings.progress, desc="dev: MiniLM reads")
    seed_everything(settings.seed)
    scorer = PartScorer(config)
    log = train_model(Scoring(scorer), train, dev, settings, Path(output) / CHECKPOINTS)
    provenance = {**config.provenance, "training": asdict(settings) | {"progress": None},
                  "second_choice_weight": SECOND_CHOICE, "train_documents": len(train),
                  "validation_documents": len(dev), "epochs": len(log.train_loss),
                  "best_epoch": log.best_epoch, "train_loss": log.train_loss}
    scorer.config = replace(config, provenance=provenance)
    scorer.eval().save_pretrained(output)
    finish_checkpoint(output)
    return log
