"""The LSTM-encoder baseline: a hierarchical BiLSTM extractive summarizer (SummaRuNNer style).

A word-level BiLSTM reads each sentence's MiniLM WordPiece tokens (embeddings initialised from
MiniLM's token-embedding table; no Transformer layer is used) and is mean-pooled into a sentence
vector; a document-level BiLSTM reads all sentence vectors of the document at once, so its memory
spans the whole document without chunking; :class:`~recsum.baselines.heads.SentenceScorer` turns
its states into sentence scores with position and redundancy terms. Trained on greedy ROUGE
oracle labels by :mod:`recsum.baselines.train`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from recsum.baselines.heads import (
    SavedModel,
    ScorerConfig,
    SentenceScorer,
    tokenize_by_sentence,
)
from recsum.baselines.scoring import ExtractiveSystem
from recsum.segment import Sentence

# Sentences per word-LSTM batch.
BUCKET = 128


@dataclass
class LSTMConfig(ScorerConfig):
    """Sizes of the hierarchical BiLSTM.

    With these sizes an epoch over 110 documents (50 stories, 60 meetings) took 6-9 minutes on
    a shared 2-core CPU; the word-level LSTM over every token is most of it.
    """

    vocab_size: int = 30522
    embedding_dim: int = 384
    word_hidden: int = 64
    sentence_hidden: int = 128
    # Tokens read per sentence: longer sentences (rare outside run-on meeting turns) are cut.
    max_sentence_tokens: int = 64
    freeze_embeddings: bool = True
    pad_token_id: int = 0
    unk_token_id: int = 100


class HierarchicalLSTM(SavedModel, nn.Module):
    """Word BiLSTM -> sentence vectors -> document BiLSTM -> one logit per sentence."""

    model_type = "lstm"
    config_class = LSTMConfig

    def __init__(self, config: LSTMConfig) -> None:
        super().__init__()
        self.config = config
        self.embedding = nn.Embedding(config.vocab_size, config.embedding_dim,
                                      padding_idx=config.pad_token_id)
        self.embedding.weight.requires_grad = not config.freeze_embeddings
        # Two one-way LSTMs over right-padded batches instead of one packed BiLSTM: on CPU the
        # backward pass of packed sequences was 6x slower (14 s vs 2.3 s, 1,261 meeting turns).
        self.word_forward = nn.LSTM(config.embedding_dim, config.word_hidden, batch_first=True)
        self.word_backward = nn.LSTM(config.embedding_dim, config.word_hidden, batch_first=True)
        self.sentence_lstm = nn.LSTM(2 * config.word_hidden, config.sentence_hidden,
                                     batch_first=True, bidirectional=True)
        self.dropout = nn.Dropout(config.dropout)
        self.scorer = SentenceScorer(2 * config.sentence_hidden, config.positions, config.segments)

    @classmethod
    def from_minilm(cls, config: LSTMConfig | None = None,
                    path: str | None = None) -> HierarchicalLSTM:
        """A new model whose word embeddings are MiniLM's token-embedding table."""
        from safetensors import safe_open

        from recsum.summarizers import default_model_path

        weights = f"{path or default_model_path()}/model.safetensors"
        with safe_open(weights, framework="pt") as tensors:
            names = tensors.keys()
            name = next(k for k in names if k.endswith("embeddings.word_embeddings.weight"))
            table = tensors.get_tensor(name)
        config = config or LSTMConfig()
        config.vocab_size, config.embedding_dim = table.shape
        model = cls(config)
        with torch.no_grad():
            model.embedding.weight.copy_(table)
        return model

    def featurize(self, tokenizer, text: str, sentences: Sequence[Sentence]) -> list[torch.Tensor]:
        """Token ids per sentence (cut to ``max_sentence_tokens``; [UNK] if a sentence has none)."""
        ids, owner = tokenize_by_sentence(tokenizer, text, list(sentences))
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(sentences) + 1))
        limit = self.config.max_sentence_tokens
        return [
            torch.from_numpy(ids[order[begin:end][:limit]]) if end > begin
            else torch.tensor([self.config.unk_token_id])
            for begin, end in itertools.pairwise(bounds)
        ]

    def forward(self, sentence_ids: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits of one document's sentences, given their token ids in document order."""
        lengths = torch.tensor([len(ids) for ids in sentence_ids])
        order = torch.argsort(lengths)
        vectors = []
        # Sentences of similar length share a batch, so little of it is padding.
        for bucket in order.split(BUCKET):
            batch = [sentence_ids[i] for i in bucket]
            vectors.append(self._sentence_vectors(batch, lengths[bucket]))
        pooled = torch.empty(len(sentence_ids), 2 * self.config.word_hidden,
                             device=self.embedding.weight.device)
        pooled[order.to(pooled.device)] = torch.cat(vectors)
        context, _ = self.sentence_lstm(self.dropout(pooled).unsqueeze(0))
        return self.scorer(self.dropout(context[0]))

    def _sentence_vectors(self, sentence_ids: list[torch.Tensor],
                          lengths: torch.Tensor) -> torch.Tensor:
        """Mean of the word BiLSTM's states over each sentence's tokens."""
        device = self.embedding.weight.device
        padded = pad_sequence(sentence_ids, batch_first=True,
                              padding_value=self.config.pad_token_id).to(device)
        steps = torch.arange(padded.shape[1])
        valid = steps < lengths.unsqueeze(1)
        # Each sentence reversed within its own length, padding left at the end.
        reverse = torch.where(valid, lengths.unsqueeze(1) - 1 - steps, steps).to(device)
        embedded = self.dropout(self.embedding(padded))
        forward, _ = self.word_forward(embedded)
        reversed_input = embedded.gather(1, reverse.unsqueeze(-1).expand_as(embedded))
        backward, _ = self.word_backward(reversed_input)
        mask = valid.to(device).unsqueeze(-1)
        size = lengths.to(device).unsqueeze(1)
        return torch.cat([(forward * mask).sum(1), (backward * mask).sum(1)], -1) / size


class LSTMSystem(ExtractiveSystem):
    """The trained hierarchical BiLSTM as a whole-document
    :class:`~recsum.evaluation.systems.System`."""

    @staticmethod
    def check(path: str = "models/lstm", device: str = "cpu") -> None:
        """Fail now, not after other systems ran, when there is no trained model in ``path``."""
        HierarchicalLSTM.check_saved(path)

    def __init__(self, path: str = "models/lstm", device: str = "cpu") -> None:
        from transformers import AutoTokenizer

        self.model = HierarchicalLSTM.from_pretrained(path, device=device)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        self.name = "lstm"

    @torch.inference_mode()
    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        features = self.model.featurize(self.tokenizer, document, sentences)
        return self.model(features).float().cpu().numpy()
