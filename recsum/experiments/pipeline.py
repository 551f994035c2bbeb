"""Pipelines: one declarative file (TOML or YAML) per experiment, run as batch → evaluate → report.

A pipeline names a dataset (``[dataset]``, the options of :class:`~.data.DatasetSpec`),
the one word budget every system gets (``[length] max_words``; ``query_max_words`` gives the
summaries of documents asked a question a budget of their own, as a dataset's protocol that pools
its generic and query tasks does), the systems (``[[systems]]``:
``kind`` from :data:`~.systems.SYSTEMS`, an optional ``label`` naming its predictions file,
every other key passed to the system), ``[evaluation]`` (bootstrap, seed, precision_recall),
``[batch]`` (group_size, and engine: ``local`` or ``ray``), ``[ray]`` (the options of
:class:`~.ray_engine.RayEngine`), ``[output] dir`` (default ``outputs/<name>``), and
``[[published]]`` figures of other systems on the same data and protocol (``label``,
``source``, and any of ``rouge1``, ``rouge2``, ``rougeL``, ``rougeLsum``), shown beside the
systems run, never computed.

``{data}`` in the dataset's path is the data folder: the one given (``recsum run --data DIR``),
else ``$RECSUM_DATA``, else ``../shared/data`` (the tests read the same folder), so that a
clone runs the shipped pipelines wherever its data lies.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recsum.errors import RecsumError
from recsum.evaluation.data import DatasetSpec, load_records
from recsum.evaluation.predictions import read_predictions
from recsum.evaluation.report import (
    PublishedScores,
    SystemScores,
    score_predictions,
    write_report,
)
from recsum.evaluation.rouge import ROUGE_TYPES
from recsum.experiments.batch import batch_system
from recsum.experiments.ray_engine import make_engine
from recsum.experiments.systems import SYSTEMS, check_system
from recsum.length import Length
from recsum.records import Record

DATA_VARIABLE = "RECSUM_DATA"
DEFAULT_DATA = "../shared/data"
SECTIONS = {"name", "dataset", "length", "systems", "evaluation", "batch", "ray", "output",
            "published"}


@dataclass(frozen=True)
class SystemEntry:
    """One ``[[systems]]`` entry: what to build, the label its outputs go under, and whether
    it runs blind to the tasks' queries (``ignore_query = true``: a query-blind baseline)."""

    kind: str
    label: str
    options: dict[str, Any] = field(default_factory=dict)
    ignore_query: bool = False



@dataclass(frozen=True)
class Pipeline:
    """A parsed pipeline file."""

    name: str
    dataset: DatasetSpec
    max_words: int
    systems: tuple[SystemEntry, ...]
    output_dir: Path
    bootstrap: int = 1000
    seed: int = 0
    precision_recall: bool = False
    group_size: int = 4
    engine: str = "local"
    ray: Mapping[str, Any] = field(default_factory=dict)
    query_max_words: int | None = None
    published: tuple[PublishedScores, ...] = ()

    def predictions_path(self, entry: SystemEntry, *, query: bool = False) -> Path:
        """Where ``entry``'s summaries go; with a budget of their own, the summaries for a
        query go to ``predictions/query/`` (a resumed file holds one budget)."""
        folder = self.output_dir / "predictions"
        return (folder / "query" if query else folder) / f"{entry.label}.jsonl"

    def budgets(self, records: Sequence[Record]) -> list[tuple[list[Record], Length, bool]]:
        """The records run together, their budget, and whether they are the query's own
        share: all records at ``max_words``, or the generic ones at ``max_words`` and those
        with a query at ``query_max_words``."""
        if self.query_max_words is None:
            return [(list(records), Length(self.max_words, "words"), False)]
        shares = [([r for r in records if r.query is None], Length(self.max_words, "words"),
                   False),
                  ([r for r in records if r.query is not None],
                   Length(self.query_max_words, "words"), True)]
        return [share for share in shares if share[0]]


@dataclass(frozen=True)
class PipelineResult:
    """Where the report went and the scores it shows."""

    report: Path
    scores: tuple[SystemScores, ...]


def load_pipeline(path: str | Path, data: str | Path | None = None) -> Pipeline:
    """Read and check a pipeline file; every mistake is a one-line error naming the key.
    ``data`` is the folder that ``{data}`` in the dataset's path stands for."""
    path = Path(path)
    if not path.is_file():
        raise RecsumError(f"{path}: no such pipeline file")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml

        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as error:
            raise RecsumError(f"{path}: invalid YAML ({' '.join(str(error).split())})") from None
    else:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10 has no tomllib; tomli is its backport
            import tomli as tomllib
        try:
            raw = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise RecsumError(f"{path}: invalid TOML ({error})") from None
    if not isinstance(raw, dict):
        raise RecsumError(f"{path}: expected tables such as [dataset] and [[systems]]")
    return _parse(raw, path, str(data or os.environ.get(DATA_VARIABLE) or DEFAULT_DATA))


def _parse(raw: dict[str, Any], path: Path, data: str) -> Pipeline:
    unknown = sorted(set(raw) - SECTIONS)
    if unknown:
        raise RecsumError(f"{path}: unknown key(s) {', '.join(unknown)}; "
                          f"use {', '.join(sorted(SECTIONS))}")
    name = raw.get("name") or path.stem
    if not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name):
        raise RecsumError(f"{path}: name must be letters, digits, '-', '_' or '.', got {name!r}")
    dataset = _table(raw, "dataset", path)
    if not dataset:
        raise RecsumError(f"{path}: [dataset] with a path is required")
    if isinstance(dataset.get("path"), str):
        dataset = {**dataset, "path": dataset["path"].replace("{data}", data.rstrip("/"))}
    length = _table(raw, "length", path)
    _only(length, {"max_words", "query_max_words"}, "length", path)
    max_words, query_max_words = length.get("max_words"), length.get("query_max_words")
    for key, value in (("max_words", max_words), ("query_max_words", query_max_words)):
        if (value is not None or key == "max_words") and (
                not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise RecsumError(f"{path}: [length] {key} must be a positive whole number (got "
                              f"{value!r}): every system gets that budget")
    evaluation = _table(raw, "evaluation", path)
    batch = _table(raw, "batch", path)
    output = _table(raw, "output", path)
    _only(evaluation, {"bootstrap", "seed", "precision_recall"}, "evaluation", path)
    _only(batch, {"group_size", "engine"}, "batch", path)
    _only(output, {"dir"}, "output", path)
    engine, ray = batch.get("engine", "local"), _table(raw, "ray", path)
    try:
        make_engine(engine, **ray)
    except RecsumError as error:
        raise RecsumError(f"{path}: {error}") from None
    return Pipeline(
        name=name,
        dataset=DatasetSpec.from_dict(dataset),
        max_words=max_words,
        systems=_systems(raw.get("systems"), path),
        output_dir=Path(output.get("dir") or Path("outputs") / name),
        bootstrap=int(evaluation.get("bootstrap", 1000)),
        seed=int(evaluation.get("seed", 0)),
        precision_recall=bool(evaluation.get("precision_recall", False)),
        group_size=int(batch.get("group_size", 4)),
        engine=engine,
        ray=ray,
        query_max_words=query_max_words,
        published=_published(raw.get("published", []), path),
    )


def _table(raw: dict[str, Any], key: str, path: Path) -> dict[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise RecsumError(f"{path}: {key} must be a table ([{key}])")
    return value


def _only(table: dict[str, Any], allowed: set[str], section: str, path: Path) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise RecsumError(f"{path}: unknown [{section}] key(s) {', '.join(unknown)}; "
                          f"use {', '.join(sorted(allowed))}")


def _systems(entries: Any, path: Path) -> tuple[SystemEntry, ...]:
    if not isinstance(entries, list) or not entries:
        raise RecsumError(f"{path}: at least one [[systems]] entry with a kind is required")
    systems = []
    for number, entry in enumerate(entries, 1):
        options = dict(entry) if isinstance(entry, dict) else {}
        kind = options.pop("kind", None)
        if kind not in SYSTEMS:
            raise RecsumError(f"{path}: [[systems]] entry {number} needs kind = one of "
                              f"{', '.join(SYSTEMS)} (got {kind!r})")
        label = str(options.pop("label", kind))
        if not re.fullmatch(r"[\w.-]+", label):
            raise RecsumError(f"{path}: label {label!r} must be letters, digits, '-', '_' or '.'")
        ignore_query = options.pop("ignore_query", False)
        if not isinstance(ignore_query, bool):
            raise RecsumError(f"{path}: ignore_query of entry {number} must be true or false")
        systems.append(SystemEntry(kind, label, options, ignore_query))
    labels = [s.label for s in systems]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        raise RecsumError(f"{path}: several systems are labelled {', '.join(repeated)}; give "
                          "each [[systems]] entry its own label")
    return tuple(systems)


def _published(entries: Any, path: Path) -> tuple[PublishedScores, ...]:
    if not isinstance(entries, list):
        raise RecsumError(f"{path}: published must be a list of tables ([[published]])")
    rows = []
    for number, entry in enumerate(entries, 1):
        entry = dict(entry) if isinstance(entry, dict) else {}
        label, source = entry.pop("label", None), entry.pop("source", None)
        unknown = sorted(set(entry) - set(ROUGE_TYPES))
        if not isinstance(label, str) or not isinstance(source, str) or unknown or not entry:
            raise RecsumError(
                f"{path}: [[published]] entry {number} needs a label, a source and scores "
                f"({', '.join(ROUGE_TYPES)}: F1 × 100)"
                + (f"; unknown key(s) {', '.join(unknown)}" if unknown else ""))
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and 0 <= v <= 100
                   for v in entry.values()):
            raise RecsumError(f"{path}: [[published]] entry {number} ({label}): scores must be "
                              "numbers from 0 to 100 (F1 × 100)")
        rows.append(PublishedScores(label, source, {k: float(v) for k, v in entry.items()}))
    return tuple(rows)


def toml_spelling(message: str) -> str:
    """A library message in a pipeline file's spelling: ``ignore_query=True`` becomes
    ``ignore_query = true`` and ``tasks='query'`` becomes ``tasks = "query"``."""
    def key(match: re.Match) -> str:
        value = match.group(2)
        return f"{match.group(1)} = " + ("true" if value == "True" else f'"{value[1:-1]}"')

    return re.sub(r"\b(\w+)=(True\b|'[^']*')", key, message)


def run_pipeline(pipeline: Pipeline, *, overwrite: bool = False, progress: bool = True,
                 commands: Sequence[str] = (), **collaborators: Any) -> PipelineResult:
    """Batch every system (resuming finished work) on the pipeline's engine, then evaluate all
    and write the report. ``collaborators`` go to the systems that take them
    (``part_summarizer=``). Documents that failed stop the run before the evaluation."""
    for entry in pipeline.systems:  # before any runs: a missing model fails at once
        try:
            check_system(entry.kind, entry.options, tasks=pipeline.dataset.tasks,
                         ignore_query=entry.ignore_query)
        except RecsumError as error:
            raise RecsumError(f"[[systems]] {entry.label!r}: {toml_spelling(str(error))}") from None
    records = load_records(pipeline.dataset)
    engine = make_engine(pipeline.engine, **pipeline.ray)
    shares = pipeline.budgets(records)
    for entry in pipeline.systems:
        for share, length, query in shares:
            batch = batch_system(entry.kind, entry.options, share, length,
                                 pipeline.predictions_path(entry, query=query),
                                 ignore_query=entry.ignore_query, engine=engine,
                                 overwrite=overwrite, group_size=pipeline.group_size,
                                 progress=progress, **collaborators)
            if batch.failures:
                raise RecsumError(f"system {entry.label!r}: {batch.failure_summary()}")
    scores = tuple(
        score_predictions(
            {key: row for _, _, query in shares
             for key, row in read_predictions(pipeline.predictions_path(entry,
                                                                        query=query)).items()},
            records, label=entry.label, bootstrap=pipeline.bootstrap, seed=pipeline.seed,
            precision_recall=pipeline.precision_recall)
        for entry in pipeline.systems
    )
    report = write_report(pipeline.output_dir, scores,
                          title=f"{pipeline.name}: {len(records)} documents from "
                                f"{pipeline.dataset.path}", commands=commands,
                          published=pipeline.published)
    return PipelineResult(report, scores)
