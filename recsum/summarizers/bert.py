"""A BERT encoder in plain torch that loads a Hugging Face BERT checkpoint (safetensors).

It exists for the command line's cold start: importing transformers' modeling stack and going
through ``AutoModel.from_pretrained`` takes about 4 s on this machine, longer than summarizing
a story. The encoder computes what ``transformers.BertModel`` computes (last hidden states,
absolute positions, GELU); ``tests/test_extractive.py`` checks the two agree on MiniLM.
Other architectures go through transformers (:func:`is_plain_bert` says which path applies).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional

WEIGHTS = "model.safetensors"
TOKENIZER = "tokenizer.json"

# Checkpoint names → this module's names, applied in order ("attention.output.dense" before
# "output.dense"); then the "embeddings." prefix is dropped.
_RENAMES = (
    ("encoder.layer.", "layers."),
    (".attention.self.", "."),
    (".attention.output.dense.", ".attention_output."),
    (".attention.output.LayerNorm.", ".attention_norm."),
    (".intermediate.dense.", ".intermediate."),
    (".output.dense.", ".output."),
    (".output.LayerNorm.", ".output_norm."),
    ("embeddings.LayerNorm.", "embeddings_norm."),
)
# The encoder's own checkpoint entries; a pooler or task head (``cls.``, ``classifier.``) is left
# out, and so are the id buffers some checkpoints carry.
_ENCODER = ("embeddings.", "encoder.")
_BUFFERS = ("embeddings.position_ids", "embeddings.token_type_ids")


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


def is_plain_bert(path: str | Path) -> bool:
    """True for a local BERT folder this module loads exactly: safetensors weights, a
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


class _Layer(nn.Module):
    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        hidden, eps = config.hidden_size, config.layer_norm_eps
        self.heads = config.num_attention_heads
        self.query = nn.Linear(hidden, hidden)
        self.key = nn.Linear(hidden, hidden)
        self.value = nn.Linear(hidden, hidden)
        self.attention_output = nn.Linear(hidden, hidden)
        self.attention_norm = nn.LayerNorm(hidden, eps=eps)
        self.intermediate = nn.Linear(hidden, config.intermediate_size)
        self.output = nn.Linear(config.intermediate_size, hidden)
        self.output_norm = nn.LayerNorm(hidden, eps=eps)

    def forward(self, states: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        batch, length, hidden = states.shape

        def heads(projection: nn.Linear) -> torch.Tensor:
            split = projection(states).view(batch, length, self.heads, hidden // self.heads)
            return split.transpose(1, 2)

        attended = functional.scaled_dot_product_attention(
            heads(self.query), heads(self.key), heads(self.value), attn_mask=keep
        )
        attended = attended.transpose(1, 2).reshape(batch, length, hidden)
        states = self.attention_norm(states + self.attention_output(attended))
        expanded = functional.gelu(self.intermediate(states))
        return self.output_norm(states + self.output(expanded))


class BertEncoder(nn.Module):
    """``BertEncoder(input_ids, attention_mask)`` → last hidden states, as ``BertModel`` gives."""

    def __init__(self, config: BertConfig) -> None:
        super().__init__()
        self.config = config
        hidden = config.hidden_size
        self.word_embeddings = nn.Embedding(config.vocab_size, hidden)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, hidden)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, hidden)
        self.embeddings_norm = nn.LayerNorm(hidden, eps=config.layer_norm_eps)
        self.layers = nn.ModuleList(_Layer(config) for _ in range(config.num_hidden_layers))

    @classmethod
    def from_pretrained(cls, path: str | Path) -> BertEncoder:
        """Load a folder that :func:`is_plain_bert` accepts."""
        from safetensors.torch import load_file

        folder = Path(path)
        config = BertConfig.from_dict(json.loads((folder / "config.json").read_text("utf-8")))
        encoder = cls(config)
        state = {}
        for name, tensor in load_file(str(folder / WEIGHTS)).items():
            name = name.removeprefix("bert.")
            if not name.startswith(_ENCODER) or name in _BUFFERS:
                continue
            for old, new in _RENAMES:
                name = name.replace(old, new)
            state[name.removeprefix("embeddings.")] = tensor.float()
        encoder.load_state_dict(state, strict=True, assign=True)
        return encoder.eval()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(input_ids.shape[1], device=input_ids.device)
        states = (
            self.word_embeddings(input_ids)
            + self.position_embeddings(positions)
            + self.token_type_embeddings.weight[0]
        )
        states = self.embeddings_norm(states)
        keep = attention_mask.bool()[:, None, None, :]
        for layer in self.layers:
            states = layer(states, keep)
        return states
