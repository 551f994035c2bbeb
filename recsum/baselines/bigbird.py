"""The BigBird baseline: a 4,096-token block-sparse encoder warm-started from MiniLM, plus a head.

The encoder is transformers' ``BigBirdModel`` (``attention_type="block_sparse"``) built with
all-MiniLM-L6-v2's sizes: every MiniLM weight is copied and its table of position embeddings is
tiled to 4,096, as BigBird and Longformer were built from RoBERTa. It reads the whole document
at once, up to 4,096 tokens; a longer document is truncated there, sentences past the cut are never
selected, and the system reports how much was cut (``truncations``, and a log line). Each
sentence is represented by the mean of its tokens' contextual states; the trained part is a
:class:`~recsum.baselines.heads.SentenceScorer` head over those, fed by the same oracle labels and
recipe as the LSTM (:mod:`recsum.training.baselines`). Backpropagating through a 4,096-token encoder
is too slow on CPU, so the encoder stays frozen and its sentence representations are computed
once per training document. In eval mode transformers' BigBird uses no random blocks (sliding
window and global blocks only), so scores are deterministic.

Online users can instead summarize abstractively in one 4,096-token pass with
``google/bigbird-pegasus-large-arxiv`` (or any BigBird-Pegasus or LED id) through the existing
seq2seq backend: ``recsum summarize FILE --model google/bigbird-pegasus-large-arxiv``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

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
from recsum.length import Length
from recsum.segment import Sentence

MAX_TOKENS = 4096
logger = logging.getLogger("recsum")


def bigbird_from_minilm(path: str | None = None, *, max_tokens: int = MAX_TOKENS,
                        attention_type: str = "block_sparse", block_size: int = 64,
                        num_random_blocks: int = 3):
    """A ``BigBirdModel`` holding MiniLM's weights, its position table tiled to ``max_tokens``."""
    from transformers import AutoModel, BigBirdConfig, BigBirdModel

    from recsum.summarizers import default_model_path
    from recsum.summarizers.loading import user_error_on_load

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
                                   num_random_blocks=self.config.num_random_blocks)


class BigBirdSystem(ExtractiveSystem):
    """The warm-started BigBird encoder and its trained head as a whole-document System."""

    @staticmethod
    def check(path: str = "models/bigbird", device: str = "cpu") -> None:
        """Fail now, not after other systems ran, when there is no trained head in ``path``."""
        BigBirdHead.check_saved(path)

    def __init__(self, path: str = "models/bigbird", device: str = "cpu") -> None:
        from transformers import AutoTokenizer

        self.head = BigBirdHead.from_pretrained(path, device=device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
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
