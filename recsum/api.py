"""The Python entry point: ``Summarizer`` ties a part summarizer to the recursive reducer."""

from __future__ import annotations

from pathlib import Path

from recsum.length import Length
from recsum.reduce import RecursiveReducer, SummaryResult
from recsum.summarizers import GenerationSettings, PartSummarizer, load_part_summarizer
from recsum.textio import read_text


class Summarizer:
    """Summarize texts and files of any length.

    >>> Summarizer().summarize_file("report.txt", max_words=300).summary      # doctest: +SKIP
    >>> Summarizer.from_pretrained("facebook/bart-large-cnn").summarize(text)  # doctest: +SKIP
    """

    def __init__(
        self,
        part_summarizer: PartSummarizer | None = None,
        *,
        chunk_tokens: int | None = None,
        overlap: int = 0,
        shrink: float = 0.5,
        max_depth: int | None = None,
    ) -> None:
        self.part_summarizer = part_summarizer or load_part_summarizer()
        self.reducer = RecursiveReducer(
            self.part_summarizer,
            chunk_tokens=chunk_tokens,
            overlap=overlap,
            shrink=shrink,
            max_depth=max_depth,
        )

    @classmethod
    def from_pretrained(
        cls,
        model: str | None = None,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        trust_remote_code: bool = False,
        generation: GenerationSettings | None = None,
        batch_size: int = 8,
        scorer: str | None = None,
        **reducer_options,
    ) -> Summarizer:
        """A seq2seq model by hub id or local path; ``None`` or ``"minilm"`` for the default
        (``scorer``: a folder made by ``recsum train part`` instead of the shipped scorer)."""
        part = load_part_summarizer(
            model,
            device=device,
            dtype=dtype,
            trust_remote_code=trust_remote_code,
            generation=generation,
            batch_size=batch_size,
            scorer=scorer,
        )
        return cls(part, **reducer_options)

    def summarize(
        self,
        text: str,
        max_words: int | None = 300,
        *,
        max_tokens: int | None = None,
        progress: bool = False,
    ) -> SummaryResult:
        """Summarize ``text`` to ``max_words`` words (or ``max_tokens`` model tokens)."""
        return self.reducer.reduce(text, _length(max_words, max_tokens), progress=progress)

    def summarize_many(
        self,
        texts: list[str],
        max_words: int | None = 300,
        *,
        max_tokens: int | None = None,
        progress: bool = False,
    ) -> list[SummaryResult]:
        """Summarize several texts; their chunks share model batches."""
        return self.reducer.reduce_many(texts, _length(max_words, max_tokens), progress=progress)

    def summarize_file(
        self,
        path: str | Path,
        max_words: int | None = 300,
        *,
        max_tokens: int | None = None,
        encoding: str = "utf-8",
        progress: bool = False,
    ) -> SummaryResult:
        """Summarize a UTF-8 (or ``encoding``) text file; ``-`` reads stdin."""
        return self.summarize(
            read_text(path, encoding), max_words, max_tokens=max_tokens, progress=progress
        )


def _length(max_words: int | None, max_tokens: int | None) -> Length:
    return Length(max_tokens, "tokens") if max_tokens is not None else Length(max_words or 300)


def summarize(text: str, max_words: int = 300, **options) -> str:
    """Summarize ``text`` with the embedded default; returns the summary string."""
    return Summarizer(**options).summarize(text, max_words).summary
