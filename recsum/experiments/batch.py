"""Batch runs: summarize a dataset into a resumable predictions file, one line per document.

Run again with the same settings, finished ids are skipped (:mod:`recsum.evaluation.predictions`
says how a file is resumed). One run at a time writes a file: it is locked while a run reads and
writes it, and a full disk ends the run in one line, with the finished lines kept for the resume.
Documents go to the system in small groups, so that chunks of several documents share model
batches while memory stays bounded. An engine runs the groups:
:class:`LocalEngine` in this process, or ``recsum.experiments.ray_engine.RayEngine`` on Ray
actors; both make their lines with :func:`summarize_group`, and this module alone writes them.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from recsum.errors import RecsumError, list_ids
from recsum.evaluation.predictions import (
    append_prediction,
    batch_settings,
    failures_path,
    finished_ids,
    jsonable,
)
from recsum.experiments.systems import System, build_system, entry
from recsum.length import Length, count_words
from recsum.progress import progress_bar
from recsum.records import Record

log = logging.getLogger("recsum")


class Engine(Protocol):
    """Runs groups of records through a system built by ``build_system`` and yields their lines
    (predictions, or failures with an ``error``) in any order, each as soon as it is done."""

    name: str

    def run(self, build_system: Callable[[], System], groups: Sequence[Sequence[Record]],
            length: Length, settings: dict[str, Any]) -> Iterator[dict[str, Any]]: ...


@dataclass(frozen=True)
class LocalEngine:
    """One process on this machine: the system is built once, the groups run in order."""

    name: str = "local"

    def run(self, build_system: Callable[[], System], groups: Sequence[Sequence[Record]],
            length: Length, settings: dict[str, Any]) -> Iterator[dict[str, Any]]:
        system = build_system()
        for group in groups:
            yield from summarize_group(system, group, length, settings)


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: lines written now, lines found done, documents that failed (id →
    error, recorded in ``failures_path``), and the wall time."""

    path: Path
    written: int
    resumed: int
    total: int
    seconds: float
    failures: Mapping[str, str] = field(default_factory=dict)

    @property
    def failures_path(self) -> Path:
        return failures_path(self.path)

    def failure_summary(self) -> str:
        """One line on the failed documents, the first error, and how to retry them."""
        first, error = next(iter(self.failures.items()))
        return (f"{len(self.failures)} document(s) failed ({list_ids(list(self.failures))}; "
                f"{first!r}: {error}); their errors are in {self.failures_path}; run the same "
                "command again to retry them")


def run_batch(build_system: Callable[[], System], records: Sequence[Record], length: Length,
              output: str | Path, *, settings: dict[str, Any], overwrite: bool = False,
              group_size: int = 4, progress: bool = True, engine: Engine | None = None,
              one_summary_per_document: bool = False) -> BatchResult:
    """Summarize ``records`` into ``output``, resuming a run with the same ``settings``.

    ``build_system`` is only called when something is left to do, so a finished run costs no
    model load. ``settings`` (system, options, length) is written on every line and must match
    the lines already there. A document that fails is not written to ``output`` but to its
    failures file (``preds.failures.jsonl`` beside ``preds.jsonl``), and is retried by the next
    run. ``engine`` (default :class:`LocalEngine`) runs the groups. When ``settings`` say so
    (``"queries": true``, :func:`~.predictions.batch_settings`), each record's query goes to
    the system. With ``one_summary_per_document`` (a system that reads neither queries nor
    references), records that share a document (one document's several questions) are
    summarized once and each gets its line, with an equal share of the time.
    """
    if group_size < 1:
        raise RecsumError(f"group size must be at least 1, got {group_size}")
    output = Path(output)
    with _exclusive(output):
        return _run_batch(build_system, records, length, output, jsonable(settings), overwrite,
                          group_size, progress, engine, one_summary_per_document)


# What a write meets when the disk is full or the file may grow no more.
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


@contextmanager
def _exclusive(output: Path) -> Iterator[None]:
    """Hold ``output`` (created if need be) for this run alone: a second run that writes it
    at the same time would write every id twice. A full disk is one line."""
    if output.is_dir():
        raise RecsumError(f"{output} is a directory; give a file name for the predictions")
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        held = open(output, "a", encoding="utf-8")  # noqa: SIM115 (held until the run ends)
    except OSError as error:
        raise RecsumError(f"cannot write {output} ({error.strerror}); choose another "
                          "--output") from None
    with held:
        try:
            # An advisory lock on the file itself; the kernel releases it when the process
            # ends, however it ends.
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RecsumError(f"{output} is being written by another run; wait until it is "
                              "done (then run again to resume), or choose another --output") \
                from None
        try:
            yield
        except OSError as error:
            if error.errno not in _FULL:
                raise
            raise RecsumError(f"cannot write {output} ({error.strerror}): the disk, or the "
                              "room this file may take, is full; free some space and run the "
                              "same command again (finished documents are kept)") from None


def _run_batch(build_system: Callable[[], System], records: Sequence[Record], length: Length,
               output: Path, settings: dict[str, Any], overwrite: bool, group_size: int,
               progress: bool, engine: Engine | None,
               one_summary_per_document: bool) -> BatchResult:
    done = set() if overwrite else finished_ids(output, settings, {r.id for r in records})
    todo = [r for r in records if r.id not in done]
    same_document: dict[str, list[Record]] = {}  # id of the record summarized -> its copies
    todo_run = todo
    if one_summary_per_document:
        first_of: dict[str, Record] = {}
        for record in todo:
            first = first_of.setdefault(record.document, record)
            if first is not record:
                same_document.setdefault(first.id, []).append(record)
        todo_run = list(first_of.values())
    # Failures of an earlier run are retried now: their old lines would only mislead.
    failures_path(output).unlink(missing_ok=True)
    started = time.perf_counter()
    failures: dict[str, str] = {}
    written = 0
    if todo:
        groups = [todo_run[begin : begin + group_size]
                  for begin in range(0, len(todo_run), group_size)]
        with open(output, "w" if overwrite else "a", encoding="utf-8") as sink, \
             progress_bar(total=len(records), initial=len(records) - len(todo), unit="doc",
                          desc=str(settings.get("kind", "batch")), enabled=progress) as bar:
            for first in (engine or LocalEngine()).run(build_system, groups, length, settings):
                for line in _with_copies(first, same_document.get(first["id"], [])):
                    if "error" in line:
                        failures[line["id"]] = line["error"]
                        log.warning("document %r failed: %s", line["id"], line["error"])
                        with open(failures_path(output), "a", encoding="utf-8") as failed:
                            append_prediction(failed, line)
                    else:
                        append_prediction(sink, line)
                        written += 1
                    bar.update(1)
    elif overwrite:
        output.write_text("", encoding="utf-8")
    return BatchResult(output, written, len(records) - len(todo), len(records),
                       time.perf_counter() - started, failures)


def _with_copies(line: dict[str, Any], copies: Sequence[Record]) -> list[dict[str, Any]]:
    """``line`` and the same line for each record of ``copies`` (the same document), the time
    shared equally among them."""
    if not copies:
        return [line]
    if "seconds" in line:
        line = {**line, "seconds": round(line["seconds"] / (1 + len(copies)), 4)}
    return [line, *({**line, "id": record.id} | ({"query": record.query} if "query" in line
                                                   else {}) for record in copies)]


def summarize_group(system: System, group: Sequence[Record], length: Length,
                    settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The prediction lines of ``group``, summarized together. When the group raises, each of
    its documents is tried alone, so that only a document that fails by itself becomes a
    failure line (its id and error) and the run goes on. Each record's query goes to the system
    when ``settings`` say the run answers queries."""
    started = time.perf_counter()
    queries = {"queries": [r.query for r in group]} if settings.get("queries") else {}
    try:
        summaries = system.summarize_documents([r.document for r in group], length,
                                               references=[r.references for r in group],
                                               **queries)
    except Exception as error:  # a document's failure, whatever raised it, must not end the run
        if len(group) > 1:
            return [line for record in group
                    for line in summarize_group(system, [record], length, settings)]
        message = (str(error).strip().splitlines() or [""])[0]
        return [{"id": group[0].id, "error": f"{type(error).__name__}: {message}".rstrip(": "),
                 "system": system.name, "settings": settings}]
    seconds = time.perf_counter() - started
    return [{
        "id": record.id, "summary": summary, "system": system.name, "settings": settings,
        "query": record.query,
        "words": count_words(summary), "input_words": count_words(record.document),
        # The group shares its model batches: each document gets an equal share of the time.
        "seconds": round(seconds / len(group), 4), "group_seconds": round(seconds, 4),
        "group_size": len(group),
    } for record, summary in zip(group, summaries, strict=True)]


def batch_system(kind: str, options: Mapping[str, Any], records: Sequence[Record],
                 length: Length, output: str | Path, *, ignore_query: bool = False,
                 engine: Engine | None = None, overwrite: bool = False, group_size: int = 4,
                 progress: bool = True, **collaborators: Any) -> BatchResult:
    """The registered system ``kind`` (built with ``options``; ``collaborators`` go to the
    factories that take them) over ``records`` into the predictions file ``output``: what a
    pipeline's ``[[systems]]`` entry and :func:`~recsum.experiments.dataset_api.summarize_dataset`
    both run. On query tasks a system that takes queries answers each record's, unless
    ``ignore_query`` runs it as a query-blind baseline; a system whose summary depends on the
    document alone summarizes a document asked several questions once."""
    registered = entry(kind)
    uses_queries = registered.takes_query and not ignore_query
    return run_batch(lambda: build_system(kind, options, **collaborators), records, length,
                     output, settings=batch_settings(kind, dict(options), length,
                                                     uses_queries=uses_queries),
                     overwrite=overwrite, group_size=group_size, progress=progress,
                     engine=engine,
                     one_summary_per_document=not uses_queries and not registered.reads_references)
