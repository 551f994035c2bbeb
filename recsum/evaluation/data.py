"""Datasets: load documents with their references (hub or local files) as uniform records.

Everything goes through Hugging Face ``datasets``: a hub id with config and split, a local
jsonl/json/csv/parquet/txt file, or documents (PDF, HTML, DOCX, Markdown, text; a folder of
them, one record per file) read by ``recsum.textio``. Flat datasets map their fields with
``text_field``, ``reference_field`` and ``id_field``; nested formats (SQuALITY, QMSum) have
adapters. Records with an empty document or no reference are skipped with one counted warning,
never silently.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from recsum import quirks
from recsum.errors import EncodingError, RecsumError, about, list_ids
from recsum.formats import SUFFIXES
from recsum.records import Record

log = logging.getLogger("recsum")

LOCAL_FORMATS = {".jsonl": "json", ".json": "json", ".csv": "csv", ".parquet": "parquet",
                 ".txt": "text"}
# Files of rows: a folder holding any is a dataset of rows, not of documents.
DATA_SUFFIXES = frozenset(LOCAL_FORMATS) - {".txt"}
# Documents that recsum reads itself, one record per file, named after it; a folder may mix them.
DOCUMENT_SUFFIXES = frozenset(SUFFIXES)
# Tried in order when no field is named: the names used by common summarization datasets.
TEXT_FIELDS = ("document", "text", "article", "report", "transcript", "source")
REFERENCE_FIELDS = ("summary", "summaries", "references", "reference", "abstract", "target",
                    "highlights")
TASKS = ("generic", "query", "all")


@dataclass(frozen=True)
class DatasetSpec:
    """Where a dataset comes from and how its fields map to records.

    ``reference_field`` names a field holding a string or a list of strings, or is a list of
    field names (several references). ``tasks`` picks an adapter's generic task, its
    query-focused tasks, or both.
    """

    path: str
    adapter: str | None = None
    text_field: str | None = None
    reference_field: str | tuple[str, ...] | None = None
    id_field: str | None = None
    split: str | None = None
    config: str | None = None
    limit: int | None = None
    tasks: str = "generic"

    def __post_init__(self) -> None:
        if self.adapter is not None and self.adapter not in ADAPTERS:
            raise RecsumError(f"unknown adapter {self.adapter!r}; choose one of "
                              f"{', '.join(ADAPTERS)} or give --text-field/--reference-field")
        if self.tasks not in TASKS:
            raise RecsumError(f"unknown tasks {self.tasks!r}; choose one of {', '.join(TASKS)}")
        if self.limit is not None and self.limit < 1:
            raise RecsumError(f"limit must be at least 1, got {self.limit}")
        if isinstance(self.reference_field, list):
            object.__setattr__(self, "reference_field", tuple(self.reference_field))

    @classmethod
    def from_dict(cls, options: dict[str, Any]) -> DatasetSpec:
        """A spec from a pipeline's ``[dataset]`` table; unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - known)
        if unknown:
            raise RecsumError(f"unknown [dataset] key(s) {', '.join(unknown)}; "
                              f"use {', '.join(sorted(known))}")
        if "path" not in options:
            raise RecsumError("[dataset] needs a path (a local file or a hub dataset id)")
        return cls(**options)


def read_jsonl(path: str | Path) -> list[tuple[int, dict]]:
    """The objects of a JSON-lines file with their line numbers; a malformed line is an error."""
    file = Path(path)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise RecsumError(f"{file}: no such file") from None
    except OSError as error:
        raise RecsumError(f"{file}: cannot read ({error.strerror})") from None
    rows: list[tuple[int, dict]] = []
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise RecsumError(f"{file}, line {number}: malformed JSON ({error}); fix or remove "
                              "that line") from None
        if not isinstance(row, dict):
            raise RecsumError(f"{file}, line {number}: expected a JSON object, got "
                              f"{type(row).__name__}")
        rows.append((number, row))
    return rows


def load_records(spec: DatasetSpec, *, need_references: bool = True,
                 rows: Any = None) -> list[Record]:
    """The records of a dataset, in order, with empty ones skipped and counted in a warning.

    Without ``need_references`` (summarizing only), a dataset may lack references altogether.
    ``rows``, a ``datasets.Dataset`` already loaded, is read instead of ``spec.path``, which
    then only names it in messages.
    """
    rows = _load_rows(spec) if rows is None else rows
    columns = set(rows.column_names)
    if spec.limit is not None:
        rows = rows.select(range(min(spec.limit, len(rows))))
    if spec.adapter is not None:
        adapter = ADAPTERS[spec.adapter]
        missing = [name for name in adapter.columns if name not in columns]
        if missing:
            raise RecsumError(f"{spec.path} lacks field(s) {', '.join(missing)} that adapter "
                              f"{spec.adapter!r} needs (it has {', '.join(sorted(columns))}); "
                              "check --adapter")
        produced = (record for index, row in enumerate(rows)
                    for record in adapter.convert(row, index, spec.tasks))
    else:
        produced = _flat_records(rows, columns, spec, need_references)
    return _keep_complete(produced, spec.path, need_references)


def _load_rows(spec: DatasetSpec):
    """The raw ``datasets.Dataset``: a local file if ``path`` exists, otherwise a hub id."""
    import datasets

    with quirks.datasets_quietly():
        return _load_dataset(spec, datasets)


def _load_dataset(spec: DatasetSpec, datasets):
    local = Path(spec.path)
    if local.exists():
        return _load_local(local, spec, datasets)
    if local.suffix.lower() in LOCAL_FORMATS:
        raise RecsumError(f"{spec.path}: no such file")
    try:
        loaded = datasets.load_dataset(spec.path, spec.config, split=spec.split or "train")
    except ConnectionError as error:
        raise RecsumError(f"cannot load dataset {spec.path!r}: the Hugging Face hub is "
                          f"unreachable ({type(error).__name__}); give a local file, or go "
                          "online once to cache it") from None
    except FileNotFoundError as error:
        raise RecsumError(f"no local file and no hub dataset named {spec.path!r} "
                          f"({error})") from None
    except ValueError as error:  # an unknown split or config
        raise RecsumError(f"cannot load dataset {spec.path!r}: {error}".splitlines()[0]) from None
    return loaded


def _load_local(path: Path, spec: DatasetSpec, datasets):
    if spec.split not in (None, "train"):
        raise RecsumError(f"{path} is a local file: it has no split {spec.split!r} (omit --split)")
    files = sorted(str(p) for p in path.iterdir() if p.is_file()) if path.is_dir() else [str(path)]
    suffixes = {Path(f).suffix.lower() for f in files}
    documents = [f for f in files if Path(f).suffix.lower() in DOCUMENT_SUFFIXES]
    if path.is_dir() and documents and not suffixes & DATA_SUFFIXES:
        # A folder of documents, read as `recsum summarize DIR` reads one: other files are
        # passed over, and one that cannot be read is a warning.
        return _load_documents(documents, datasets)
    if suffixes and suffixes != {".txt"} and suffixes <= DOCUMENT_SUFFIXES:
        return _load_documents(files, datasets)
    if len(suffixes) != 1 or (builder := LOCAL_FORMATS.get(suffixes.pop())) is None:
        raise RecsumError(f"{path}: expected one kind of file among {', '.join(LOCAL_FORMATS)}, "
                          f"or documents ({', '.join(sorted(DOCUMENT_SUFFIXES))}) (got "
                          f"{', '.join(files[:3]) or 'no files'})")
    if builder == "json":
        for file in files:
            _check_json(Path(file))
    options = {"sample_by": "document"} if builder == "text" else {}
    try:
        loaded = datasets.load_dataset(builder, data_files=files, split="train", **options)
    except Exception as error:  # the parsers raise many types; report the first line
        message = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise RecsumError(f"{path}: cannot parse as {builder} ({message})") from None
    if builder == "text":  # one document per file: name records after their files
        loaded = loaded.add_column("id", [Path(f).stem for f in files])
    return loaded


def _load_documents(files: list[str], datasets):
    """Documents (text, Markdown, PDF, HTML, DOCX) as id + text rows; a file that cannot be
    read is a warning line and the others are read, as `recsum summarize` does."""
    from recsum.textio import read_text

    rows: dict[str, list[str]] = {"id": [], "text": []}
    for file in files:
        try:
            rows["text"].append(read_text(file))
        except EncodingError as error:  # a dataset's documents have no encoding to choose
            log.warning("skipped: %s; save it as UTF-8 to include it", about(file, error.problem))
            continue
        except RecsumError as error:
            log.warning("skipped: %s", about(file, error))
            continue
        rows["id"].append(Path(file).stem)
    if not rows["id"]:
        raise RecsumError(f"none of {', '.join(files[:3])}{' ...' if len(files) > 3 else ''} "
                          "could be read (see the warnings above)")
    return datasets.Dataset.from_dict(rows)


def _check_json(path: Path) -> None:
    """Report a malformed JSON(-lines) file with its line number before ``datasets`` parses it."""
    text = path.read_text("utf-8", errors="replace")
    try:
        json.loads(text)
        return
    except json.JSONDecodeError:
        pass
    read_jsonl(path)


def _flat_records(rows, columns: set[str], spec: DatasetSpec,
                  need_references: bool) -> Iterator[Record]:
    text_field = _field(spec.text_field, TEXT_FIELDS, columns, spec.path, "--text-field")
    if spec.reference_field is None and not need_references:
        found = next((c for c in REFERENCE_FIELDS if c in columns), None)
        reference_fields: tuple[str, ...] = (found,) if found else ()
    elif isinstance(spec.reference_field, tuple):
        reference_fields = tuple(_field(name, (), columns, spec.path, "--reference-field")
                                 for name in spec.reference_field)
    else:
        reference_fields = (_field(spec.reference_field, REFERENCE_FIELDS, columns, spec.path,
                                   "--reference-field"),)
    id_field = spec.id_field or ("id" if "id" in columns else None)
    if id_field is not None:
        _field(id_field, (), columns, spec.path, "--id-field")
    for index, row in enumerate(rows):
        references = [text for field in reference_fields for text in _strings(row[field])]
        record_id = _record_id(row[id_field], index, id_field, spec.path) if id_field \
            else str(index)
        text = row[text_field]
        if text is not None and not isinstance(text, str):
            raise RecsumError(f"{spec.path}, row {index + 1} (id {record_id!r}): the text field "
                              f"{text_field!r} holds {_shown(text)}, not text; fix the row, or "
                              "pass --text-field")
        yield Record(record_id, text or "", tuple(references))


def _record_id(value: Any, index: int, field: str, path: str) -> str:
    """A row's id as text: ids are strings or numbers; anything else (null, an object, a list)
    would become a made-up id such as ``"None"``, so it is refused."""
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return str(value)
    raise RecsumError(f"{path}, row {index + 1}: the id field {field!r} holds {_shown(value)}; "
                      "ids must be strings or numbers: fix the row, or pass --id-field")


def _shown(value: Any) -> str:
    """A value's type and its first characters, for a message."""
    shown = json.dumps(value, default=str)[:30]
    return shown if value is None else f"{type(value).__name__} {shown}"


def _field(name: str | None, candidates: Sequence[str], columns: set[str], path: str,
           option: str) -> str:
    if name is None:
        name = next((c for c in candidates if c in columns), None)
        if name is None:
            raise RecsumError(f"{path}: no field found for {option[2:].replace('-', ' ')} among "
                              f"{', '.join(sorted(columns))}; pass {option}")
    if name not in columns:
        raise RecsumError(f"{path} has no field {name!r} (fields: {', '.join(sorted(columns))}); "
                          f"fix {option}")
    return name


def _strings(value: Any) -> list[str]:
    """A reference value as a list of texts: one string, a list of them, or nothing."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [v for v in value if isinstance(v, str)]
    raise RecsumError(f"a reference field holds {type(value).__name__}; it must hold a string or "
                      "a list of strings (use an adapter for nested formats)")


def _keep_complete(records: Iterator[Record], source: str,
                   need_references: bool) -> list[Record]:
    kept: list[Record] = []
    no_document: list[str] = []
    no_reference: list[str] = []
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            raise RecsumError(f"{source}: id {record.id!r} occurs twice; ids must be unique "
                              "(choose another --id-field)")
        seen.add(record.id)
        references = tuple(r for r in record.references if r.strip())
        if not record.document.strip():
            no_document.append(record.id)
        elif not references and need_references:
            no_reference.append(record.id)
        else:
            kept.append(Record(record.id, record.document, references, record.query))
    for skipped, what in ((no_document, "an empty document"), (no_reference, "no reference")):
        if skipped:
            log.warning("skipped %d record(s) of %s with %s: %s", len(skipped), source, what,
                        list_ids(skipped))
    if not kept:
        wanted = "both a document and a reference" if need_references else "a document"
        raise RecsumError(f"{source}: no record has {wanted}")
    return kept


@dataclass(frozen=True)
class Adapter:
    """Turns one raw row of a nested dataset into records (generic and/or query-focused)."""

    columns: tuple[str, ...]
    convert: Callable[[dict, int, str], list[Record]]
    source: str  # where the data comes from and under which license, for model cards
    trainable: bool = True  # False: the license allows evaluation only


def _squality(row: dict, index: int, tasks: str) -> list[Record]:
    story_id = str((row.get("metadata") or {}).get("passage_id") or index)
    records = []
    for question in row["questions"] or []:
        generic = question["question_number"] == 1  # "What is the plot of the story?"
        if (tasks == "generic" and not generic) or (tasks == "query" and generic):
            continue
        references = tuple(r["response_text"] or "" for r in question["responses"] or [])
        if generic:
            records.append(Record(story_id, row["document"] or "", references))
        else:
            records.append(Record(f"{story_id}-q{question['question_number']}",
                                  row["document"] or "", references, question["question_text"]))
    return records


def transcript_lines(row: dict) -> list[str]:
    """A QMSum meeting's turns as the lines of its document, one ``speaker: content`` each."""
    return [f"{turn['speaker']}: {turn['content']}" for turn in row["meeting_transcripts"] or []]


def _qmsum(row: dict, index: int, tasks: str) -> list[Record]:
    # QMSum rows carry no id: the meeting's position in its file names it, stable under --limit.
    document = "\n".join(transcript_lines(row))
    records = []
    if tasks in ("generic", "all"):
        answers = tuple(q["answer"] or "" for q in (row["general_query_list"] or [])[:1])
        records.append(Record(str(index), document, answers))
    if tasks in ("query", "all"):
        for number, query in enumerate(row.get("specific_query_list") or [], 1):
            records.append(Record(f"{index}-s{number}", document, (query["answer"] or "",),
                                  query["query"]))
    return records


def _generic_only(row: dict, index: int, tasks: str) -> list[Record]:
    """A flat row (id, document, references) that has a generic summary and no queries."""
    if tasks == "query":
        return []
    return [Record(str(row["id"]), row["document"] or "", tuple(_strings(row["references"])))]


ADAPTERS = {
    "squality": Adapter(("document", "questions"), _squality,
                        "SQuALITY v1.3 (github.com/nyu-mll/SQuALITY): summaries CC BY 4.0, "
                        "stories from Project Gutenberg"),
    "qmsum": Adapter(("meeting_transcripts", "general_query_list"), _qmsum,
                     "QMSum (github.com/Yale-LILY/QMSum): MIT"),
    "scisummnet": Adapter(("id", "document", "references"), _generic_only,
                          "ScisummNet (github.com/WING-NUS/scisumm-corpus): CC BY 4.0"),
    "ectsum": Adapter(("id", "document", "references"), _generic_only,
                      "ECTSum (github.com/rajdeep345/ECTSum): GPL-3.0, for evaluation only",
                      trainable=False),
}
