"""The Python entry point: ``Summarizer`` ties a part summarizer to the recursive reducer.

It reads files, takes budgets in words or tokens, and serves the library and the command line;
the reducer it holds is the same ``recursive`` system that batch runs, pipelines, the web page
and the benchmark build (:meth:`recsum.reduce.RecursiveReducer.from_config`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from recsum.config import SummarizerConfig, check_whole
from recsum.length import Length
from recsum.reduce import RecursiveReducer, SummaryResult
from recsum.summarizers import PartSummarizer
from recsum.textio import read_text


class Summarizer:
    """Summarize texts and files of any length.

    ``part_summarizer`` (anything with the :class:`~recsum.summarizers.PartSummarizer`
    interface) is loaded from ``config`` when not given; keyword ``settings`` are fields of
    :class:`~recsum.config.SummarizerConfig` that override ``config``.

    >>> Summarizer().summarize_file("report.txt", max_words=200).summary      # doctest: +SKIP
    >>> Summarizer.from_pretrained("facebook/bart-large-cnn").summarize(text)  # doctest: +SKIP
    """

    def __init__(
        self,
        part_summarizer: PartSummarizer | None = None,
        config: SummarizerConfig | None = None,
        **settings: Any,
    ) -> None:
        self.config = (config or SummarizerConfig()).replace(**settings)
        self.reducer = RecursiveReducer.from_config(self.config, part_summarizer)
        self.part_summarizer = self.reducer.summarizer

    @classmethod
    def from_pretrained(cls, model: str | None = None, **settings: Any) -> Summarizer:
        """A seq2seq model by hub id or local path; ``None`` or ``"minilm"`` for the default.
        ``settings`` are :class:`~recsum.config.SummarizerConfig` fields (``device``,
        ``scorer``: a folder made by ``recsum train part``, ``generation`` ...)."""
        return cls(config=SummarizerConfig(model=model).replace(**settings))

    def summarize(
        self,
        text: str,
        max_words: int | None = None,
        *,
        max_tokens: int | None = None,
        query: str | None = None,
        progress: bool = False,
    ) -> SummaryResult:
        """Summarize ``text`` to ``max_words`` words (or ``max_tokens`` model tokens), with
        respect to ``query`` if one is given ("What did the group decide about the budget?")."""
        return self.reducer.reduce(text, self.length(max_words, max_tokens), query=query,
                                   progress=progress)

    def summarize_many(
        self,
        texts: list[str],
        max_words: int | None = None,
        *,
        max_tokens: int | None = None,
        queries: Sequence[str | None] | None = None,
        progress: bool = False,
    ) -> list[SummaryResult]:
        """Summarize several texts (each for its query in ``queries``, if given); their chunks
        share model batches."""
        return self.reducer.reduce_many(
            texts, self.length(max_words, max_tokens), queries=queries, progress=progress
        )

    def summarize_file(
        self,
        path: str | Path,
        max_words: int | None = None,
        *,
        max_tokens: int | None = None,
        query: str | None = None,
        encoding: str = "utf-8",
        progress: bool = False,
    ) -> SummaryResult:
        """Summarize a document file (text, Markdown, PDF, HTML, DOCX); ``-`` reads stdin."""
        return self.summarize(read_text(path, encoding), max_words, max_tokens=max_tokens,
                              query=query, progress=progress)

    def length(self, max_words: int | None = None, max_tokens: int | None = None) -> Length:
        """The budget a call asks for: ``max_tokens``, else ``max_words``, else the config's."""
        check_whole("max_words", max_words, 1)  # max_words="100" is named, not a bare TypeError
        check_whole("max_tokens", max_tokens, 1)
        if max_tokens is not None:
            return Length(max_tokens, "tokens")
        return Length(self.config.max_words if max_words is None else max_words)


def summarize(text: str, max_words: int | None = None, *, query: str | None = None,
              **settings: Any) -> str:
    """Summarize ``text`` with the embedded default (for ``query``, if given; ``settings``:
    config fields); returns the summary string."""
    return Summarizer(**settings).summarize(text, max_words, query=query).summary
