"""The trained part of the default: a small network that rates how much a sentence is worth keeping.

It reads a sentence's contextual vector (from the encoder) and its features
(:mod:`recsum.summarizers.features`) and gives one logit: the log-odds that the greedy ROUGE
oracle keeps the sentence. It is saved the Hugging Face way, ``config.json`` beside
``model.safetensors``; the shipped weights live in ``recsum/resources/part-scorer`` with a
config that names the encoder, the training data with its licenses, and the command that made
them. A missing, cut or mismatched weights file is a one-line error naming the file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn

from recsum.errors import RecsumError
from recsum.summarizers.features import FEATURES, QUERY_FEATURES
from recsum.weights import save_weights

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"
MODEL_TYPE = "recsum-part-scorer"


def shipped_scorer_path(query: bool = False) -> Path:
    """The folder of a scorer that the package ships (trained by ``recsum train part``, with
    ``--tasks query`` for the query scorer)."""
    folder = "query-scorer" if query else "part-scorer"
    return Path(str(resources.files("recsum.resources").joinpath(folder)))


@dataclass(frozen=True)
class ScorerConfig:
    """The scorer's shape, how its ratings are used, and where it came from."""

    vector_size: int = 384
    features: tuple[str, ...] = FEATURES
    hidden_size: int = 256
    dropout: float = 0.2
    # Sentences are chosen by logit - length_penalty * log(words): a long sentence must be
    # worth more to take the room of two short ones...
    length_penalty: float = 0.5
    # ... less context_penalty for one that leans on what came before it (a line of dialogue,
    # "But ..."): read alone in a summary, it opens mid-scene.
    context_penalty: float = 0.5
    encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    provenance: dict = field(default_factory=dict)  # training data, licenses, command, figures

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", tuple(self.features))

    def to_dict(self) -> dict:
        return {"model_type": MODEL_TYPE, **asdict(self)}


class PartScorer(nn.Module):
    """``scorer(vectors, features)`` → one keep-logit per sentence."""

    def __init__(self, config: ScorerConfig) -> None:
        super().__init__()
        self.config = config
        self.network = nn.Sequential(
            nn.Linear(config.vector_size + len(config.features), config.hidden_size),
            nn.GELU(),
            nn.Dropout(config.dropout),
            nn.Linear(config.hidden_size, 1),
        )

    def forward(self, vectors: torch.Tensor, features: torch.Tensor) -> torch.Tensor:
        return self.network(torch.cat([vectors, features], dim=-1)).squeeze(-1)

    @torch.inference_mode()
    def rate(self, vectors: np.ndarray, features: np.ndarray) -> np.ndarray:
        """Logits for numpy inputs, in eval mode."""
        self.eval()
        return self(torch.from_numpy(vectors), torch.from_numpy(features)).numpy()

    def save_pretrained(self, directory: str | Path) -> None:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        text = json.dumps(self.config.to_dict(), indent=2, ensure_ascii=False) + "\n"
        (path / CONFIG_FILE).write_text(text, encoding="utf-8")
        save_weights(self.state_dict(), path / WEIGHTS_FILE, {"model_type": MODEL_TYPE})

    @property
    def takes_query(self) -> bool:
        return self.config.features[len(FEATURES):] == QUERY_FEATURES

    @classmethod
    def from_pretrained(cls, directory: str | Path | None = None, *,
                        query: bool = False) -> PartScorer:
        """Load a scorer folder; by default the shipped one (the query scorer with ``query``)."""
        from safetensors import SafetensorError
        from safetensors.torch import load_file

        path = Path(directory) if directory is not None else shipped_scorer_path(query)
        config_file, weights_file = path / CONFIG_FILE, path / WEIGHTS_FILE
        tasks = " --tasks query" if query else ""
        fix = ("reinstall recsum" if directory is None
               else f"retrain it with `recsum train part{tasks} --output {path}`")
        for file in (config_file, weights_file):
            if not file.is_file():
                raise RecsumError(f"part scorer file {file} is missing; {fix}")
        try:
            values = json.loads(config_file.read_text(encoding="utf-8"))
            if values.pop("model_type", None) != MODEL_TYPE:
                raise ValueError(f"model_type is not {MODEL_TYPE!r}")
            known = {f.name for f in fields(ScorerConfig)}
            config = ScorerConfig(**{k: v for k, v in values.items() if k in known})
        except (ValueError, TypeError) as error:
            raise RecsumError(f"part scorer config {config_file} is damaged ({error}); {fix}"
                              ) from None
        if config.features != FEATURES + (QUERY_FEATURES if query else ()):
            kind = "a query" if query else "a generic"
            raise RecsumError(f"{path} is not {kind} part scorer of this version of recsum (its "
                              f"features differ); {fix}")
        scorer = cls(config)
        try:
            scorer.load_state_dict(load_file(str(weights_file)))
        except (SafetensorError, RuntimeError, OSError) as error:
            detail = str(error).strip().splitlines()[0]
            raise RecsumError(f"part scorer weights {weights_file} are damaged ({detail}); {fix}"
                              ) from None
        return scorer.eval()
