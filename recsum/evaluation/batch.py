"""Batch runs: summarize a dataset into a resumable JSON-lines file, one line per document.

Every line is flushed and fsynced as soon as its document is done, so a crash, ``kill -9`` or
Ctrl-C loses at most the documents in flight. Run again with the same settings, finished ids
are skipped and a torn last line (cut mid-write) is dropped and redone; output made with other
settings is never touched without ``overwrite``. Documents go to the system in small groups, so
that chunks of several documents share model batches while memory stays bounded.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from recsum.data import Record, list_ids, read_jsonl
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.systems import System

log = logging.getLogger("recsum")


@dataclass(frozen=True)
class BatchResult:
    """What a batch run did: lines written now, lines found done, and the wall time."""

    path: Path
    written: int
    resumed: int
    total: int
    seconds: float


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dataclasses become objects), for settings and comparisons."""
    def default(item: Any) -> Any:
        if is_dataclass(item) and not isinstance(item, type):
            return asdict(item)
        if isinstance(item, Path):
            return str(item)
        raise TypeError(f"cannot record {type(item).__name__} in the settings")

    return json.loads(json.dumps(value, default=default, sort_keys=True))


def batch_settings(kind: str, options: dict[str, Any], length: Length) -> dict[str, Any]:
    """What a predictions file records about how it was made; a resumed run must match it."""
    return jsonable({"kind": kind, "options": options,
                     "length": {"value": length.value, "unit": length.unit}})


def read_predictions(path: str | Path) -> dict[str, dict]:
    """Prediction lines by id; a line without id or summary, or a repeated id, is an error."""
    rows: dict[str, dict] = {}
    for number, row in read_jsonl(path):
        if not isinstance(row.get("id"), str | int) or not isinstance(row.get("summary"), str):
            raise RecsumError(f"{path}, line {number}: a prediction needs \"id\" and \"summary\" "
                              f"(found {', '.join(sorted(row)) or 'no fields'})")
        key = str(row["id"])
        if key in rows:
            raise RecsumError(f"{path}, line {number}: id {key!r} appears a second time; "
                              "remove the duplicate line")
        rows[key] = row
    return rows


def run_batch(build_system: Callable[[], System], records: Sequence[Record], length: Length,
              output: str | Path, *, settings: dict[str, Any], overwrite: bool = False,
              group_size: int = 4, progress: bool = True) -> BatchResult:
    """Summarize ``records`` into ``output``, resuming a run with the same ``settings``.

    ``build_system`` is only called when something is left to do, so a finished run costs no
    model load. ``settings`` (system, options, length) is written on every line and must match
    the lines already there.
    """
    if group_size < 1:
        raise RecsumError(f"group size must be at least 1, got {group_size}")
    output = Path(output)
    settings = jsonable(settings)
    done = set() if overwrite else _finished(output, settings, {r.id for r in records})
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
                _summarize_group(system, group, length, settings, sink)
                bar.update(len(group))
    elif overwrite:
        output.write_text("", encoding="utf-8")
    return BatchResult(output, len(todo), len(records) - len(todo), len(records),
                       time.perf_counter() - started)


def _summarize_group(system: System, group: list[Record], length: Length, settings: dict,
                     sink) -> None:
    started = time.perf_counter()
    summaries = system.summarize_documents([r.document for r in group], length,
                                           references=[r.references for r in group])
    seconds = time.perf_counter() - started
    for record, summary in zip(group, summaries, strict=True):
        line = {
            "id": record.id, "summary": summary, "system": system.name, "settings": settings,
            "words": count_words(summary), "input_words": count_words(record.document),
            # The group shares its model batches: each document gets an equal share of the time.
            "seconds": round(seconds / len(group), 4), "group_seconds": round(seconds, 4),
            "group_size": len(group),
        }
        sink.write(json.dumps(line, ensure_ascii=False) + "\n")
        sink.flush()
        os.fsync(sink.fileno())


def _finished(output: Path, settings: dict, wanted: set[str]) -> set[str]:
    """Ids already in ``output``, after dropping a torn last line; other settings are refused."""
    if not output.exists():
        return set()
    if output.is_dir():
        raise RecsumError(f"{output} is a directory; give a file name for the predictions")
    _drop_torn_tail(output)
    rows = read_predictions(output)
    for key, row in rows.items():
        if row.get("settings") != settings:
            raise RecsumError(
                f"{output} holds predictions made with other settings (id {key!r}: "
                f"{json.dumps(row.get('settings'), sort_keys=True)}); pass --overwrite to replace "
                "it, or choose another output"
            )
    foreign = [key for key in rows if key not in wanted]
    if foreign:
        raise RecsumError(f"{output} holds {len(foreign)} id(s) that are not in this dataset "
                          f"({list_ids(foreign)}); pass --overwrite to replace it, or choose "
                          "another output")
    return set(rows)


def _drop_torn_tail(output: Path) -> None:
    """Cut an unterminated last line: the run was killed while writing it, so it is redone."""
    data = output.read_bytes()
    if not data or data.endswith(b"\n"):
        return
    keep = data.rfind(b"\n") + 1
    with open(output, "r+b") as file:
        file.truncate(keep)
        file.flush()
        os.fsync(file.fileno())
    log.warning("%s: dropped a torn last line (%d bytes, an interrupted write); redoing it",
                output, len(data) - keep)
