"""Part summarizers behind one small interface (:class:`PartSummarizer`), and loading by name."""

from __future__ import annotations

from recsum.errors import RecsumError
from recsum.summarizers.base import PartSummarizer, SentenceRater
from recsum.summarizers.extractive import ExtractiveSummarizer, default_model_path
from recsum.summarizers.seq2seq import GenerationSettings, Seq2SeqSummarizer

DEFAULT_MODEL = "minilm"

__all__ = [
    "DEFAULT_MODEL",
    "ExtractiveSummarizer",
    "GenerationSettings",
    "PartSummarizer",
    "SentenceRater",
    "Seq2SeqSummarizer",
    "default_model_path",
    "load_part_summarizer",
]


def load_part_summarizer(
    model: str | None = None,
    *,
    device: str = "cpu",
    dtype: str = "float32",
    input_budget: int | None = None,
    trust_remote_code: bool = False,
    generation: GenerationSettings | None = None,
    batch_size: int = 8,
    scorer: str | None = None,
) -> PartSummarizer:
    """``None`` or ``"minilm"``: the embedded extractive default (with the trained ``scorer``
    folder, by default the shipped one); else a seq2seq id or path."""
    if model in (None, DEFAULT_MODEL):
        return ExtractiveSummarizer.from_pretrained(
            scorer=scorer, device=device, dtype=dtype, input_budget=input_budget
        )
    if scorer is not None:
        raise RecsumError(f"scorer is for the embedded extractive default; model {model!r} is "
                          "a seq2seq summarizer and takes none (omit scorer)")
    return Seq2SeqSummarizer.from_pretrained(
        model,
        device=device,
        dtype=dtype,
        input_budget=input_budget,
        trust_remote_code=trust_remote_code,
        generation=generation,
        batch_size=batch_size,
    )
