"""Learning which sentences to keep: oracle labels, the training loop, checkpoints, resuming.

Every training document's sentences are labelled by the greedy ROUGE oracle
(:func:`recsum.oracle.oracle_labels`, the budget being the mean length of its references); a
model maps a document's features to one logit per sentence and is trained with binary
cross-entropy, one document per step, Adam, gradient clipping, documents shuffled by a fixed
seed. After every epoch the loss on the validation documents decides: the best epoch's weights
are kept, and training stops after ``patience`` epochs without improvement. Validation documents
come from the training data (``holdout``), never from the evaluation splits. After every epoch
a checkpoint is written; the same command run again resumes from it. Features are computed once
per document (the costly part for models that read text with a Transformer).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.evaluation.data import DatasetSpec, Record, load_records
from recsum.length import count_words
from recsum.oracle import oracle_labels
from recsum.segment import Sentence
from recsum.weights import save_weights

CHECKPOINTS = "checkpoint"  # subfolder of a model's folder while it trains
CHECKPOINT = "checkpoint.safetensors"
LOSSES = ("binary", "listwise")


@dataclass(frozen=True)
class TrainingSettings:
    """Optimisation settings (one document per step; early stopping on the validation loss)."""

    epochs: int = 8
    patience: int = 2
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    max_grad_norm: float = 5.0
    seed: int = 0
    # "binary": each sentence's label on its own (cross-entropy); "listwise": the document's
    # labels as a distribution over its sentences (softmax cross-entropy), which ranks them.
    loss: str = "binary"
    progress: bool = True

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise RecsumError(f"unknown loss {self.loss!r}; use {' or '.join(LOSSES)}")


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
    for record in tqdm(records, desc="oracle labels", unit="doc", file=sys.stderr,
                       disable=not progress):
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
    cover (BigBird reads only the first 4,096 tokens); labels are cut to match.
    """
    examples = []
    for record, sentences, labels in tqdm(label_records(records, progress, **labelling),
                                          desc=desc, unit="doc", file=sys.stderr,
                                          disable=not progress):
        features, count = featurize(record.document, sentences)
        if count:
            examples.append(Example(features, torch.from_numpy(labels[:count])))
    return examples


def seed_everything(seed: int) -> None:
    """Same seed, same weights, same order, same result (CPU)."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def document_loss(logits: torch.Tensor, labels: torch.Tensor, kind: str = "binary"
                  ) -> torch.Tensor:
    """The loss of one document's sentence logits against its labels."""
    if kind == "listwise":
        target = labels / labels.sum().clamp(min=1e-6)
        return -(target * torch.log_softmax(logits, dim=0)).sum()
    return nn.functional.binary_cross_entropy_with_logits(logits, labels)


def mean_loss(model: nn.Module, examples: Sequence[Example], kind: str = "binary") -> float:
    """The loss per document, averaged over documents, in eval mode."""
    model.eval()
    with torch.no_grad():
        losses = [document_loss(model(e.features), e.labels, kind) for e in examples]
    return float(torch.stack(losses).mean()) if losses else float("nan")


def train_model(model: nn.Module, train: Sequence[Example], dev: Sequence[Example],
                settings: TrainingSettings, checkpoint: str | Path | None = None) -> TrainingLog:
    """Train ``model`` in place; it ends with the weights of its best validation epoch.

    With ``checkpoint`` (a folder), the state after every epoch is saved there, and a run that
    finds a checkpoint of the same settings and data resumes after its last finished epoch.
    """
    if not train:
        raise RecsumError("no training documents (check the --train datasets)")
    seed_everything(settings.seed)
    parameters = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=settings.learning_rate,
                                  weight_decay=settings.weight_decay)
    order = torch.Generator().manual_seed(settings.seed)
    state = _TrainingState(log=TrainingLog(), best_state=copy.deepcopy(model.state_dict()))
    saver = None if checkpoint is None else _Checkpoint(Path(checkpoint),
                                                        _fingerprint(settings, train, dev))
    if saver is not None and saver.exists():
        state = saver.load(model, optimizer)
        if settings.progress:
            print(f"resuming after epoch {state.epoch} from {saver.path}", file=sys.stderr)
    for epoch in range(1, settings.epochs + 1):
        permutation = torch.randperm(len(train), generator=order).tolist()
        if epoch <= state.epoch:
            continue  # drawn all the same, so that a resumed run shuffles as the first did
        if state.waited >= settings.patience:
            break
        model.train()
        total = 0.0
        bar = tqdm(permutation, desc=f"epoch {epoch}", unit="doc", file=sys.stderr,
                   disable=not settings.progress)
        for step, index in enumerate(bar, 1):
            optimizer.zero_grad()
            loss = document_loss(model(train[index].features), train[index].labels,
                                 settings.loss)
            loss.backward()
            nn.utils.clip_grad_norm_(parameters, settings.max_grad_norm)
            optimizer.step()
            total += loss.item()
            bar.set_postfix(loss=f"{total / step:.4f}")
        log = state.log
        log.train_loss.append(total / len(train))
        # Without validation documents the training loss decides (and rarely stops early).
        log.dev_loss.append(mean_loss(model, dev, settings.loss) if dev else log.train_loss[-1])
        if settings.progress:
            print(f"epoch {epoch}: train loss {log.train_loss[-1]:.4f}, "
                  f"dev loss {log.dev_loss[-1]:.4f}", file=sys.stderr)
        if log.dev_loss[-1] < state.best:
            state.best, state.waited, log.best_epoch = log.dev_loss[-1], 0, epoch
            state.best_state = copy.deepcopy(model.state_dict())
        else:
            state.waited += 1
        state.epoch = epoch
        if saver is not None:
            saver.save(model, optimizer, state)
    model.load_state_dict(state.best_state)
    return state.log


def finish_checkpoint(output: str | Path) -> None:
    """Remove a model folder's checkpoints once the trained model is saved there."""
    shutil.rmtree(Path(output) / CHECKPOINTS, ignore_errors=True)


@dataclass
class _TrainingState:
    log: TrainingLog
    best_state: dict[str, torch.Tensor]
    best: float = float("inf")
    waited: int = 0
    epoch: int = 0


def _fingerprint(settings: TrainingSettings, train: Sequence[Example],
                 dev: Sequence[Example]) -> str:
    """What must match for a checkpoint to be resumed: the settings and the labels (more epochs
    or patience may be asked for: training goes on where it stopped)."""
    unchanged = asdict(settings) | {"epochs": None, "patience": None, "progress": None}
    digest = hashlib.sha256(json.dumps(unchanged).encode())
    for examples in (train, dev):
        for example in examples:
            digest.update(example.labels.numpy().tobytes())
        digest.update(b"|")
    return digest.hexdigest()


class _Checkpoint:
    """One safetensors file: the weights, the best weights, Adam's moments and the RNG state;
    the epoch, the log and the fingerprint in its metadata."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.path = folder / CHECKPOINT
        self.fingerprint = fingerprint

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, model: nn.Module, optimizer: torch.optim.Optimizer,
             state: _TrainingState) -> None:
        optimizer_state = optimizer.state_dict()
        tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
        tensors |= {f"best.{k}": v for k, v in state.best_state.items()}
        tensors |= {f"adam.{index}.{name}": value
                    for index, moments in optimizer_state["state"].items()
                    for name, value in moments.items()}
        tensors["rng"] = torch.get_rng_state()
        metadata = {"fingerprint": self.fingerprint, "epoch": str(state.epoch),
                    "best": repr(state.best), "waited": str(state.waited),
                    "log": json.dumps(asdict(state.log)),
                    "param_groups": json.dumps(optimizer_state["param_groups"])}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        save_weights(tensors, self.path, metadata)  # a kill mid-write keeps the last epoch's

    def load(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> _TrainingState:
        from safetensors import safe_open

        with safe_open(str(self.path), framework="pt") as file:
            metadata = file.metadata()
            if metadata.get("fingerprint") != self.fingerprint:
                raise RecsumError(
                    f"{self.path} was written with other settings or data; rerun with the "
                    "same options to resume, or pass --overwrite to start over")
            tensors = {name: file.get_tensor(name) for name in file.keys()}  # noqa: SIM118
        model.load_state_dict(_prefixed(tensors, "model."))
        moments: dict[int, dict[str, torch.Tensor]] = {}
        for name, value in _prefixed(tensors, "adam.").items():
            index, moment = name.split(".", 1)
            moments.setdefault(int(index), {})[moment] = value
        optimizer.load_state_dict({"state": moments,
                                   "param_groups": json.loads(metadata["param_groups"])})
        torch.set_rng_state(tensors["rng"])
        return _TrainingState(log=TrainingLog(**json.loads(metadata["log"])),
                              best_state=_prefixed(tensors, "best."),
                              best=float(metadata["best"]), waited=int(metadata["waited"]),
                              epoch=int(metadata["epoch"]))


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {name[len(prefix):]: value for name, value in tensors.items()
            if name.startswith(prefix)}
