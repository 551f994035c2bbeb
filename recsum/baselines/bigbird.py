"""The BigBird baseline: a block-sparse encoder warm-started from MiniLM that reads the whole
document, plus a head.

The encoder (:class:`SparseBigBirdModel`) is transformers' ``BigBirdModel`` built with
all-MiniLM-L6-v2's sizes, with its self-attention computed by
:mod:`recsum.baselines.sparse_attention`: BigBird-ITC's pattern (sliding window of 3 blocks of 64
tokens, the first and last block global, 3 random blocks per row and head from a fixed seed) in
time and memory linear in the length. transformers' own block-sparse code fills the whole
n × n probability matrix on every pass: one forward of the 6 layers peaked at 1.9 GB at 4,096
tokens and 4.8 GB at 8,192 (14.9 GB at 16,384 reported in issue 22), against 0.76, 0.85, 1.06
and 1.31 GB here at 4,096, 8,192, 32,768 and 65,536 tokens (2 cores, model loading included).

Every MiniLM weight is copied and its table of 512 position embeddings is tiled to the cap,
65,536 tokens, as BigBird and Longformer were built from RoBERTa. This is a warm start only:
there was no continued pre-training on long inputs, so positions past 512 repeat MiniLM's and the
sparse pattern is one MiniLM never saw. The cap is far above the longest document of the dev and
training sets (QMSum: 32,122 tokens in val, 36,716 in train), so those are read whole; a longer
document is truncated at the cap, sentences past the cut are never selected, and the system
reports how much was cut (``truncations``, and a log line).

Each sentence is represented by the mean of its tokens' contextual states; the trained part is a
:class:`~recsum.baselines.heads.SentenceScorer` head over those, fed by the same oracle labels and
recipe as the LSTM (:mod:`recsum.training.baselines`). Backpropagating through the encoder is too
slow on CPU, so the encoder stays frozen and its sentence representations are computed once per
training document. The random blocks come from the head's ``seed`` in training and in eval
alike, so scores are deterministic.

Online users can instead summarize abstractively in one 4,096-token pass with
``google/bigbird-pegasus-large-arxiv`` (or any BigBird-Pegasus or LED id) through the existing
seq2seq backend: ``recsum summarize FILE --model google/bigbird-pegasus-large-arxiv``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import torch
from torch import nn

from recsum.baselines.heads import (
    HeadConfig,
    SavedModel,
    SentenceScorer,
    tokenize_by_sentence,
)
from recsum.baselines.scoring import ExtractiveSystem
from recsum.baselines.sparse_attention import BlockSparseSelfAttention
from recsum.length import Length
from recsum.segment import Sentence

if TYPE_CHECKING:
    from transformers import BigBirdModel
    from transformers.modeling_outputs import BaseModelOutput

MAX_TOKENS = 65536  # the cap: positions are tiled this far, longer documents are truncated
FEED_FORWARD_TOKENS = 4096  # tokens per feed-forward call: its 1,536-wide states are the largest
logger = logging.getLogger("recsum")


class SparseBigBirdModel(nn.Module):
    """transformers' BigBird encoder with its self-attention computed at linear cost.

    Takes a ``BigBirdModel`` (block-sparse config) and keeps its embeddings, feed-forward layers
    and layer norms; every layer's ``attention.self`` becomes a :class:`BlockSparseSelfAttention`
    with parameters of the same names, so the state dict is the ``BigBirdModel``'s. Layer i draws
    its random blocks from ``seed + i``. ``forward`` takes token ids of any length up to the
    position table (optionally a right-padding mask and token types), with no switch to full
    attention for short inputs (transformers' makes it for good) and no n × n matrix for long
    ones.
    """

    def __init__(self, model: BigBirdModel, seed: int = 0) -> None:
        super().__init__()
        config = model.config
        if config.attention_type != "block_sparse":
            raise ValueError("SparseBigBirdModel computes block-sparse attention only")
        self.config = config
        self.seed = seed
        self.embeddings = model.embeddings
        self.encoder = model.encoder
        for index, layer in enumerate(self.encoder.layer):
            layer.attention.self = BlockSparseSelfAttention(
                config.hidden_size, config.num_attention_heads, config.block_size,
                config.num_random_blocks, seed + index, config.attention_probs_dropout_prob,
                bias=config.use_bias)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None,
                token_type_ids: torch.Tensor | None = None) -> BaseModelOutput:
        """``BaseModelOutput`` with the (batch, n, hidden) ``last_hidden_state``."""
        from transformers.modeling_outputs import BaseModelOutput

        length = input_ids.shape[1]
        if length > self.config.max_position_embeddings:
            raise ValueError(f"{length} tokens exceed the {self.config.max_position_embeddings} "
                             "positions of this encoder")
        if token_type_ids is None:
            token_type_ids = torch.zeros_like(input_ids)
        hidden = self.embeddings(input_ids=input_ids, token_type_ids=token_type_ids)
        for layer in self.encoder.layer:
            attention = layer.attention
            hidden = attention.output(attention.self(hidden, attention_mask), hidden)
            # The feed-forward layers are position-wise: a slice of tokens at a time, so that
            # their 4x-wide states never exist for the whole document at once.
            fed = torch.empty_like(hidden)
            for start in range(0, length, FEED_FORWARD_TOKENS):
                part = hidden[:, start:start + FEED_FORWARD_TOKENS]
                fed[:, start:start + FEED_FORWARD_TOKENS] = layer.output(layer.intermediate(part),
                                                                         part)
            hidden = fed
        return BaseModelOutput(last_hidden_state=hidden)


def bigbird_from_minilm(path: str | None = None, *, max_tokens: int = MAX_TOKENS,
                        attention_type: str = "block_sparse", block_size: int = 64,
                        num_random_blocks: int = 3, seed: int = 0,
                        implementation: Literal["linear", "transformers"] = "linear"
                        ) -> SparseBigBirdModel | BigBirdModel:
    """A BigBird encoder holding MiniLM's weights, its position table tiled to ``max_tokens``.

    ``attention_type="block_sparse"`` gives a :class:`SparseBigBirdModel` (random blocks from
    ``seed``), or with ``implementation="transformers"`` transformers' own ``BigBirdModel``, whose
    block-sparse attention is quadratic in memory and, in eval mode, uses no random blocks (kept
    to compare with). ``attention_type="original_full"`` gives a ``BigBirdModel`` with full
    attention.
    """
    from transformers import AutoModel, BigBirdConfig, BigBirdModel

    from recsum.summarizers import default_model_path
    from recsum.summarizers.loading import user_error_on_load

    if implementation not in ("linear", "transformers"):
        raise ValueError(f"unknown implementation {implementation!r}: 'linear' or 'transformers'")
    source = path or default_model_path()
    with user_error_on_load(source):
        bert = AutoModel.from_pretrained(source, use_safetensors=True)
    base = bert.config
    config = BigBirdConfig(
        vocab_size=base.vocab_size, hidden_size=base.hidden_size,
        num_hidden_layers=base.num_hidden_layers, num_attention_heads=base.num_attention_heads,
        intermediate_size=base.intermediate_size, hidden_act=base.hidden_act,
        hidden_dropout_prob=base.hidden_dropout_prob,
        attention_probs_dropout_prob=base.attention_probs_dropout_prob,
        max_position_embeddings=max_tokens, type_vocab_size=base.type_vocab_size,
        layer_norm_eps=base.layer_norm_eps, pad_token_id=base.pad_token_id,
        attention_type=attention_type, block_size=block_size,
        num_random_blocks=num_random_blocks, use_bias=True, rescale_embeddings=False,
    )
    model = BigBirdModel(config, add_pooling_layer=False)
    if attention_type == "block_sparse" and implementation == "linear":
        model = SparseBigBirdModel(model, seed=seed)
    state = {k: v for k, v in bert.state_dict().items() if not k.startswith("pooler.")}
    key = "embeddings.position_embeddings.weight"
    table = state[key]
    state[key] = table.repeat((max_tokens + len(table) - 1) // len(table), 1)[:max_tokens]
    model.load_state_dict(state, strict=False)
    missing = set(model.state_dict()) - set(state)
    if missing:
        raise RuntimeError(f"weights not copied from {source}: {sorted(missing)}")
    return model.eval()


@dataclass(frozen=True)
class Truncation:
    """How much of one document the encoder read."""

    read_tokens: int
    total_tokens: int

    @property
    def cut_fraction(self) -> float:
        return 1 - self.read_tokens / max(self.total_tokens, 1)


@torch.no_grad()  # not inference_mode: training heads on these states needs normal tensors
def sentence_states(encoder, tokenizer, text: str, sentences: Sequence[Sentence],
                    max_tokens: int = MAX_TOKENS) -> tuple[torch.Tensor, int, Truncation]:
    """Mean contextual state of every sentence the encoder reached, and how many it reached.

    The input is [CLS] + the document's tokens + [SEP], cut to ``max_tokens``.
    """
    ids, owner = tokenize_by_sentence(tokenizer, text, list(sentences))
    room = max_tokens - 2
    kept, kept_owner = ids[:room], owner[:room]
    tokens = [tokenizer.cls_token_id, *kept.tolist(), tokenizer.sep_token_id]
    device = next(encoder.parameters()).device
    hidden = encoder(input_ids=torch.tensor([tokens], device=device)).last_hidden_state[0, 1:-1]
    reached = int(kept_owner.max()) + 1 if (kept_owner >= 0).any() else 0
    states = torch.zeros(reached, hidden.shape[-1], device=device)
    inside = torch.from_numpy(kept_owner >= 0).to(device)
    index = torch.from_numpy(kept_owner).to(device)[inside]
    states.index_add_(0, index, hidden[inside])
    counts = torch.bincount(index, minlength=reached).clamp(min=1).unsqueeze(-1)
    return states / counts, reached, Truncation(len(tokens), len(ids) + 2)


@dataclass
class BigBirdHeadConfig(HeadConfig):
    """The scoring head and the encoder it was trained on (rebuilt from MiniLM at load time)."""

    hidden_size: int = 384
    projection: int = 256
    max_tokens: int = MAX_TOKENS
    block_size: int = 64
    num_random_blocks: int = 3
    seed: int = 0  # of the random blocks: the head is used with the pattern it was trained on


class BigBirdHead(SavedModel, nn.Module):
    """Sentence logits from BigBird's contextual sentence states."""

    model_type = "bigbird"
    config_class = BigBirdHeadConfig

    def __init__(self, config: BigBirdHeadConfig) -> None:
        super().__init__()
        self.config = config
        self.project = nn.Sequential(nn.Dropout(config.dropout),
                                     nn.Linear(config.hidden_size, config.projection), nn.Tanh(),
                                     nn.Dropout(config.dropout))
        self.scorer = SentenceScorer(config.projection, config.positions, config.segments)

    def forward(self, states: torch.Tensor) -> torch.Tensor:
        return self.scorer(self.project(states))

    def build_encoder(self):
        """The frozen warm-started encoder this head reads."""
        return bigbird_from_minilm(max_tokens=self.config.max_tokens,
                                   block_size=self.config.block_size,
                                   num_random_blocks=self.config.num_random_blocks,
                                   seed=self.config.seed)


class BigBirdSystem(ExtractiveSystem):
    """The warm-started BigBird encoder and its trained head as a whole-document System."""

    @staticmethod
    def check(path: str = "models/bigbird", device: str = "cpu") -> None:
        """Fail now, not after other systems ran, when there is no trained head in ``path``."""
        BigBirdHead.check_saved(path)

    def __init__(self, path: str = "models/bigbird", device: str = "cpu") -> None:
        self.head = BigBirdHead.from_pretrained(path, device=device)
        self.tokenizer = BigBirdHead.load_tokenizer(path)
        self.encoder = self.head.build_encoder().to(next(self.head.parameters()).device)
        self.name = "bigbird"
        self.truncations: list[Truncation] = []

    def summarize_documents(self, documents: Sequence[str], length: Length, *,
                            references: Sequence[Sequence[str]] | None = None) -> list[str]:
        """Summaries as every extractive system makes them; logs how much was cut, if any."""
        first = len(self.truncations)
        summaries = super().summarize_documents(documents, length, references=references)
        cut = [t for t in self.truncations[first:] if t.cut_fraction > 0]
        if cut:
            logger.warning(
                "bigbird reads %d tokens: %d of %d documents were cut (%.0f%% of their tokens "
                "on average); sentences past the cut are never selected",
                self.head.config.max_tokens, len(cut), len(documents),
                100 * float(np.mean([t.cut_fraction for t in cut])))
        return summaries

    @torch.inference_mode()
    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        states, reached, truncation = sentence_states(
            self.encoder, self.tokenizer, document, sentences, self.head.config.max_tokens)
        self.truncations.append(truncation)
        scores = np.full(len(sentences), -np.inf)
        if reached:
            scores[:reached] = self.head(states).float().cpu().numpy()
        return scores
