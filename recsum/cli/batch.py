"""``recsum batch DATASET --output preds.jsonl``: summarize a whole dataset, resumably."""

from __future__ import annotations

import argparse
import sys

from recsum.cli.options import (
    add_dataset_options,
    add_engine_options,
    add_length_options,
    add_model_options,
    dataset_spec,
    engine_options,
    in_existing_folder,
    max_words,
    model_options,
    parse_options,
    positive_int,
)
from recsum.errors import RecsumError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "batch", help="summarize every document of a dataset into a JSON-lines file",
        description="Summarize a dataset, one JSON line per document as soon as it is done. "
                    "Run the same command again after a crash: finished ids are skipped.")
    add_dataset_options(parser)
    parser.add_argument("--output", "-o", required=True, type=in_existing_folder,
                        help="predictions file (.jsonl), in a folder that exists")
    add_length_options(parser, tokens=False,
                       what="summary length in words, the same for every document")
    parser.add_argument("--system", default="recursive",
                        help="system kind (default: recursive), e.g. lead, textrank, oracle")
    parser.add_argument("--option", action="append", default=[], metavar="KEY=VALUE",
                        help="an option for the system (VALUE read as JSON, else as text)")
    parser.add_argument("--ignore-query", action="store_true",
                        help="with --tasks query/all: summarize as if there were no query (a "
                             "query-blind baseline)")
    parser.add_argument("--group-size", type=positive_int, default=4,
                        help="documents summarized together, sharing model batches (default: 4)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace the output file instead of resuming it")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or warnings: errors only")
    add_model_options(parser)
    add_engine_options(parser, default="local")
    parser.set_defaults(handler=run)


def system_options(args: argparse.Namespace) -> dict:
    """Options for the system: --option pairs, and the model options given (recursive only)."""
    options = parse_options(args.option)
    given = model_options(args)
    if given and args.system != "recursive":
        raise RecsumError(f"--{sorted(given)[0].replace('_', '-')} applies to --system "
                          "recursive only; pass other systems' settings with --option KEY=VALUE")
    return {**options, **given}


def run(args: argparse.Namespace) -> int:
    from recsum.experiments.dataset_api import summarize_dataset
    from recsum.experiments.ray_engine import make_engine

    engine = make_engine(args.engine or "local", **engine_options(args))
    result = summarize_dataset(dataset_spec(args), args.output, system=args.system,
                               options=system_options(args), max_words=max_words(args),
                               engine=engine, overwrite=args.overwrite,
                               group_size=args.group_size, ignore_query=args.ignore_query,
                               progress=not args.quiet).batch
    failed = f", {len(result.failures)} failed" if result.failures else ""
    print(f"{result.path}: {result.written} document(s) summarized, {result.resumed} already "
          f"done{failed}, {result.total} in all ({result.seconds:.1f} s)", file=sys.stderr)
    if result.failures:
        print(f"recsum: {result.failure_summary()}", file=sys.stderr)
        return 1
    return 0
