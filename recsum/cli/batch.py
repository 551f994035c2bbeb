"""``recsum batch DATASET --output preds.jsonl``: summarize a whole dataset, resumably.

Also home of the dataset options (path, --adapter, fields, --split, --config, --limit) that
``recsum evaluate --references`` takes too.
"""

from __future__ import annotations

import argparse
import json
import sys

from recsum.cli.options import add_model_options, positive_int
from recsum.errors import RecsumError

# Model options of add_model_options that the recursive system takes as they are.
MODEL_KEYS = ("model", "scorer", "device", "dtype", "chunk_tokens", "overlap", "max_depth",
              "batch_size", "trust_remote_code")
GENERATION_KEYS = ("num_beams", "no_repeat_ngram_size", "length_penalty", "min_new_tokens")


def add_dataset_options(parser: argparse.ArgumentParser, flag: str | None = None) -> None:
    """The dataset spec: a positional path (or ``flag``), adapter, field mapping, split, limit."""
    group = parser.add_argument_group("dataset")
    where = "local file (jsonl/json/csv/parquet/txt) or Hugging Face hub dataset id"
    if flag:
        group.add_argument(flag, dest="dataset", required=True, metavar="DATASET", help=where)
    else:
        group.add_argument("dataset", metavar="DATASET", help=where)
    group.add_argument("--adapter", choices=["squality", "qmsum"], default=None,
                       help="nested format to read (default: flat fields)")
    group.add_argument("--tasks", choices=["generic", "query", "all"], default="generic",
                       help="with an adapter: the generic summary, the query-focused ones, or both")
    group.add_argument("--text-field", default=None, help="field with the document")
    group.add_argument("--reference-field", nargs="+", default=None, metavar="FIELD",
                       help="field(s) with the reference(s): a string or a list of strings each")
    group.add_argument("--id-field", default=None, help="field with a unique id (default: id, "
                                                        "else the row number)")
    group.add_argument("--split", default=None, help="hub split (default: train)")
    group.add_argument("--config", default=None, help="hub dataset configuration")
    group.add_argument("--limit", type=positive_int, default=None, help="first N rows only")


def dataset_spec(args: argparse.Namespace):
    """The :class:`recsum.data.DatasetSpec` the dataset options describe."""
    from recsum.data import DatasetSpec

    fields = args.reference_field
    return DatasetSpec(
        path=args.dataset, adapter=args.adapter, text_field=args.text_field,
        reference_field=fields[0] if fields and len(fields) == 1 else fields,
        id_field=args.id_field, split=args.split, config=args.config, limit=args.limit,
        tasks=args.tasks,
    )


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "batch", help="summarize every document of a dataset into a JSON-lines file",
        description="Summarize a dataset, one JSON line per document as soon as it is done. "
                    "Run the same command again after a crash: finished ids are skipped.")
    add_dataset_options(parser)
    parser.add_argument("--output", "-o", required=True, help="predictions file (.jsonl)")
    parser.add_argument("--max-words", type=positive_int, default=300,
                        help="summary length in words, the same for every document (default: 300)")
    parser.add_argument("--system", default="recursive",
                        help="system kind (default: recursive), e.g. lead, textrank, oracle")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="an option for the system (VALUE read as JSON, else as text)")
    parser.add_argument("--group-size", type=positive_int, default=4,
                        help="documents summarized together, sharing model batches (default: 4)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the output file instead of resuming it")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_model_options(parser)
    defaults = {key: parser.get_default(key) for key in MODEL_KEYS + GENERATION_KEYS}
    parser.set_defaults(handler=run, option_defaults=defaults)


def system_options(args: argparse.Namespace) -> dict:
    """Options for the system: --option pairs, and model options that differ from defaults."""
    options = {}
    for pair in args.option:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise RecsumError(f"--option {pair!r} must look like KEY=VALUE")
        try:
            options[key.replace("-", "_")] = json.loads(value)
        except json.JSONDecodeError:
            options[key.replace("-", "_")] = value
    changed = {key for key, default in args.option_defaults.items()
               if getattr(args, key) != default}
    if changed and args.system != "recursive":
        raise RecsumError(f"--{sorted(changed)[0].replace('_', '-')} applies to --system "
                          "recursive only; pass other systems' settings with --option KEY=VALUE")
    options.update({key: getattr(args, key) for key in MODEL_KEYS if key in changed})
    if changed & set(GENERATION_KEYS):
        from recsum.summarizers import GenerationSettings

        options["generation"] = GenerationSettings(
            **{key: getattr(args, key) for key in GENERATION_KEYS})
    return options


def run(args: argparse.Namespace) -> int:
    from recsum.batch import batch_settings, run_batch
    from recsum.data import load_records
    from recsum.length import Length
    from recsum.systems import build_system

    options = system_options(args)
    # Only the oracle reads references while summarizing; plain text files have none.
    records = load_records(dataset_spec(args), need_references=args.system == "oracle")
    length = Length(args.max_words, "words")
    result = run_batch(lambda: build_system(args.system, **options), records, length,
                       args.output, settings=batch_settings(args.system, options, length),
                       overwrite=args.overwrite, group_size=args.group_size,
                       progress=not args.quiet and sys.stderr.isatty())
    print(f"{result.path}: {result.written} document(s) summarized, {result.resumed} already "
          f"done, {result.total} in all ({result.seconds:.1f} s)", file=sys.stderr)
    return 0
