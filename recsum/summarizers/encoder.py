"""Sentences read in context: a BERT-style encoder reads each chunk, each sentence gets a vector.

A chunk is its sentences joined one per line, at most the encoder's window. Every sentence's
vector is the mean of its tokens' hidden states within the chunk (those of the last layer the
model computes: the default's scorer reads MiniLM's third), normalized to unit length, so a
sentence is seen together with its neighbours. Chunks are sorted by length and
batched up to a token budget, so that little of a batch is padding. The model is any callable
from numpy token ids and mask to numpy hidden states: ONNX Runtime's
(:class:`~recsum.summarizers.onnx_bert.OnnxBertEncoder`) or torch's
(:class:`~recsum.summarizers.bert.TorchEncoder`), as :mod:`recsum.summarizers.runtime` chose.
:meth:`ChunkEncoder.encode_each` hands each chunk's vectors over as its batch is done, and a
model that keeps working memory between runs (ONNX Runtime's arena) gives it back every so many
batches and after a long read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
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
# Batches between two releases of the model's working memory (a model that keeps it, as ONNX
# Runtime's arena does, gives it back every so many batches, and after a read of as many).
RELEASE_EVERY = 50


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

    ``model`` is an :class:`Encoder`, and may have a ``release_memory()`` that gives back the
    working memory its runs keep; ``tokenizer`` is a ``tokenizers.Tokenizer`` that adds the
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
        self._release: Callable[[], None] | None = getattr(model, "release_memory", None)

    def encode(self, chunks: Sequence[Sequence[str]],
               progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """For each chunk (a list of sentences), a (sentences, hidden) float64 array: each
        sentence's states summed in float32, then averaged and scaled to unit length in float64.

        ``progress`` is called with the number of chunks each batch finished.
        """
        out: list[np.ndarray] = [np.zeros((0, self.hidden_size), np.float32)] * len(chunks)
        for index, vectors in self.encode_each(chunks, progress):
            out[index] = vectors
        return out

    def encode_each(self, chunks: Sequence[Sequence[str]],
                    progress: Callable[[int], None] | None = None
                    ) -> Iterator[tuple[int, np.ndarray]]:
        """Each chunk's index and its vectors (as :meth:`encode` gives them), as its batch is
        done: in the order given when every chunk is read alone (:data:`ONE_CHUNK`), else batch
        by batch, shortest chunks first. A caller that keeps only what it needs of each holds
        no chunk's vectors past its own use of them.

        ``progress`` is called with the number of chunks each batch finished.
        """
        # Lengths first (to batch by; one chunk per batch needs none), encodings batch by batch:
        # a long document's chunks encoded at once, with their offsets, held 417 MB at 512k words.
        # Each chunk's text is joined when its batch comes, so that no list of every chunk's
        # text is held either.
        lengths = [0] * len(chunks)
        if self.batch_tokens:
            lengths = [len(encoding.ids) for begin in range(0, len(chunks), COUNT_SLICE)
                       for encoding in self.tokenizer.encode_batch_fast(
                           [SEPARATOR.join(c) for c in chunks[begin : begin + COUNT_SLICE]])]
        order = sorted(range(len(chunks)), key=lengths.__getitem__)
        begin = batches = 0
        while begin < len(order):
            started = time.perf_counter()
            # Ascending lengths: grow the batch while its padded size stays within budget.
            end = begin + 1
            while (self.batch_tokens and end < len(order)
                   and lengths[order[end]] * (end - begin + 1) <= self.batch_tokens):
                end += 1
            batch = order[begin:end]
            encodings = self.tokenizer.encode_batch([SEPARATOR.join(chunks[index])
                                                     for index in batch])
            ids = np.zeros((len(batch), max(len(e.ids) for e in encodings)), dtype=np.int64)
            mask = np.zeros_like(ids)
            for row, encoding in enumerate(encodings):
                ids[row, :len(encoding.ids)] = encoding.ids
                mask[row, :len(encoding.ids)] = 1
            hidden = self.model(ids, mask)
            pooled = []
            for row, (index, encoding) in enumerate(zip(batch, encodings, strict=True)):
                owner = _sentence_of_token(chunks[index], encoding.offsets,
                                           encoding.special_tokens_mask)
                pooled.append((index, _pool(hidden[row], owner, len(chunks[index]))))
            self._count(ids, mask)
            del hidden, encodings, ids, mask
            batches += 1
            if self._release is not None and batches % RELEASE_EVERY == 0:
                self._release()
            return_freed_memory()  # after every batch: the peak stays flat as documents grow
            # The encoder's time, not the caller's between two batches.
            self.stats.seconds += time.perf_counter() - started
            if progress is not None:
                progress(len(batch))
            yield from pooled
            begin = end
        if self._release is not None and batches >= RELEASE_EVERY:
            # A long read: what the model kept would add to the peak while the caller rates
            # all it read. After a short one it is little, and giving it back would cost the
            # next read's first batch its regrowth (2% of a 2k-word document's time).
            self._release()

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

