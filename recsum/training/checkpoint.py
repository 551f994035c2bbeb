"""A training run's state after every epoch, in one safetensors file, and resuming from it.

The same command run again finds the checkpoint and goes on after its last finished epoch, as
long as the settings and the labels match (its fingerprint).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from torch import nn

from recsum.errors import RecsumError
from recsum.weights import check_weights, save_weights

CHECKPOINTS = "checkpoint"  # subfolder of a model's folder while it trains
CHECKPOINT = "checkpoint.safetensors"


@dataclass
class TrainingLog:
    """Loss per epoch and the epoch whose weights were kept."""

    train_loss: list[float] = field(default_factory=list)
    dev_loss: list[float] = field(default_factory=list)
    best_epoch: int = 0


@dataclass
class TrainingState:
    """Where a run stands after an epoch: what a checkpoint holds."""

    log: TrainingLog
    best_state: dict[str, torch.Tensor]
    best: float = float("inf")
    waited: int = 0
    epoch: int = 0


class Checkpoint:
    """One safetensors file: the weights, the best weights, Adam's moments and the RNG state;
    the epoch, the log and the fingerprint in its metadata."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.path = folder / CHECKPOINT
        self.fingerprint = fingerprint

    def exists(self) -> bool:
        return self.path.is_file()

    def save(self, model: nn.Module, optimizer: torch.optim.Optimizer,
             state: TrainingState) -> None:
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

    def load(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> TrainingState:
        from safetensors import safe_open

        check_weights(self.path, what="training checkpoint",
                      fix="pass --overwrite to start the training over")
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
        return TrainingState(log=TrainingLog(**json.loads(metadata["log"])),
                              best_state=_prefixed(tensors, "best."),
                              best=float(metadata["best"]), waited=int(metadata["waited"]),
                              epoch=int(metadata["epoch"]))


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {name[len(prefix):]: value for name, value in tensors.items()
            if name.startswith(prefix)}


def finish_checkpoint(output: str | Path) -> None:
    """Remove a model folder's checkpoints once the trained model is saved there."""
    shutil.rmtree(Path(output) / CHECKPOINTS, ignore_errors=True)
