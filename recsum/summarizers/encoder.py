"""Sentences read in context: a BERT-style encoder reads each chunk, each sentence gets a vector.

A chunk is its sentences joined one per line, at most the encoder's window. Every sentence's
vector is the mean of its tokens' hidden states within the chunk (those of the last layer the
model computes: the default's scorer reads MiniLM's third), normalized to unit length, so a
sentence is seen together with its neighbours. Chunks are sorted by length and
batched up to a token budget, so that little of a batch is padding. The model is any callable
from numpy token ids and mask to numpy hidden states: ONNX Runtime's
(:class:`~recsum.summarizers.onnx_bert.OnnxBertEncoder`) or torch's
(:class:`~recsum.summarizers.bert.TorchEncoder`), as :mod:`recsum.summarizers.runtime` chose.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
from tokenizers import Tokenizer

from recsum.chunk import SEPARATOR
from recsum.quirks import return_freed_memory
from recsum.tokens import COUNT_SLICE, private_copy, token_owners

# Tokens per encoder batch, padding included, where a batch pays (torch, above all on a GPU).
BATCH_TOKENS = 2048
# ONNX Runtime on a CPU reads one chunk per run: 3% faster than batches of 2,048 tokens on 2
# cores (no padding), and a chunk's vectors do not depend on the chunks that would have shared
# its batch (int8 quantizes a batch's activations with one scale).
ONE_CHUNK = 0


@dataclass
class EncoderStats:
    """What a :class:`ChunkEncoder` has done: the figures a benchmark counts FLOPs from."""

    chunks: int = 0
    tokens: int = 0  # special tokens included, padding excluded
    token_squares: int = 0  # sum of squared chunk lengths (attention cost)
    padded_tokens: int = 0  # tokens the model computed, padding included
    batches: int = 0
    seconds: float = 0.0


class Encoder(Protocol):
    """A BERT-style encoder called with (batch, length) int64 arrays of token ids and mask;
    ``config`` has ``hidden_size`` and ``max_position_embeddings`` (and the rest of a BERT
    config, for FLOP counts)."""

    config: Any  # a BERT config; num_hidden_layers: the layers it computes

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        """Last hidden states, (batch, length, hidden) float32."""
        ...


class ChunkEncoder:
    """``encode(chunks)``: one unit-length vector per sentence, each read within its chunk.

    ``model`` is an :class:`Encoder`; ``tokenizer`` is a ``tokenizers.Tokenizer`` that adds the
    model's special tokens; ``path`` says how the model runs (a
    :class:`~recsum.summarizers.runtime.EncoderPlan`'s label, for reports); ``batch_tokens``
    bounds a batch's padded size (:data:`ONE_CHUNK`: every chunk alone).
    """

    def __init__(self, model: Encoder, tokenizer: Tokenizer, *, path: str = "",
                 batch_tokens: int = BATCH_TOKENS) -> None:
        self.model = model
        self.tokenizer = private_copy(tokenizer, max_length=model.config.max_position_embeddings)
        self.path = path
        self.batch_tokens = batch_tokens
        self.hidden_size = model.config.hidden_size
        self.max_tokens = model.config.max_position_embeddings
        self.layers = model.config.num_hidden_layers  # the layer whose states it gives
        self.stats = EncoderStats()

    def encode(self, chunks: Sequence[Sequence[str]],
               progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """For each chunk (a list of sentences), a (sentences, hidden) float32 array.

        ``progress`` is called with the number of chunks each batch finished.
        """
        started = time.perf_counter()
        texts = [SEPARATOR.join(chunk) for chunk in chunks]
        # Lengths first (to batch by; one chunk per batch needs none), encodings batch by batch:
        # a long document's chunks encoded at once, with their offsets, held 417 MB at 512k words.
        lengths = [0] * len(texts)
        if self.batch_tokens:
            lengths = [len(encoding.ids) for begin in range(0, len(texts), COUNT_SLICE)
                       for encoding in self.tokenizer.encode_batch_fast(
                           texts[begin : begin + COUNT_SLICE])]
        out = [np.zeros((len(chunk), self.hidden_size), dtype=np.float32) for chunk in chunks]
        order = sorted(range(len(chunks)), key=lengths.__getitem__)
        begin = 0
        while begin < len(order):
            # Ascending lengths: grow the batch while its padded size stays within budget.
            end = begin + 1
            while (self.batch_tokens and end < len(order)
                   and lengths[order[end]] * (end - begin + 1) <= self.batch_tokens):
                end += 1
            batch = order[begin:end]
            encodings = self.tokenizer.encode_batch([texts[index] for index in batch])
            ids = np.zeros((len(batch), max(len(e.ids) for e in encodings)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, encoding in enumerate(encodings):
                ids[row, :len(encoding.ids)] = encoding.ids
                mask[row, :len(encoding.ids)] = 1
            hidden = self.model(ids, mask)
            for row, (index, encoding) in enumerate(zip(batch, encodings, strict=True)):
                owner = _sentence_of_token(chunks[index], encoding.offsets,
                                           encoding.special_tokens_mask)
                out[index] = _pool(hidden[row], owner, len(chunks[index]))
            self._count(ids, mask)
            return_freed_memory()  # after every batch: the peak stays flat as documents grow
            if progress is not None:
                progress(len(batch))
            begin = end
        self.stats.seconds += time.perf_counter() - started
        return out

    def _count(self, ids: np.ndarray, mask: np.ndarray) -> None:
        lengths = mask.sum(1)
        self.stats.chunks += len(lengths)
        self.stats.tokens += int(lengths.sum())
        self.stats.token_squares += int((lengths**2).sum())
        self.stats.padded_tokens += ids.size
        self.stats.batches += 1


def _sentence_of_token(sentences: Sequence[str], offsets: Sequence[tuple[int, int]],
                       special: Sequence[int]) -> np.ndarray:
    """For each token of a chunk, the index of its sentence; -1 for special tokens."""
    starts = np.cumsum([0] + [len(s) + len(SEPARATOR) for s in sentences[:-1]])
    owner = token_owners(np.array([start for start, _ in offsets], dtype=np.int64), starts)
    return np.where(np.asarray(special, dtype=bool), -1, owner)


def _pool(hidden: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Mean of each sentence's token states, unit length; the chunk's first state for a
    sentence that got no token."""
    length = len(owner)
    states = hidden[:length].astype(np.float32, copy=False)
    sums = np.zeros((count, states.shape[1]), dtype=np.float32)
    valid = owner >= 0
    owners, kept = owner[valid], states[valid]
    tokens = np.bincount(owners, minlength=count)
    if len(owners):
        # A sentence's tokens are consecutive: add the k-th token of every sentence at once, in
        # token order, so the sums are np.add.at's to the bit at a third of its time.
        firsts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
        lengths = np.diff(np.r_[firsts, len(owners)])
        rows = owners[firsts]
        for step in range(int(lengths.max())):
            live = lengths > step
            sums[rows[live]] += kept[firsts[live] + step]
    sums[tokens == 0] = states[0]
    pooled = sums / np.maximum(tokens, 1)[:, None]
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

