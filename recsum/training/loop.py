"""The training loop every trained model shares: one document per step, early stopping.

A model maps a document's features to one logit per sentence and is trained with binary
cross-entropy (or listwise), one document per step, AdamW, gradient clipping, documents
shuffled by a fixed seed. After every epoch the loss on the validation documents decides: the
best epoch's weights are kept, and training stops after ``patience`` epochs without improvement.
After every epoch a checkpoint is written (:mod:`recsum.training.checkpoint`).
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from recsum.errors import RecsumError
from recsum.progress import progress_bar
from recsum.training.checkpoint import Checkpoint, TrainingLog, TrainingState
from recsum.training.examples import Example

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
    state = TrainingState(log=TrainingLog(), best_state=copy.deepcopy(model.state_dict()))
    saver = None if checkpoint is None else Checkpoint(Path(checkpoint),
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
        bar = progress_bar(permutation, desc=f"epoch {epoch}", unit="doc",
                           enabled=settings.progress)
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
