"""The training recipe shared by the LSTM and BigBird baselines: oracle labels, early stopping.

Every training document's sentences are labelled by the greedy ROUGE oracle
(:func:`recsum.baselines.oracle.oracle_labels`, the budget being the mean length of its
references); a model maps a document's features to one logit per sentence and is trained with
binary cross-entropy, one document per step, Adam, gradient clipping, documents shuffled by a
fixed seed. After every epoch the loss on the validation documents decides: the best epoch's
weights are kept, and training stops after ``patience`` epochs without improvement. Features are
computed once per document (for BigBird that is the frozen encoder's pass, the costly part).
"""

from __future__ import annotations

import copy
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from recsum.baselines.bigbird import BigBirdHead, BigBirdHeadConfig, sentence_states
from recsum.baselines.lstm import HierarchicalLSTM, LSTMConfig
from recsum.baselines.oracle import oracle_labels
from recsum.baselines.scoring import document_sentences
from recsum.data import DatasetSpec, Record, load_records
from recsum.errors import RecsumError
from recsum.length import count_words
from recsum.segment import Sentence


@dataclass(frozen=True)
class TrainingSettings:
    """Optimisation settings (one document per step; early stopping on the validation loss)."""

    epochs: int = 8
    patience: int = 2
    learning_rate: float = 1e-3
    max_grad_norm: float = 5.0
    seed: int = 0
    progress: bool = True


@dataclass
class Example:
    """One training document: its features for the model and the oracle's sentence labels."""

    features: Any
    labels: torch.Tensor


@dataclass
class TrainingLog:
    """Loss per epoch and the epoch whose weights were kept."""

    train_loss: list[float] = field(default_factory=list)
    dev_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0


def load_datasets(sources: Sequence[str], limit: int | None = None) -> list[Record]:
    """Records of every ``ADAPTER:PATH`` source (for example ``squality:data/train.jsonl``)."""
    records: list[Record] = []
    for source in sources:
        adapter, separator, path = source.partition(":")
        if not separator or not path:
            raise RecsumError(f"dataset {source!r} must be ADAPTER:PATH, for example "
                              "squality:squality/train.jsonl")
        records.extend(load_records(DatasetSpec(path, adapter=adapter, limit=limit)))
    return records


def label_records(records: Sequence[Record], progress: bool = True
                  ) -> list[tuple[Record, list[Sentence], np.ndarray]]:
    """Each record with its sentences and the greedy oracle's labels for them."""
    labelled = []
    split = document_sentences([r.document for r in records])
    for record, sentences in tqdm(list(zip(records, split, strict=True)), desc="oracle labels",
                                  unit="doc", file=sys.stderr, disable=not progress):
        budget = round(float(np.mean([count_words(r) for r in record.references])))
        labels = oracle_labels([s.text for s in sentences], record.references, max(budget, 1))
        labelled.append((record, sentences, labels))
    return labelled


def make_examples(records: Sequence[Record], featurize: Callable[[str, list[Sentence]], Any],
                  progress: bool = True, desc: str = "features") -> list[Example]:
    """Features and labels per record.

    ``featurize(text, sentences)`` returns the features and how many leading sentences they
    cover (BigBird reads only the first 4,096 tokens); labels are cut to match.
    """
    examples = []
    for record, sentences, labels in tqdm(label_records(records, progress), desc=desc, unit="doc",
                                          file=sys.stderr, disable=not progress):
        features, count = featurize(record.document, sentences)
        if count:
            examples.append(Example(features, torch.from_numpy(labels[:count])))
    return examples


def seed_everything(seed: int) -> None:
    """Same seed, same weights, same order, same result (CPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def mean_loss(model: nn.Module, examples: Sequence[Example]) -> float:
    """Binary cross-entropy per sentence, averaged over documents, in eval mode."""
    model.eval()
    with torch.no_grad():
        losses = [nn.functional.binary_cross_entropy_with_logits(model(e.features), e.labels)
                  for e in examples]
    return float(torch.stack(losses).mean()) if losses else float("nan")


def train_model(model: nn.Module, train: Sequence[Example], dev: Sequence[Example],
                settings: TrainingSettings) -> TrainingLog:
    """Train ``model`` in place; it ends with the weights of its best validation epoch."""
    if not train:
        raise RecsumError("no training documents (check the --train datasets)")
    seed_everything(settings.seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.Adam(parameters, lr=settings.learning_rate)
    order = torch.Generator().manual_seed(settings.seed)
    log = TrainingLog()
    best, best_state, waited = float("inf"), copy.deepcopy(model.state_dict()), 0
    for epoch in range(1, settings.epochs + 1):
        model.train()
        total = 0.0
        bar = tqdm(torch.randperm(len(train), generator=order).tolist(), desc=f"epoch {epoch}",
                   unit="doc", file=sys.stderr, disable=not settings.progress)
        for step, index in enumerate(bar, 1):
            optimizer.zero_grad()
            loss = nn.functional.binary_cross_entropy_with_logits(
                model(train[index].features), train[index].labels)
            loss.backward()
            nn.utils.clip_grad_norm_(parameters, settings.max_grad_norm)
            optimizer.step()
            total += loss.item()
            bar.set_postfix(loss=f"{total / step:.4f}")
        log.train_loss.append(total / len(train))
        # Without validation documents the training loss decides (and rarely stops early).
        log.dev_loss.append(mean_loss(model, dev) if dev else log.train_loss[-1])
        if settings.progress:
            print(f"epoch {epoch}: train loss {log.train_loss[-1]:.4f}, "
                  f"dev loss {log.dev_loss[-1]:.4f}", file=sys.stderr)
        if log.dev_loss[-1] < best:
            best, best_state, waited, log.best_epoch = log.dev_loss[-1], copy.deepcopy(
                model.state_dict()), 0, epoch
        else:
            waited += 1
            if waited >= settings.patience:
                break
    model.load_state_dict(best_state)
    return log


def train_lstm(train_records: Sequence[Record], dev_records: Sequence[Record], output: str | Path,
               settings: TrainingSettings = TrainingSettings(),
               config: LSTMConfig | None = None) -> TrainingLog:
    """Train the hierarchical BiLSTM and save it (with its tokenizer) to ``output``."""
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    seed_everything(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    model = HierarchicalLSTM.from_minilm(config)

    def featurize(text: str, sentences: list[Sentence]):
        return model.featurize(tokenizer, text, sentences), len(sentences)

    train = make_examples(train_records, featurize, settings.progress, "train features")
    dev = make_examples(dev_records, featurize, settings.progress, "dev features")
    log = train_model(model, train, dev, settings)
    model.eval().save_pretrained(output, tokenizer)
    return log


def train_bigbird(train_records: Sequence[Record], dev_records: Sequence[Record],
                  output: str | Path, settings: TrainingSettings = TrainingSettings(),
                  config: BigBirdHeadConfig | None = None) -> TrainingLog:
    """Train the scoring head on the frozen warm-started BigBird encoder; save it to ``output``."""
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    seed_everything(settings.seed)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    head = BigBirdHead(config or BigBirdHeadConfig())
    encoder = head.build_encoder()

    def featurize(text: str, sentences: list[Sentence]):
        states, reached, _ = sentence_states(encoder, tokenizer, text, sentences,
                                             head.config.max_tokens)
        return states, reached

    train = make_examples(train_records, featurize, settings.progress, "train encoder pass")
    dev = make_examples(dev_records, featurize, settings.progress, "dev encoder pass")
    log = train_model(head, train, dev, settings)
    head.eval().save_pretrained(output, tokenizer)
    return log
