"""Token counting with a part summarizer's own tokenizer, special tokens and prefix included;
and words as ROUGE tokenizes them."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Protocol

import numpy as np
from tokenizers import Tokenizer

# Texts encoded at once when counting.
COUNT_SLICE = 1024
# Where WordPiece (BERT) splits words in any case: a text cut just after one of these
# characters is tokenized, piece by piece, exactly as it is whole; a cut inside a word would
# turn its "##" pieces into word starts.
CUT_AFTER = frozenset(" \t\n\r")
# Characters of a long text tokenized at once (see count_tokens_in_pieces).
PIECE_CHARACTERS = 20_000


class TokenCounter(Protocol):
    """What the chunker needs to know about a model's tokenizer."""

    def count(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes as one model input, special tokens and prefix included."""
        ...

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each content token of ``text`` (no special tokens)."""
        ...


def private_copy(tokenizer: Tokenizer, *, max_length: int | None = None) -> Tokenizer:
    """A copy of a ``tokenizers.Tokenizer`` that pads nothing and truncates only to
    ``max_length``: a shared one (a fast tokenizer's backend, a ``tokenizer.json``) keeps
    whatever padding and truncation were last set on it."""
    copy = Tokenizer.from_str(tokenizer.to_str())
    copy.no_padding()
    if max_length is None:
        copy.no_truncation()
    else:
        copy.enable_truncation(max_length)
    return copy


class HFTokenCounter:
    """A :class:`TokenCounter` over a Hugging Face ``tokenizers.Tokenizer``; for a transformers
    fast tokenizer, pass its ``backend_tokenizer``."""

    def __init__(self, tokenizer: Tokenizer, prefix: str = "") -> None:
        self.tokenizer = private_copy(tokenizer)
        self.prefix = prefix

    def count(self, texts: Sequence[str]) -> list[int]:
        # In slices: an encoding holds every token's string, and a long document's sentences
        # encoded at once would hold tens of megabytes for a moment. No offsets: not needed.
        counts = []
        for begin in range(0, len(texts), COUNT_SLICE):
            encoded = self.tokenizer.encode_batch_fast(
                [self.prefix + text for text in texts[begin : begin + COUNT_SLICE]]
            )
            counts.extend(len(encoding.ids) for encoding in encoded)
        return counts

    def spans(self, text: str) -> list[tuple[int, int]]:
        offsets = self.tokenizer.encode(text, add_special_tokens=False).offsets
        return [(start, end) for start, end in offsets if end > start]


def cuts_cleanly(text: str, position: int) -> bool:
    """Whether ``text`` may be cut before ``position`` without changing its tokens."""
    return position > 0 and text[position - 1] in CUT_AFTER


def count_tokens_in_pieces(tokenizer, text: str) -> int:
    """Tokens of ``text`` as one input of a transformers tokenizer, special tokens included,
    counted a piece of about :data:`PIECE_CHARACTERS` at a time, each cut where
    :func:`cuts_cleanly` allows: encoding a 512k-word document at once took 450 MB."""
    backend = private_copy(tokenizer.backend_tokenizer)
    content = begin = 0
    while begin < len(text):
        end = begin + PIECE_CHARACTERS
        while end < len(text) and not cuts_cleanly(text, end):
            end += 1
        end = min(end, len(text))
        content += len(backend.encode(text[begin:end], add_special_tokens=False).ids)
        begin = end
    return content + tokenizer.num_special_tokens_to_add()


def token_owners(token_starts: np.ndarray, span_starts: np.ndarray,
                 span_ends: np.ndarray | None = None) -> np.ndarray:
    """For each token (by the character where it starts), the index of the span it starts in:
    spans sorted by start; -1 before the first span and, with ``span_ends``, past its span's
    end. How the encoder and the trained baselines know which sentence a token belongs to."""
    owner = np.searchsorted(span_starts, token_starts, side="right") - 1
    if span_ends is None:
        return owner
    inside = (owner >= 0) & (token_starts < span_ends[np.clip(owner, 0, None)])
    return np.where(inside, owner, -1)


def rouge_tokens(text: str) -> list[str]:
    """Tokens exactly as rouge_score sees them (lowercased, alphanumeric, Porter-stemmed)."""
    return _rouge_tokenizer().tokenize(text)


@lru_cache(maxsize=1)
def _rouge_tokenizer():
    from rouge_score.tokenizers import DefaultTokenizer

    return DefaultTokenizer(use_stemmer=True)
