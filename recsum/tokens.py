"""Token counting with a part summarizer's own tokenizer, special tokens and prefix included."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class TokenCounter(Protocol):
    """What the chunker needs to know about a model's tokenizer."""

    def count(self, texts: Sequence[str]) -> list[int]:
        """Tokens each text takes as one model input, special tokens and prefix included."""
        ...

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Character span of each content token of ``text`` (no special tokens)."""
        ...


class HFTokenCounter:
    """A :class:`TokenCounter` over a Hugging Face fast tokenizer."""

    def __init__(self, tokenizer, prefix: str = "") -> None:
        self.tokenizer = tokenizer
        self.prefix = prefix

    def count(self, texts: Sequence[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(
            [self.prefix + text for text in texts],
            add_special_tokens=True,
            truncation=False,
            verbose=False,
            return_attention_mask=False,
            return_token_type_ids=False,
        )
        return [len(ids) for ids in encoded["input_ids"]]

    def spans(self, text: str) -> list[tuple[int, int]]:
        encoded = self.tokenizer(
            text,
            add_special_tokens=False,
            truncation=False,
            verbose=False,
            return_offsets_mapping=True,
        )
        return [(start, end) for start, end in encoded["offset_mapping"] if end > start]
