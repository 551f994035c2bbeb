"""The LSTM-encoder baseline: a hierarchical BiLSTM extractive summarizer (SummaRuNNer style).

A word-level BiLSTM reads each sentence's MiniLM WordPiece tokens (embeddings initialised from
MiniLM's token-embedding table; no Transformer layer is used) and is mean-pooled into a sentence
vector; a document-level BiLSTM reads all sentence vectors of the document, so its memory spans
the whole document without chunking; :class:`~recsum.baselines.heads.SentenceScorer` turns its
states into sentence scores with position and redundancy terms. Trained on greedy ROUGE oracle
labels by :mod:`recsum.training.baselines`.

Scoring a document streams (:meth:`HierarchicalLSTM.score_document`): sentences are tokenized
and read by the word BiLSTM a batch at a time, and the document BiLSTM and the scorer run over
slices of the sentence vectors with their state carried, so what is held for the whole document
is each sentence's vector (23 MB for the 46,000 sentences of 512k words). Training holds a
document's token ids at once (:meth:`HierarchicalLSTM.featurize`, then the model's forward pass).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pad_sequence

from recsum.baselines.heads import (
    HeadConfig,
    SavedModel,
    SentenceScorer,
    tokenize_by_sentence,
)
from recsum.baselines.scoring import ExtractiveSystem
from recsum.quirks import return_freed_memory
from recsum.segment import Sentence
from recsum.tokens import cuts_cleanly

# Sentences per word-LSTM batch.
BUCKET = 128
# torch's intra-op threads while training. Every step of the word and document BiLSTMs is a small
# matrix product (at most 128 sentences x 64 units) that threads share with a barrier each: with
# two threads on 2 shared cores, an epoch over 4 documents took 0.8 s while the other core was
# free and 8.7 s while it was busy, against 1.1 s on one thread either way. One thread also makes
# the trained weights independent of the machine's core count.
TRAINING_THREADS = 1
# When a whole document is scored (score_document), sentences tokenized at a time: tokenizing a
# 512k-word document in one call held its 700,000 tokens' strings and offsets, 450 MB at the peak.
SENTENCE_BATCH = 512
# ... sentences whose token ids are held and sorted by length together for the word BiLSTM: with
# only 512, batches of 128 mixed more lengths, and their padding made the word level 1.7x slower.
WORD_WINDOW = 4096
# ... sentences per word-LSTM batch: the activations of 128 sentences of 64 tokens peak at 42 MB,
# of 32 at 11 MB (same vectors, bitwise). Training keeps BUCKET, as its gradients would move.
SCORING_BUCKET = 32
# ... each word-LSTM batch padded to a multiple of this many tokens: oneDNN keeps a compiled LSTM
# (about 200 KB) per input shape, and a long document's batches came in most of 64 lengths.
# Multiples of 8 took 27 MB off the 512k-word peak (batches of 64) but made the word level 20%
# slower; multiples of 4 cost no measurable time.
SCORING_STEPS = 4
# ... sentences per slice of the document BiLSTM and the scorer: over a 512k-word document's
# 46,000 sentences at once, their intermediates took 210 and 190 MB; slices of 4,096 still left
# 37 and 65 MB more resident than slices of 256 (freed blocks that glibc kept), and were no faster.
STATE_ROWS = 256


def sentence_runs(text: str, sentences: Sequence[Sentence],
                  size: int) -> Iterator[tuple[int, int, int, int]]:
    """Consecutive runs of at least ``size`` sentences (the last may be shorter) as
    ``(first, stop, begin, end)``: ``sentences[first:stop]`` lie within ``text[begin:end]``.

    A run is extended until the text may be cut before the next sentence
    (:func:`~recsum.tokens.cuts_cleanly`); the runs' stretches cover the whole text.
    """
    first = begin = 0
    stop = size
    while stop < len(sentences):
        start = sentences[stop].start
        if cuts_cleanly(text, start):
            yield first, stop, begin, start
            first, begin, stop = stop, start, stop + size
        else:
            stop += 1
    yield first, len(sentences), begin, len(text)


@contextmanager
def training_threads(threads: int = TRAINING_THREADS) -> Iterator[None]:
    """torch's intra-op thread count set to ``threads`` for the block (training the model: see
    ``TRAINING_THREADS``), and restored after it."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@dataclass
class LSTMConfig(HeadConfig):
    """Sizes of the hierarchical BiLSTM.

    With these sizes an epoch over 191 documents (the training sets less a tenth held out: 132,000
    sentences, 2.1 million tokens) took 60-90 s on one thread of a shared 2-core CPU; the
    word BiLSTM's forward and backward passes over every token are 70% of it, the dropout on its
    embedded tokens 15%.
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

    def featurize(self, tokenizer, text: str, sentences: Sequence[Sentence],
                  offset: int = 0) -> list[torch.Tensor]:
        """Token ids per sentence (cut to ``max_sentence_tokens``; [UNK] if a sentence has none).

        ``text`` is tokenized in one call; it may be the stretch of a document that begins at
        character ``offset``, the document whose spans ``sentences`` give.
        """
        ids, owner = tokenize_by_sentence(tokenizer, text, list(sentences), offset)
        order = np.argsort(owner, kind="stable")
        bounds = np.searchsorted(owner[order], np.arange(len(sentences) + 1))
        limit = self.config.max_sentence_tokens
        return [
            torch.from_numpy(ids[order[begin:end][:limit]]) if end > begin
            else torch.tensor([self.config.unk_token_id])
            for begin, end in itertools.pairwise(bounds)
        ]

    def featurize_in_batches(
        self, tokenizer, text: str, sentences: Sequence[Sentence], batch: int = SENTENCE_BATCH
    ) -> Iterator[tuple[int, list[torch.Tensor]]]:
        """:meth:`featurize` for runs of about ``batch`` sentences (see :func:`sentence_runs`),
        each tokenizing only its own stretch of ``text``: the index of each run's first sentence
        and its sentences' token ids, equal to the whole text's."""
        for first, stop, begin, end in sentence_runs(text, sentences, batch):
            yield first, self.featurize(tokenizer, text[begin:end], sentences[first:stop], begin)

    @torch.inference_mode()
    def score_document(self, tokenizer, text: str, sentences: Sequence[Sentence], *,
                       batch: int = SENTENCE_BATCH, window: int = WORD_WINDOW,
                       rows: int = STATE_ROWS) -> torch.Tensor:
        """Logits of a whole document's sentences, streamed, with dropout off.

        Sentences are tokenized about ``batch`` at a time, their token ids held and read by the
        word BiLSTM about ``window`` at a time, and the document BiLSTM and the scorer run over
        ``rows`` at a time; what is held for every sentence is its vector. Equal to
        ``self(self.featurize(tokenizer, text, sentences))`` in eval mode, to float tolerance.
        """
        vectors = torch.empty(len(sentences), 2 * self.config.word_hidden,
                              device=self.embedding.weight.device)
        pending: list[torch.Tensor] = []
        for first, sentence_ids in self.featurize_in_batches(tokenizer, text, sentences, batch):
            pending += sentence_ids
            stop = first + len(sentence_ids)
            if len(pending) >= window or stop == len(sentences):
                vectors[stop - len(pending) : stop] = self.sentence_vectors(
                    pending, SCORING_BUCKET, SCORING_STEPS)
                pending = []
                # Each window frees megabytes of embedded tokens and word states that glibc
                # would keep resident, between the vectors that stay.
                return_freed_memory()
        slices, mean = self._document_slices(vectors, rows)
        return self.scorer.score_slices(slices, mean, len(vectors))

    def forward(self, sentence_ids: Sequence[torch.Tensor]) -> torch.Tensor:
        """Logits of one document's sentences, given all their token ids in document order."""
        pooled = self.sentence_vectors(sentence_ids)
        context, _ = self.sentence_lstm(self.dropout(pooled).unsqueeze(0))
        return self.scorer(self.dropout(context[0]))

    def sentence_vectors(self, sentence_ids: Sequence[torch.Tensor], bucket_size: int = BUCKET,
                         step_multiple: int = 1) -> torch.Tensor:
        """The word BiLSTM's mean-pooled vector of each sentence, in the order given, read
        ``bucket_size`` sentences at a time, each batch padded to a multiple of
        ``step_multiple`` tokens."""
        lengths = torch.tensor([len(ids) for ids in sentence_ids])
        order = torch.argsort(lengths)
        vectors = []
        # Sentences of similar length share a batch, so little of it is padding.
        for bucket in order.split(bucket_size):
            batch = [sentence_ids[i] for i in bucket]
            vectors.append(self._sentence_vectors(batch, lengths[bucket], step_multiple))
        pooled = torch.empty(len(sentence_ids), 2 * self.config.word_hidden,
                             device=self.embedding.weight.device)
        pooled[order.to(pooled.device)] = torch.cat(vectors)
        return pooled

    def _document_slices(self, vectors: torch.Tensor,
                         rows: int) -> tuple[Iterator[torch.Tensor], torch.Tensor]:
        """The document BiLSTM's states over a whole document's sentence vectors, as slices of
        ``rows`` sentences in order (to be read once), and the mean of all states.

        Neither direction's states are kept for the whole document (46 MB at 512k words): the
        backward direction runs first, last slice to first, keeping only the state it enters
        each slice with; both directions then run again slice by slice, the backward one from
        those states. Each state is computed twice; all four passes and the scorer took 0.17 s
        of about 1 s for a 32k-word document (one thread).
        """
        starts = range(0, len(vectors), rows)
        entering: dict[int, list[torch.Tensor] | None] = {}
        backward_sums, state = [], None
        for begin in reversed(starts):
            entering[begin] = state
            states, state = self._document_direction(vectors[begin : begin + rows].flip(0),
                                                     state, reverse=True)
            backward_sums.append(states.sum(0))
        forward_sums, state = [], None
        for begin in starts:
            states, state = self._document_direction(vectors[begin : begin + rows], state)
            forward_sums.append(states.sum(0))
        mean = torch.cat([torch.stack(forward_sums).sum(0),
                          torch.stack(backward_sums).sum(0)]) / len(vectors)

        def slices() -> Iterator[torch.Tensor]:
            state = None
            for begin in starts:
                part = vectors[begin : begin + rows]
                forward, state = self._document_direction(part, state)
                backward, _ = self._document_direction(part.flip(0), entering[begin],
                                                       reverse=True)
                yield torch.cat([forward, backward.flip(0)], -1)

        return slices(), mean

    def _document_direction(self, vectors: torch.Tensor, state: list[torch.Tensor] | None,
                            reverse: bool = False) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """One direction of the document BiLSTM over consecutive sentence vectors (reversed
        ones for the backward direction), from ``state`` (its (h, c) after the slice before;
        None at the document's edge): the states and the state to carry on. Bitwise equal to
        the module's states over the whole document."""
        suffix = "_reverse" if reverse else ""
        weights = [getattr(self.sentence_lstm, f"{name}_l0{suffix}")
                   for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        if state is None:
            state = [vectors.new_zeros(1, 1, self.config.sentence_hidden)] * 2
        # torch.lstm is what nn.LSTM calls: (input, (h, c), weights, has_biases, layers,
        # dropout, train, bidirectional, batch_first) -> (states, h, c).
        states, *state = torch.lstm(vectors.unsqueeze(0), state, weights, True, 1, 0.0, False,
                                    False, True)
        return states[0], state

    def _sentence_vectors(self, sentence_ids: list[torch.Tensor], lengths: torch.Tensor,
                          step_multiple: int = 1) -> torch.Tensor:
        """Mean of the word BiLSTM's states over each sentence's tokens."""
        device = self.embedding.weight.device
        padded = pad_sequence(sentence_ids, batch_first=True,
                              padding_value=self.config.pad_token_id)
        padded = nn.functional.pad(padded, (0, -padded.shape[1] % step_multiple),
                                   value=self.config.pad_token_id).to(device)
        steps = torch.arange(padded.shape[1])
        valid = steps < lengths.unsqueeze(1)
        # Each sentence reversed within its own length, padding left at the end.
        reverse = torch.where(valid, lengths.unsqueeze(1) - 1 - steps, steps).to(device)
        embedded = self.dropout(self.embedding(padded))
        forward, _ = self.word_forward(embedded)
        reversed_input = embedded.gather(1, reverse.unsqueeze(-1).expand_as(embedded))
        # Scoring needs the batch's embeddings no longer (3 MB for 32 sentences of 64 tokens);
        # training keeps them for the backward pass in any case.
        del embedded
        backward, _ = self.word_backward(reversed_input)
        mask = valid.to(device).unsqueeze(-1)
        size = lengths.to(device).unsqueeze(1)
        return torch.cat([(forward * mask).sum(1), (backward * mask).sum(1)], -1) / size


class LSTMSystem(ExtractiveSystem):
    """The trained hierarchical BiLSTM as a whole-document
    :class:`~recsum.experiments.systems.System`."""

    @staticmethod
    def check(path: str = "models/lstm", device: str = "cpu") -> None:
        """Fail now, not after other systems ran, when there is no trained model in ``path``."""
        HierarchicalLSTM.check_saved(path)

    def __init__(self, path: str = "models/lstm", device: str = "cpu") -> None:
        self.model = HierarchicalLSTM.from_pretrained(path, device=device)
        self.tokenizer = HierarchicalLSTM.load_tokenizer(path)
        self.name = "lstm"

    @torch.inference_mode()
    def score(self, document: str, sentences: list[Sentence], budget: int,
              references: Sequence[str] | None) -> np.ndarray:
        return self.model.score_document(self.tokenizer, document, sentences).float().cpu().numpy()
