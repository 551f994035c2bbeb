"""Training the default's part scorer (``recsum train part``) with the recipe of
:mod:`recsum.training`.

MiniLM reads every training document in chunks, as the reducer will, through the scorer's
``encoder_layers``; each unit's vector and features are computed once (the costly part: the
whole of ``recsum train part`` took 5 minutes for SQuALITY train and QMSum train on 2 CPU cores
at 3 layers, about 10 at all 6), then the scorer learns graded oracle labels. The settings
below were chosen by 5-fold cross-validation on the training sets (``RESULTS.md`` gives the
figures and commands).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from functools import partial
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from recsum.chunk import ChunkedDocument, chunk_sentences, fit_sentences
from recsum.clean import readable_sentences
from recsum.config import WINDOW_TOKENS
from recsum.errors import RecsumError
from recsum.evaluation.data import Record
from recsum.oracle import graded_oracle_labels
from recsum.segment import Sentence
from recsum.summarizers.base import Rated
from recsum.summarizers.encoder import ChunkEncoder
from recsum.summarizers.extractive import ExtractiveSummarizer, Reading, load_encoder
from recsum.summarizers.scorer import PartScorer, ScorerConfig
from recsum.training import (
    CHECKPOINTS,
    Example,
    TrainingLog,
    TrainingSettings,
    finish_checkpoint,
    label_records,
    seed_everything,
    train_model,
)

# Chosen by cross-validation on the training sets (see the module docstring).
PART_TRAINING = TrainingSettings(epochs=12, patience=12, learning_rate=3e-3, weight_decay=1e-4,
                                 loss="listwise")
# Weight of the sentences the oracle adds at twice the references' length.
SECOND_CHOICE = 0.5


class Scoring(torch.nn.Module):
    """The scorer's network in torch, called the way the training loop calls a model:
    ``model((vectors, features))``; started from ``scorer``'s weights if given, else from
    torch's initialization."""

    def __init__(self, config: ScorerConfig, scorer: PartScorer | None = None) -> None:
        super().__init__()
        self.config = config
        self.network = torch.nn.Sequential(
            torch.nn.Linear(config.vector_size + len(config.features), config.hidden_size),
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

    def scorer(self, config: ScorerConfig | None = None) -> PartScorer:
        """The trained weights as a :class:`PartScorer` (with ``config``, by default its own)."""
        return PartScorer(config or self.config, {name: tensor.detach().cpu().numpy()
                                                  for name, tensor in self.state_dict().items()})


def part_units(reader: ExtractiveSummarizer, text: str) -> list[Sentence]:
    """The units the reducer makes of ``text`` for ``reader``: readable sentences that fit."""
    return fit_sentences(readable_sentences(text), reader.tokens, reader.input_budget)[0]


def part_examples(reader: ExtractiveSummarizer, records: Sequence[Record], *,
                  progress: bool = True, desc: str = "features") -> list[Example]:
    """Each record read as the reducer reads it (for its query, if it has one), with graded
    oracle labels of its units. A document is read once, however many queries it comes with."""
    labelled = label_records(records, progress, sentences_of=partial(part_units, reader),
                             labeller=partial(graded_oracle_labels, weight=SECOND_CHOICE))
    readings: dict[str, Reading] = {}
    examples = []
    for record, units, labels in tqdm(labelled, desc=desc, unit="doc", file=sys.stderr,
                                      disable=not progress):
        document = ChunkedDocument(units, chunk_sentences(units, reader.tokens,
                                                          reader.input_budget),
                                   len(record.document), record.query)
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
                      config: ScorerConfig | None = None, *,
                      encoder: ChunkEncoder | None = None) -> TrainingLog:
    """Train a part scorer on ``encoder``'s reading of ``train_records`` (by default the
    embedded MiniLM's) and save it to ``output``."""
    settings = settings or PART_TRAINING
    encoder, config = _reading_encoder(encoder, config)
    seed_everything(settings.seed)
    reader = _reader(encoder, config, min(encoder.max_tokens, WINDOW_TOKENS))
    train = part_examples(reader, train_records, progress=settings.progress,
                          desc="train: MiniLM reads")
    dev = part_examples(reader, dev_records, progress=settings.progress, desc="dev: MiniLM reads")
    seed_everything(settings.seed)
    network = Scoring(config)
    log = train_model(network, train, dev, settings, Path(output) / CHECKPOINTS)
    provenance = {**config.provenance, "training": asdict(settings) | {"progress": None},
                  "second_choice_weight": SECOND_CHOICE, "train_documents": len(train),
                  "validation_documents": len(dev), "epochs": len(log.train_loss),
                  "best_epoch": log.best_epoch, "train_loss": log.train_loss}
    network.scorer(replace(config, provenance=provenance)).save_pretrained(output)
    finish_checkpoint(output)
    return log


@dataclass(frozen=True)
class FoldScores:
    """Cross-validated ROUGE F1 × 100 on one training dataset: summaries of ``words`` words,
    chosen with the given selection settings."""

    dataset: str
    documents: int
    words: int
    selection: dict
    rouge: dict[str, float]


def cross_validate(records: Sequence[Record], datasets: Sequence[str], folds: int,
                   settings: TrainingSettings | None = None, config: ScorerConfig | None = None,
                   *, encoder: ChunkEncoder | None = None, chunk_tokens: int | None = None,
                   selections: Sequence[dict] = ({},)) -> list[FoldScores]:
    """Train on all folds but one, summarize the held-out documents with the recursive reducer
    as the default does, and score them.

    Scores are per dataset (``datasets[i]`` names record i's), each summary as long as that
    dataset's references are on average, for every entry of ``selections`` (``length_penalty``,
    ``context_penalty``, ``final_pool``: settings that change the choice, not the training).
    MiniLM reads every document once; only the scorer is trained ``folds`` times.
    """
    from recsum.evaluation.rouge import rouge_per_document
    from recsum.length import Length, count_words
    from recsum.reduce import RecursiveReducer

    if not 2 <= folds <= len(records):
        raise RecsumError(f"cross-validation needs between 2 and {len(records)} folds, got "
                          f"{folds}")
    settings = settings or PART_TRAINING
    encoder, config = _reading_encoder(encoder, config)
    budget = chunk_tokens or min(encoder.max_tokens, WINDOW_TOKENS)
    reader = _reader(encoder, config, budget)
    examples = part_examples(reader, records, progress=settings.progress, desc="MiniLM reads")
    order = np.random.default_rng(settings.seed).permutation(len(records))
    logits: dict[int, np.ndarray] = {}
    for fold in range(folds):
        held = set(order[fold::folds].tolist())
        seed_everything(settings.seed)
        network = Scoring(config)
        train_model(network, [e for i, e in enumerate(examples) if i not in held], [],
                    replace(settings, progress=False))
        scorer = network.scorer()
        for index in held:
            vectors, features = examples[index].features
            logits[index] = scorer.rate(vectors.numpy(), features.numpy())
    results = []
    for selection in selections:
        reader.scorer = PartScorer(replace(config, **{k: v for k, v in selection.items()
                                                      if k != "final_pool"}))
        for dataset in dict.fromkeys(datasets):
            rows = [i for i, name in enumerate(datasets) if name == dataset]
            words = round(float(np.mean([count_words(r) for i in rows
                                         for r in records[i].references])))
            ratings = [reader.discounted(logits[i], [u.text for u in part_units(
                reader, records[i].document)], reader.scorer) for i in rows]
            reducer = RecursiveReducer(_Recorded(reader, ratings), chunk_tokens=budget,
                                       **{k: v for k, v in selection.items() if k == "final_pool"})
            summaries = [result.summary for result in reducer.reduce_many(
                [records[i].document for i in rows], Length(words),
                queries=[records[i].query for i in rows])]
            scores = rouge_per_document(summaries, [records[i].references for i in rows])
            results.append(FoldScores(dataset, len(rows), words, dict(selection), {
                name: round(100 * float(values["fmeasure"].mean()), 2)
                for name, values in scores.items()}))
    return results


def _reading_encoder(encoder: ChunkEncoder | None, config: ScorerConfig | None
                     ) -> tuple[ChunkEncoder, ScorerConfig]:
    """The encoder that training reads with (by default the embedded MiniLM in float32, to
    ``config``'s layer) and ``config`` (by default the default one) with that encoder's width
    and layer, which the scorer will then ask for."""
    config = config or ScorerConfig()
    encoder = encoder or load_encoder(dtype="float32", layers=config.encoder_layers)
    return encoder, replace(config, vector_size=encoder.hidden_size,
                            encoder_layers=encoder.layers)


def _reader(encoder: ChunkEncoder, config: ScorerConfig, budget: int) -> ExtractiveSummarizer:
    """A summarizer that reads documents as the default does (for queries too); its scorers
    are placeholders of ``config``'s shape, never used to rate."""
    return ExtractiveSummarizer(encoder, PartScorer(config), query_scorer=PartScorer(config),
                                input_budget=budget)


class _Recorded:
    """A rater that gives back ratings computed before, document after document."""

    def __init__(self, reader: ExtractiveSummarizer, ratings: Sequence[np.ndarray]) -> None:
        self.name, self.input_budget, self.tokens = reader.name, reader.input_budget, reader.tokens
        self.summarize = reader.summarize
        self._ratings = list(ratings)

    def rate(self, documents, progress=None) -> list[Rated]:
        rated, self._ratings = self._ratings[: len(documents)], self._ratings[len(documents):]
        if any(len(r) != len(d.units) for r, d in zip(rated, documents, strict=True)):
            raise RuntimeError("recorded ratings do not match the reducer's sentences")
        return [Rated(ratings) for ratings in rated]
