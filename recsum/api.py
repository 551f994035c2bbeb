"""The Python entry point: ``Summarizer`` ties a part summarizer to the recursive reducer.

It is also the ``recursive`` system of batch runs and pipelines (:meth:`summarize_documents`),
so one object serves the library, the command line, the web page and the evaluation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from recsum.config import SummarizerConfig
from recsum.length import Length
from recsum.reduce import RecursiveReducer, SummaryResult
from recsum.summarizers import PartSummarizer, load_part_summarizer
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
        self.part_summarizer = part_summarizer or load_part_summarizer(self.config)
        self.reducer = RecursiveReducer(self.part_summarizer, **self.config.reducer_options())
        self.name = f"recursive:{self.part_summarizer.name}"

    @classmethod
    def from_pretrained(cls, model: str | None = None, **settings: Any) -> Summarizer:
        """A seq2seq model by hub id or local path; ``None`` or ``"minilm"`` for the default.
        ``settings`` are :class:`~recsum.config.SummarizerConfig` fields (``device``,
        ``scorer``: a folder made by ``recsum train part``, ``generation`` ...)."""
        return cls(config=SummarizerConfig(model=model).replace(**settings))

    @classmethod
    def from_options(cls, options: Mapping[str, Any], *,
                     part_summarizer: PartSummarizer | None = None) -> Summarizer:
        """The ``recursive`` system of a pipeline entry: flat options (config fields and
        generation settings), and optionally the part summarizer to use."""
        return cls(part_summarizer, SummarizerConfig.from_options(options))

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

    def summarize_documents(
        self,
        documents: Sequence[str],
        length: Length,
        *,
        references: Sequence[Sequence[str]] | None = None,
        queries: Sequence[str | None] | None = None,
    ) -> list[str]:
        """The :class:`~recsum.evaluation.systems.System` call: summaries only."""
        results = self.reducer.reduce_many(list(documents), length, queries=queries)
        return [result.summary for result in results]

    def length(self, max_words: int | None = None, max_tokens: int | None = None) -> Length:
        """The budget a call asks for: ``max_tokens``, else ``max_words``, else the config's."""
        if max_tokens is not None:
            return Length(max_tokens, "tokens")
        return Length(self.config.max_words if max_words is None else max_words)


def summarize(text: str, max_words: int | None = None, *, query: str | None = None,
              **settings: Any) -> str:
    """Summarize ``text`` with the embedded default (for ``query``, if given; ``settings``:
    config fields); returns the summary string."""
    return Summarizer(**settings).summarize(text, max_words, query=query).summary
