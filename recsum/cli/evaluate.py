"""``recsum evaluate DATASET --predictions P.jsonl``: ROUGE with CIs, table + JSON."""

from __future__ import annotations

import argparse
from pathlib import Path

from recsum.cli.options import (
    add_dataset_options,
    dataset_spec,
    in_existing_folder,
    non_negative_int,
)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="score predictions against reference summaries with ROUGE",
        description="ROUGE-1/2/L/Lsum F1 (stemming, best reference per document) with a "
                    "bootstrap confidence interval; prints a markdown table and writes JSON.")
    parser.add_argument("--predictions", nargs="+", required=True, metavar="FILE",
                        help="predictions file(s) written by recsum batch (one system each)")
    add_dataset_options(parser, alias="--references")
    parser.add_argument("--bootstrap", type=non_negative_int, default=1000,
                        help="resamples for the 95%% confidence interval (default: 1000; 0: none)")
    parser.add_argument("--seed", type=int, default=0, help="bootstrap seed (default: 0)")
    parser.add_argument("--precision-recall", action="store_true",
                        help="also report precision and recall")
    parser.add_argument("--output", default=None, type=in_existing_folder,
                        help="scores JSON (default: next to the first predictions, .scores.json)")
    parser.add_argument("--report", default=None, metavar="DIR", type=in_existing_folder,
                        help="also write report.md and PNG plots into DIR")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from recsum.evaluation.report import markdown_table, write_report, write_scores
    from recsum.experiments.dataset_api import dataset_records, evaluate_predictions

    spec = dataset_spec(args)
    records = dataset_records(spec)
    results = [evaluate_predictions(path, records, bootstrap=args.bootstrap, seed=args.seed,
                                    precision_recall=args.precision_recall)
               for path in args.predictions]
    print(markdown_table(results), end="")
    first = Path(args.predictions[0])
    output = write_scores(args.output or first.with_suffix(".scores.json"), results)
    print(f"\nscores: {output}")
    if args.report:
        print(f"report: {write_report(args.report, results, title=f'ROUGE on {spec.path}')}")
    return 0
