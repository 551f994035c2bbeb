"""A BERT encoder in plain torch that loads a Hugging Face BERT checkpoint (safetensors).

It runs the embedded encoder where torch does (bfloat16, a GPU) without transformers' modeling
stack, whose import and ``AutoModel.from_pretrained`` take seconds. It computes what
``transformers.BertModel`` computes (last hidden states, absolute positions, GELU);
``tests/summarizers/test_extractive.py`` checks the two agree. Other architectures go through
transformers (:func:`~recsum.summarizers.checkpoint.is_plain_bert` says which path applies).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from recsum.summarizers.checkpoint import WEIGHTS, BertConfig

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
    def from_pretrained(cls, path: str | Path, layers: int | None = None) -> BertEncoder:
        """Load a folder that :func:`~recsum.summarizers.checkpoint.is_plain_bert` accepts,
        its first ``layers`` layers (None: all of them)."""
        from safetensors.torch import load_file

        folder = Path(path)
        stored = BertConfig.from_folder(folder)
        encoder = cls(stored.first_layers(layers, folder))
        unread = tuple(f"encoder.layer.{index}." for index in range(
            encoder.config.num_hidden_layers, stored.num_hidden_layers))
        state = {}
        for name, tensor in load_file(str(folder / WEIGHTS)).items():
            name = name.removeprefix("bert.")
            if not name.startswith(_ENCODER) or name in _BUFFERS or name.startswith(unread):
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


class TorchEncoder:
    """A torch encoder (a :class:`BertEncoder`, or a transformers model called alike) as the
    chunk encoder calls one: numpy in, float32 numpy out, on ``device`` and, for ``bfloat16``
    or ``float16``, under autocast."""

    def __init__(self, model: nn.Module, device: str = "cpu", dtype: str = "float32") -> None:
        from recsum.summarizers.loading import resolve_device, resolve_dtype

        self.device = resolve_device(device)
        self.model = model.eval().to(self.device)
        self.config = model.config
        self.dtype = resolve_dtype(dtype)

    @torch.inference_mode()
    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        ids = torch.from_numpy(input_ids).to(self.device)
        mask = torch.from_numpy(attention_mask).to(self.device)
        with torch.autocast(self.device.type, dtype=self.dtype,
                            enabled=self.dtype != torch.float32):
            return self.model(ids, mask).float().cpu().numpy()
