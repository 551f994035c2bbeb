"""A plain BERT checkpoint on disk: which folders qualify and their config, read without torch.

Both runtimes of the embedded encoder read these: :mod:`recsum.summarizers.bert` (torch) and
:mod:`recsum.summarizers.onnx_bert` (ONNX Runtime, which must start without torch).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields, replace
from pathlib import Path

from recsum.errors import RecsumError

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"


@dataclass(frozen=True)
class BertConfig:
    """The fields of a BERT ``config.json`` that shape the encoder (and its FLOP count)."""

    vocab_size: int
    hidden_size: int
    num_hidden_layers: int
    num_attention_heads: int
    intermediate_size: int
    max_position_embeddings: int
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12

    @classmethod
    def from_dict(cls, values: dict) -> BertConfig:
        return cls(**{f.name: values[f.name] for f in fields(cls) if f.name in values})

    @classmethod
    def from_folder(cls, path: str | Path, layers: int | None = None) -> BertConfig:
        """The folder's config, cut to its first ``layers`` layers (None: all of them)."""
        config = cls.from_dict(json.loads((Path(path) / "config.json").read_text("utf-8")))
        return config.first_layers(layers, path)

    def first_layers(self, layers: int | None, model: object) -> BertConfig:
        """This config cut to its first ``layers`` layers (None: all of them), if ``model``
        has that many."""
        return replace(self, num_hidden_layers=check_layers(layers, self.num_hidden_layers, model))


def check_layers(layers: int | None, available: int, model: object) -> int:
    """``layers`` (None: ``available``) if ``model`` has that many."""
    if layers is None:
        return available
    if not 1 <= layers <= available:
        raise RecsumError(f"the part scorer reads the states of layer {layers}, but encoder "
                          f"{str(model)!r} has {available} layers; train a scorer for it with "
                          "`recsum train part --encoder-layers N`")
    return layers


def is_plain_bert(path: str | Path) -> bool:
    """True for a local BERT folder that recsum runs itself: safetensors weights, a
    ``tokenizer.json``, GELU and absolute positions."""
    folder = Path(path)
    if not all((folder / name).is_file() for name in ("config.json", WEIGHTS, TOKENIZER)):
        return False
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    return (
        config.get("model_type") == "bert"
        and config.get("hidden_act", "gelu") == "gelu"
        and config.get("position_embedding_type", "absolute") == "absolute"
    )

