"""Part summarizers behind one small interface (:class:`PartSummarizer`), and loading by name.

The seq2seq summarizer (torch and transformers) is imported on first use, so that the embedded
default starts without them.
"""

from __future__ import annotations

from typing import Any

from recsum.config import EXTRACTIVE_MODEL, SummarizerConfig
from recsum.errors import RecsumError
from recsum.summarizers.base import PartSummarizer, SentenceRater
from recsum.summarizers.extractive import ExtractiveSummarizer, default_model_path

DEFAULT_MODEL = EXTRACTIVE_MODEL

__all__ = [
    "DEFAULT_MODEL",
    "ExtractiveSummarizer",
    "PartSummarizer",
    "SentenceRater",
    "Seq2SeqSummarizer",
    "default_model_path",
    "load_part_summarizer",
]


def __getattr__(name: str) -> Any:
    if name == "Seq2SeqSummarizer":
        from recsum.summarizers.seq2seq import Seq2SeqSummarizer

        return Seq2SeqSummarizer
    raise AttributeError(f"module 'recsum.summarizers' has no attribute {name!r}")


def load_part_summarizer(config: SummarizerConfig | None = None) -> PartSummarizer:
    """The part summarizer ``config`` names: ``model`` None or ``"minilm"`` is the embedded
    extractive default (with the trained ``scorer`` folder, by default the shipped one); any
    other model is a seq2seq id or path."""
    config = config or SummarizerConfig()
    if config.extractive:
        return ExtractiveSummarizer.from_pretrained(
            scorer=config.scorer, device=config.device, dtype=config.dtype
        )
    from recsum.summarizers.seq2seq import Seq2SeqSummarizer

    if config.scorer is not None:
        raise RecsumError(f"scorer is for the embedded extractive default; model "
                          f"{config.model!r} is a seq2seq summarizer and takes none (omit scorer)")
    return Seq2SeqSummarizer.from_pretrained(
        config.model,
        device=config.device,
        dtype=config.dtype,
        trust_remote_code=config.trust_remote_code,
        generation=config.generation,
        batch_size=config.batch_size,
    )
