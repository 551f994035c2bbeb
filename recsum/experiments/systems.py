"""The one registry of whole-document systems: the recursive summarizer and every baseline.

A system summarizes complete documents to a length budget (:class:`System`); batch runs,
evaluation and benchmarks treat them alike. Each is built from a ``kind`` and the options of a
pipeline's ``[[systems]]`` entry by :func:`build_system`; collaborators (the recursive system's
``part_summarizer``) are passed in as arguments, so a test hands in a fake instead of patching.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from recsum.errors import RecsumError
from recsum.length import Length


@runtime_checkable
class System(Protocol):
    """Summarizes whole documents. ``references`` only matters to the oracle (an upper bound);
    a system registered as taking a query also takes ``queries=`` (one per document, None for
    a generic summary)."""

    name: str

    def summarize_documents(
        self,
        documents: Sequence[str],
        length: Length,
        *,
        references: Sequence[Sequence[str]] | None = None,
    ) -> list[str]: ...


@dataclass(frozen=True)
class Entry:
    """A registered system: its factory (``module:callable``, imported when built), what it is,
    and whether it reads the references (the oracle), answers a query, or can only answer one."""

    factory: str
    about: str
    reads_references: bool = False
    takes_query: bool = False
    needs_query: bool = False

    def resolve(self) -> Callable[..., System]:
        module_name, _, attribute = self.factory.partition(":")
        target: Any = importlib.import_module(module_name)
        for name in attribute.split("."):
            target = getattr(target, name)
        return target


SYSTEMS: Mapping[str, Entry] = {
    "recursive": Entry("recsum.reduce:RecursiveReducer.from_options",
                       "this project: chunk → part summarizer → reduce recursively",
                       takes_query=True),
    "lead": Entry("recsum.baselines.lead:LeadSystem", "the first sentences that fit the budget"),
    "retrieval": Entry("recsum.baselines.retrieval:RetrievalSystem",
                       "the sentences MiniLM finds closest to the query", takes_query=True,
                       needs_query=True),
    "textrank": Entry("recsum.baselines.textrank:TextRankSystem",
                      "TextRank (or LexRank with method = \"lexrank\") over all sentences"),
    "sumy": Entry("recsum.baselines.peers:SumySystem",
                  "sumy's LexRank (or TextRank with method = \"textrank\"), same sentences"),
    "bert-extractive": Entry("recsum.baselines.peers:BertExtractiveSystem",
                             "bert-extractive-summarizer over the embedded MiniLM, the "
                             "sentences it picks that fit"),
    "oracle": Entry("recsum.baselines.oracle:OracleSystem",
                    "greedy ROUGE selection against the references: the upper bound",
                    reads_references=True),
    "lstm": Entry("recsum.baselines.lstm:LSTMSystem", "hierarchical BiLSTM, trained"),
    "bigbird": Entry("recsum.baselines.bigbird:BigBirdSystem",
                     "block-sparse BigBird encoder warm-started from MiniLM, trained head"),
}


def entry(kind: str) -> Entry:
    """The registry entry of ``kind``; an unknown kind is a one-line error listing them."""
    if kind not in SYSTEMS:
        raise RecsumError(f"unknown system {kind!r}; choose one of {', '.join(SYSTEMS)}")
    return SYSTEMS[kind]


def check_system(kind: str, options: Mapping[str, Any] | None = None, *,
                 tasks: str = "generic", ignore_query: bool = False) -> None:
    """Everything about building ``kind`` with ``options`` that can be known without loading a
    model: the options it takes, a factory's own ``check`` (a trained model is there), and
    whether it answers the questions ``tasks`` asks (or is told to ignore them, as a
    query-blind baseline). A pipeline checks all before running any."""
    if tasks != "generic" and not entry(kind).takes_query and not ignore_query:
        # Python spelling; the command line and pipelines translate it to their own.
        raise RecsumError(f"system {kind!r} summarizes without a query: for tasks={tasks!r} it "
                          "would answer every question with the same generic summary; use "
                          "tasks='generic', or ignore_query=True to run it as a query-blind "
                          "baseline")
    if entry(kind).needs_query and (tasks == "generic" or ignore_query):
        raise RecsumError(f"system {kind!r} only answers queries; run it with tasks='query' "
                          "and without ignore_query=True")
    factory = entry(kind).resolve()
    if "options" in inspect.signature(factory).parameters:
        from recsum.config import SummarizerConfig

        SummarizerConfig.from_options(dict(options or {}))
        return
    try:
        inspect.signature(factory).bind(**(options or {}))
    except TypeError as error:
        raise RecsumError(f"bad options for system {kind!r}: {error}") from None
    check = getattr(factory, "check", None)
    if check is not None:
        check(**(options or {}))


def build_system(kind: str, options: Mapping[str, Any] | None = None,
                 **collaborators: Any) -> System:
    """Build the system registered as ``kind`` with ``options``; each collaborator is passed to
    the factories that take it (``part_summarizer=``) and ignored by the others."""
    factory = entry(kind).resolve()
    parameters = inspect.signature(factory).parameters
    arguments = {key: value for key, value in collaborators.items() if key in parameters}
    if "options" in parameters:  # a factory that checks its own options (the recursive one)
        return factory(dict(options or {}), **arguments)
    arguments.update(options or {})
    try:
        inspect.signature(factory).bind(**arguments)
    except TypeError as error:
        raise RecsumError(f"bad options for system {kind!r}: {error}") from None
    return factory(**arguments)
