"""Whole-document systems: anything that summarizes complete documents to a length budget.

The recursive summarizer and every baseline (lead, TextRank, oracle, LSTM, BigBird) meet here
behind one call, so batch runs, evaluation and benchmarks treat them alike. Systems are built
from a name and options (as written in a pipeline file) through :func:`build_system`.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from recsum.errors import RecsumError
from recsum.length import Length


@runtime_checkable
class System(Protocol):
    """Summarizes whole documents. ``references`` only matters to the oracle (an upper bound)."""

    name: str

    def summarize_documents(
        self,
        documents: Sequence[str],
        length: Length,
        *,
        references: Sequence[Sequence[str]] | None = None,
    ) -> list[str]: ...


class RecursiveSystem:
    """The recursive summarizer (chunk, summarize parts, reduce) as a :class:`System`."""

    def __init__(self, model: str | None = None, **options: Any) -> None:
        from recsum.api import Summarizer

        self.summarizer = Summarizer.from_pretrained(model, **options)
        self.name = f"recursive:{self.summarizer.part_summarizer.name}"

    def summarize_documents(
        self,
        documents: Sequence[str],
        length: Length,
        *,
        references: Sequence[Sequence[str]] | None = None,
    ) -> list[str]:
        results = self.summarizer.reducer.reduce_many(list(documents), length)
        return [result.summary for result in results]


# name -> "module:factory"; factories take the options of a pipeline's [[systems]] entry.
SYSTEMS = {
    "recursive": "recsum.systems:RecursiveSystem",
    "lead": "recsum.baselines.lead:LeadSystem",
    "textrank": "recsum.baselines.textrank:TextRankSystem",
    "sumy": "recsum.bench.peers:SumySystem",
    "oracle": "recsum.baselines.oracle:OracleSystem",
    "lstm": "recsum.baselines.lstm:LSTMSystem",
    "bigbird": "recsum.baselines.bigbird:BigBirdSystem",
}


def build_system(kind: str, **options: Any) -> System:
    """Build the system registered as ``kind`` with ``options``."""
    if kind not in SYSTEMS:
        raise RecsumError(f"unknown system {kind!r}; choose one of {', '.join(SYSTEMS)}")
    module_name, factory = SYSTEMS[kind].split(":")
    try:
        return getattr(importlib.import_module(module_name), factory)(**options)
    except TypeError as error:
        raise RecsumError(f"bad options for system {kind!r}: {error}") from None
