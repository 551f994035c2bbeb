"""Predictions files: one JSON line per document, read, written and resumed.

Every line is flushed and fsynced as soon as its document is done, so a crash, ``kill -9`` or
Ctrl-C loses at most the documents in flight. Each line records the settings it was made with
(system, options, length); a file is resumed only with the same settings, and a torn last line
(cut mid-write) is dropped and redone. Documents that failed are listed in a failures file
beside the predictions (:func:`failures_path`), never in them.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import IO, Any

from recsum.errors import RecsumError, list_ids
from recsum.evaluation.data import read_jsonl
from recsum.length import Length

log = logging.getLogger("recsum")


def jsonable(value: Any) -> Any:
    """``value`` as plain JSON data (dataclasses become objects), for settings and comparisons."""
    def default(item: Any) -> Any:
        if is_dataclass(item) and not isinstance(item, type):
            return asdict(item)
        if isinstance(item, Path):
            return str(item)
        raise TypeError(f"cannot record {type(item).__name__} in the settings")

    return json.loads(json.dumps(value, default=default, sort_keys=True))


def batch_settings(kind: str, options: dict[str, Any], length: Length, *,
                   uses_queries: bool = False) -> dict[str, Any]:
    """What a predictions file records about how it was made; a resumed run must match it."""
    settings = {"kind": kind, "options": options,
                "length": {"value": length.value, "unit": length.unit}}
    if uses_queries:
        settings["queries"] = True
    return jsonable(settings)


def failures_path(output: str | Path) -> Path:
    """Where the documents that failed in the last run of ``output`` are listed with their
    errors: ``preds.failures.jsonl`` beside ``preds.jsonl``."""
    output = Path(output)
    return output.with_name(f"{output.stem}.failures.jsonl")


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


def finished_ids(output: Path, settings: dict, wanted: set[str]) -> set[str]:
    """Ids already in ``output``, after dropping a torn last line; other settings are refused."""
    if not output.exists():
        return set()
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


def append_prediction(sink: IO[str], line: dict[str, Any]) -> None:
    """Write one prediction line and make it durable before the next document starts."""
    sink.write(json.dumps(line, ensure_ascii=False) + "\n")
    sink.flush()
    os.fsync(sink.fileno())
