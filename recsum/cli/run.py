"""``recsum run PIPELINE``: batch every system of a pipeline file, evaluate, write the report."""

from __future__ import annotations

import argparse
import shlex
from dataclasses import replace
from pathlib import Path

from recsum.cli.options import add_engine_options, engine_options, positive_int
from recsum.errors import RecsumError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "run", help="run a pipeline file: batch, evaluate, report",
        description="Run an experiment described by a TOML (or YAML) pipeline file. Resumable: "
                    "run it again after an interruption and finished documents are skipped.")
    parser.add_argument("pipeline", help="pipeline file, e.g. pipelines/squality-dev.toml")
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="the data folder, for {data} in the pipeline's dataset path "
                             "(default: $RECSUM_DATA, else ../shared/data)")
    parser.add_argument("--limit", type=positive_int, default=None, metavar="N",
                        help="the dataset's first N rows only (a quick try; the report then "
                             "covers those)")
    parser.add_argument("--overwrite", action="store_true",
                        help="redo every system instead of resuming its predictions")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or warnings: errors only")
    add_engine_options(parser, default="the pipeline's [batch] engine, else local")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from recsum.evaluation.data import LOCAL_FORMATS
    from recsum.evaluation.report import markdown_table
    from recsum.experiments.pipeline import load_pipeline, run_pipeline

    pipeline = load_pipeline(args.pipeline, data=args.data)
    if args.limit:
        pipeline = replace(pipeline, dataset=replace(pipeline.dataset, limit=args.limit))
    dataset = Path(pipeline.dataset.path)
    if dataset.suffix.lower() in LOCAL_FORMATS and not dataset.exists():  # not a hub id
        raise RecsumError(f"{args.pipeline}: dataset {dataset} not found; point recsum run at "
                          "the data folder with --data DIR (or RECSUM_DATA), or fix its "
                          "[dataset] path")
    given = engine_options(args)
    if args.engine or given:  # the command line's engine, over the pipeline's [batch] and [ray]
        engine = args.engine or pipeline.engine
        pipeline = replace(pipeline, engine=engine,
                           ray={**pipeline.ray, **given} if engine == "ray" else given)
    command = ["recsum", "run", args.pipeline]  # for the report: how to make it again
    for flag, value in (("--data", args.data), ("--limit", args.limit)):
        command += [flag, str(value)] if value is not None else []
    command += ["--overwrite"] if args.overwrite else []
    result = run_pipeline(pipeline, overwrite=args.overwrite,
                          progress=not args.quiet, commands=[shlex.join(command)])
    print(markdown_table(result.scores), end="")
    print(f"\nreport: {result.report}")
    return 0
