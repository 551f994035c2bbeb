"""Batch runs: summarize a dataset into a resumable predictions file, one line per document.

Run again with the same settings, finished ids are skipped (:mod:`recsum.evaluation.predictions`
says how a file is resumed). Documents go to the system in small groups, so that chunks of
several documents share model batches while memory stays bounded.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from recsum.errors import RecsumError
from recsum.evaluation.data import Record
from recsum.evaluation.predictions import append_prediction, finished_ids, jsonable
from recsum.evaluation.systems import System
from recsum.length import Length, count_words


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: lines written now, lines found done, and the wall time."""

    path: Path
    written: int
    resumed: int
    total: int
    seconds: float


def run_batch(build_system: Callable[[], System], records: Sequence[Record], length: Length,
              output: str | Path, *, settings: dict[str, Any], overwrite: bool = False,
              group_size: int = 4, progress: bool = True,
              use_queries: bool = False) -> BatchResult:
    """Summarize ``records`` into ``output``, resuming a run with the same ``settings``.

    ``build_system`` is only called when something is left to do, so a finished run costs no
    model load. ``settings`` (system, options, length) is written on every line and must match
    the lines already there. With ``use_queries`` each record's query goes to the system.
    """
    if group_size < 1:
        raise RecsumError(f"group size must be at least 1, got {group_size}")
    output = Path(output)
    settings = jsonable(settings)
    done = set() if overwrite else finished_ids(output, settings, {r.id for r in records})
    todo = [r for r in records if r.id not in done]
    started = time.perf_counter()
    if todo:
        system = build_system()
        output.parent.mkdir(parents=True, exist_ok=True)
        with open(output, "w" if overwrite else "a", encoding="utf-8") as sink, \
             tqdm(total=len(records), initial=len(records) - len(todo), unit="doc",
                  desc=system.name, file=sys.stderr, disable=not progress) as bar:
            for begin in range(0, len(todo), group_size):
                group = todo[begin : begin + group_size]
                _summarize_group(system, group, length, settings, sink, use_queries)
                bar.update(len(group))
    elif overwrite:
        output.write_text("", encoding="utf-8")
    return BatchResult(output, len(todo), len(records) - len(todo), len(records),
                       time.perf_counter() - started)


def _summarize_group(system: System, group: list[Record], length: Length, settings: dict,
                     sink, use_queries: bool) -> None:
    started = time.perf_counter()
    queries = {"queries": [r.query for r in group]} if use_queries else {}
    summaries = system.summarize_documents([r.document for r in group], length,
                                           references=[r.references for r in group], **queries)
    seconds = time.perf_counter() - started
    for record, summary in zip(group, summaries, strict=True):
        line = {
            "id": record.id, "summary": summary, "system": system.name, "settings": settings,
            "query": record.query,
            "words": count_words(summary), "input_words": count_words(record.document),
            # The group shares its model batches: each document gets an equal share of the time.
            "seconds": round(seconds / len(group), 4), "group_seconds": round(seconds, 4),
            "group_size": len(group),
        }
        append_prediction(sink, line)
