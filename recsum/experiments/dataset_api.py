"""Datasets from Python: summarize one into predictions, score predictions against references.

What ``recsum batch`` and ``recsum evaluate`` call: a dataset is a ``datasets.Dataset``, a
:class:`~.data.DatasetSpec`, a local file or hub id (with the spec's fields as keywords:
``adapter``, ``text_field`` ...), or records; the results are objects (:class:`Predictions`,
:class:`~.report.SystemScores` with its confidence intervals and per-document scores), and the
predictions file stays resumable as with the command line.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from recsum.config import DEFAULT_MAX_WORDS
from recsum.errors import RecsumError
from recsum.evaluation.data import DatasetSpec, load_records
from recsum.evaluation.predictions import read_predictions
from recsum.evaluation.report import SystemScores, score_predictions
from recsum.experiments.batch import BatchResult, Engine, batch_system
from recsum.experiments.ray_engine import make_engine
from recsum.experiments.systems import check_system, entry
from recsum.length import Length
from recsum.records import Record

if TYPE_CHECKING:
    import datasets

DatasetLike = Union["datasets.Dataset", DatasetSpec, str, Path, Sequence[Record]]


@dataclass
class Predictions:
    """A batch run's predictions: its lines by id (read from ``path`` when first asked for),
    the documents that failed (id → error), and what the run did. ``path`` is None when the
    run wrote to a temporary file."""

    path: Path | None
    batch: BatchResult

    @cached_property
    def rows(self) -> dict[str, dict]:
        return read_predictions(self.batch.path)

    @property
    def summaries(self) -> dict[str, str]:
        return {key: row["summary"] for key, row in self.rows.items()}

    @property
    def failures(self) -> Mapping[str, str]:
        return self.batch.failures


def dataset_records(dataset: DatasetLike, *, need_references: bool = True,
                    **fields: Any) -> list[Record]:
    """The records of ``dataset``; ``fields`` are :class:`~.data.DatasetSpec` fields (adapter,
    text_field, reference_field, id_field, split, config, limit, tasks) for a path, a hub id or
    a ``datasets.Dataset``."""
    if isinstance(dataset, DatasetSpec | str | Path):
        if fields and isinstance(dataset, DatasetSpec):
            raise RecsumError(f"{', '.join(sorted(fields))}: give them in the DatasetSpec")
        spec = dataset if isinstance(dataset, DatasetSpec) else DatasetSpec(str(dataset), **fields)
        return load_records(spec, need_references=need_references)
    if _is_hf_dataset(dataset):
        name = dataset.info.dataset_name or "the datasets.Dataset"
        return load_records(DatasetSpec(name, **fields), need_references=need_references,
                            rows=dataset)
    records = list(dataset)
    if fields or not all(isinstance(record, Record) for record in records):
        raise RecsumError("a dataset is a datasets.Dataset, a DatasetSpec, a path or hub id, or "
                          "a list of Record (which take no field options)")
    return records


def summarize_dataset(dataset: DatasetLike, output: str | Path | None = None, *,
                      system: str = "recursive", options: Mapping[str, Any] | None = None,
                      max_words: int = DEFAULT_MAX_WORDS, engine: Engine | str = "local",
                      overwrite: bool = False, group_size: int = 4, progress: bool = False,
                      ignore_query: bool = False, **fields: Any) -> Predictions:
    """Summarize every record of ``dataset`` with the system ``system`` (built from
    ``options``, as a pipeline's ``[[systems]]`` entry) into the predictions file ``output``,
    resuming it, or a temporary file when None. ``engine`` is ``"local"``, ``"ray"`` or an
    engine object (``RayEngine(concurrency=4)``); ``fields`` as for :func:`dataset_records`.
    On query tasks a system that takes queries answers each record's, unless ``ignore_query``
    runs it as a query-blind baseline.

    >>> summarize_dataset("dev.jsonl", "p.jsonl", adapter="squality").summaries  # doctest: +SKIP
    """
    options = dict(options or {})
    tasks = dataset.tasks if isinstance(dataset, DatasetSpec) else fields.get("tasks", "generic")
    check_system(system, options, tasks=tasks, ignore_query=ignore_query)
    # Only the oracle reads references while summarizing; plain text files have none.
    records = dataset_records(dataset, need_references=entry(system).reads_references,
                              **fields)
    run = engine if not isinstance(engine, str) else make_engine(engine)

    def summarize(path: Path) -> BatchResult:
        return batch_system(system, options, records, Length(max_words, "words"), path,
                            ignore_query=ignore_query, engine=run, overwrite=overwrite,
                            group_size=group_size, progress=progress)

    if output is not None:
        return Predictions(Path(output), summarize(Path(output)))
    with tempfile.TemporaryDirectory(prefix="recsum-") as folder:
        predictions = Predictions(None, summarize(Path(folder) / "predictions.jsonl"))
        _ = predictions.rows  # read now: the file goes with the folder
    return predictions


def evaluate_predictions(predictions: Predictions | str | Path, references: DatasetLike, *,
                         label: str | None = None, bootstrap: int = 1000, seed: int = 0,
                         precision_recall: bool = False, **fields: Any) -> SystemScores:
    """ROUGE-1/2/L/Lsum of ``predictions`` (a :class:`Predictions` or a predictions file)
    against the references of ``references`` (a dataset as for :func:`dataset_records`), with
    a bootstrap confidence interval and the F1 of every document."""
    records = dataset_records(references, **fields)
    source = predictions.rows if isinstance(predictions, Predictions) else predictions
    return score_predictions(source, records, label=label, bootstrap=bootstrap, seed=seed,
                             precision_recall=precision_recall)


def _is_hf_dataset(value: Any) -> bool:
    import datasets

    return isinstance(value, datasets.Dataset)
