"""Training the default's part scorer (``recsum train part``) with the shared training loop.

MiniLM reads every training document in chunks, as the reducer will, through the scorer's
``encoder_layers``; each unit's vector and features are computed once (the costly part: the
whole of ``recsum train part`` took 5 minutes for SQuALITY train and QMSum train on 2 CPU cores
at 3 layers, about 10 at all 6), then the scorer learns graded oracle labels. The settings
below were chosen by 5-fold cross-validation on the training sets (``RESULTS.md`` gives the
figures and commands).
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import asdict, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch

from recsum.chunk import ChunkedDocument, chunk_sentences
from recsum.config import WINDOW_TOKENS
from recsum.oracle import graded_oracle_labels
from recsum.progress import progress_bar
from recsum.records import Record
from recsum.segment import Sentence
from recsum.summarizers.base import part_units
from recsum.summarizers.encoder import ChunkEncoder
from recsum.summarizers.extractive import ExtractiveSummarizer, Reading, load_encoder
from recsum.summarizers.familiarity import (
    FALLBACK_FOLDER,
    FALLBACK_READINGS,
    Fallback,
    centroid,
)
from recsum.summarizers.scorer import (
    HIDDEN,
    PartScorer,
    PartScorerConfig,
    scorer_inputs,
    weight_shapes,
)
from recsum.training.checkpoint import CHECKPOINTS, TrainingLog, finish_checkpoint
from recsum.training.examples import Example, label_records
from recsum.training.loop import TrainingSettings, seed_everything, train_model

# Chosen by cross-validation on the training sets (see the module docstring).
PART_TRAINING = TrainingSettings(epochs=12, patience=12, learning_rate=3e-3, weight_decay=1e-4,
                                 loss="listwise")
# Weight of the sentences the oracle adds at twice the references' length.
SECOND_CHOICE = 0.5


class Scoring(torch.nn.Module):
    """The scorer's network in torch, called the way the training loop calls a model:
    ``model((vectors, features))``, on the inputs a scorer of its config reads
    (:func:`as_read_by`); started from ``scorer``'s weights if given, else from torch's
    initialization."""

    def __init__(self, config: PartScorerConfig, scorer: PartScorer | None = None) -> None:
        super().__init__()
        self.config = config
        (_, inputs) = weight_shapes(config)[f"{HIDDEN}.weight"]
        self.network = torch.nn.Sequential(
            torch.nn.Linear(inputs, config.hidden_size),
            torch.nn.GELU(),
            torch.nn.Dropout(config.dropout),
            torch.nn.Linear(config.hidden_size, 1),
        )
        if scorer is not None:
            self.load_state_dict({name: torch.from_numpy(array.copy())
                                  for name, array in scorer.weights.items()})

    def forward(self, features: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        vectors, extra = features
        return self.network(torch.cat([vectors, extra], dim=-1)).squeeze(-1)

    def scorer(self, config: PartScorerConfig | None = None) -> PartScorer:
        """The trained weights as a :class:`PartScorer` (with ``config``, by default its own)."""
        return PartScorer(config or self.config, {name: tensor.detach().cpu().numpy()
                                                  for name, tensor in self.state_dict().items()})


def part_examples(reader: ExtractiveSummarizer, records: Sequence[Record], *,
                  progress: bool = True, desc: str = "features") -> list[Example]:
    """Each record read as the reducer reads it (for its query, if it has one), with graded
    oracle labels of its units. A document is read once, however many queries it comes with."""
    labelled = label_records(records, progress, sentences_of=partial(units_read_by, reader),
                             labeller=partial(graded_oracle_labels, weight=SECOND_CHOICE))
    readings: dict[str, Reading] = {}
    examples = []
    for record, units, labels in progress_bar(labelled, desc=desc, unit="doc",
                                              enabled=progress):
        document = ChunkedDocument(units, chunk_sentences(units, reader.tokens,
                                                          reader.input_budget),
                                   len(record.document), record.query, reader.input_budget)
        if record.document not in readings:
            readings = {record.document: reader.read([replace(document, query=None)])[0]}
        reading = readings[record.document]
        if record.query is not None:
            reading = reader.add_query(document, reading)
        features = (torch.from_numpy(reading.vectors), torch.from_numpy(reading.features))
        examples.append(Example(features, torch.from_numpy(labels)))
    return examples


def train_part_scorer(train_records: Sequence[Record], dev_records: Sequence[Record],
                      output: str | Path, settings: TrainingSettings | None = None,
                      config: PartScorerConfig | None = None, *,
                      encoder: ChunkEncoder | None = None, fallback: bool = False) -> TrainingLog:
    """Train a part scorer on ``encoder``'s reading of ``train_records`` (by default the
    embedded MiniLM's) and save it to ``output``; with ``fallback``, its fallback for unfamiliar
    documents too, trained alike (:mod:`recsum.summarizers.familiarity`), in
    ``output/unfamiliar``."""
    settings = settings or PART_TRAINING
    encoder, config = reading_encoder(encoder, config)
    seed_everything(settings.seed)
    reader = reader_of(encoder, config, min(encoder.max_tokens, WINDOW_TOKENS))
    train = part_examples(reader, train_records, progress=settings.progress,
                          desc="train: MiniLM reads")
    dev = part_examples(reader, dev_records, progress=settings.progress, desc="dev: MiniLM reads")
    output = Path(output)
    scorer, log = trained_scorer(config, train, dev, settings, output / CHECKPOINTS)
    scorer.save_pretrained(output)
    folder = output / FALLBACK_FOLDER
    if fallback:
        trained_fallback(config, train, dev, settings, folder,
                         read_tokens=reader.input_budget).save_pretrained(
            folder, list(FALLBACK_READINGS))
        for name in FALLBACK_READINGS:
            finish_checkpoint(folder / name)
    else:  # a fallback left by an earlier training would gate this scorer with its centroids
        shutil.rmtree(folder, ignore_errors=True)
    finish_checkpoint(output)
    return log


def trained_scorer(config: PartScorerConfig, train: Sequence[Example], dev: Sequence[Example],
                   settings: TrainingSettings, checkpoint: Path | None = None
                   ) -> tuple[PartScorer, TrainingLog]:
    """A scorer of ``config`` trained on ``train`` as it reads them, whose provenance says how,
    and its training log."""
    seed_everything(settings.seed)
    network = Scoring(config)
    training = train_model(network, as_read_by(config, train), as_read_by(config, dev),
                           settings, checkpoint)
    provenance = {**config.provenance, "training": asdict(settings) | {"progress": None},
                  "second_choice_weight": SECOND_CHOICE, "train_documents": len(train),
                  "validation_documents": len(dev), "epochs": len(training.train_loss),
                  "best_epoch": training.best_epoch, "train_loss": training.train_loss}
    return network.scorer(replace(config, provenance=provenance)), training


def trained_fallback(config: PartScorerConfig, train: Sequence[Example], dev: Sequence[Example],
                     settings: TrainingSettings, folder: Path | None = None, *,
                     read_tokens: int = WINDOW_TOKENS) -> Fallback:
    """The fallback of a scorer of ``config`` trained on ``train`` (read in chunks of
    ``read_tokens``): a scorer of each fallback reading, trained alike (checkpointed under
    ``folder``), and ``train``'s centroids."""
    scorers = [trained_scorer(replace(config, **reading), train, dev, settings,
                              None if folder is None else folder / name / CHECKPOINTS)[0]
               for name, reading in FALLBACK_READINGS.items()]
    centroids = np.stack([centroid(example.features[0].numpy()) for example in train])
    return Fallback(centroids, scorers, provenance=config.provenance, read_tokens=read_tokens)


def as_read_by(config: PartScorerConfig, examples: Sequence[Example]) -> list[Example]:
    """``examples`` as a scorer of ``config`` reads them (:func:`scorer_inputs`)."""
    if config.vector_size and not config.standardized:
        return list(examples)
    return [Example(tuple(torch.from_numpy(part) for part in scorer_inputs(
        config, *(tensor.numpy() for tensor in example.features))), example.labels)
        for example in examples]


def reading_encoder(encoder: ChunkEncoder | None, config: PartScorerConfig | None
                     ) -> tuple[ChunkEncoder, PartScorerConfig]:
    """The encoder that training reads with (by default the embedded MiniLM in float32, to
    ``config``'s layer) and ``config`` (by default the default one) with that encoder's width
    and layer, which the scorer will then ask for."""
    config = config or PartScorerConfig()
    encoder = encoder or load_encoder(dtype="float32", layers=config.encoder_layers)
    return encoder, replace(config, vector_size=encoder.hidden_size,
                            encoder_layers=encoder.layers)


def reader_of(encoder: ChunkEncoder, config: PartScorerConfig, budget: int) -> ExtractiveSummarizer:
    """A summarizer that reads documents as the default does (for queries too); its scorers
    are placeholders of ``config``'s shape, never used to rate."""
    return ExtractiveSummarizer(encoder, PartScorer(config), query_scorer=PartScorer(config),
                                input_budget=budget)


def units_read_by(reader: ExtractiveSummarizer, text: str) -> list[Sentence]:
    """The units the reducer makes of ``text`` for ``reader``."""
    return part_units(text, reader.tokens, reader.input_budget)[0]
