"""``recsum bench``: speed, memory and scaling study; writes report.md, results.json and plots."""

from __future__ import annotations

import argparse
import shlex
from pathlib import Path

from recsum.cli.options import positive_int
from recsum.errors import RecsumError


def _sizes(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in value.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated word counts, got {value!r}") from None
    if not sizes or min(sizes) <= 0:
        raise argparse.ArgumentTypeError(f"word counts must be positive, got {value!r}")
    return tuple(sorted(sizes))


def _names(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure speed, memory and scaling against baselines and peers",
        description="Throughput of the default, time and memory against document length (one "
                    "process per run), Seq2Seq batching, peers, and whole processes with their "
                    "start (recsum summarize against the peers), measured in one run. The full "
                    "run takes about 25 minutes on 2 cores; --smoke takes seconds.")
    parser.add_argument("--stories", required=True,
                        help="SQuALITY-format .jsonl with references (e.g. "
                             "../shared/data/squality/dev.jsonl)")
    parser.add_argument("--corpus", action="append", default=[],
                        help="more SQuALITY or QMSum .jsonl files whose documents extend the "
                             "long documents (repeatable)")
    parser.add_argument("--out", default="outputs/bench", help="output folder")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace an earlier run's results in --out")
    parser.add_argument("--smoke", action="store_true",
                        help="toy models and sizes: checks that the bench runs, in seconds")
    parser.add_argument("--sections", type=_names, default=None,
                        help="comma-separated subset of "
                             "throughput,scaling,batching,peers,processes")
    parser.add_argument("--systems", type=_names, default=None,
                        help="comma-separated scaling systems (default: all)")
    parser.add_argument("--peers", type=_names, default=None,
                        help="comma-separated peers (default: sumy-lexrank,sumy-textrank,"
                             "bert-extractive)")
    parser.add_argument("--sizes", type=_sizes, default=None,
                        help="document lengths in words (default 2000,8000,32000,128000,512000)")
    parser.add_argument("--docs", type=positive_int, default=None,
                        help="stories for the throughput section (default 25)")
    parser.add_argument("--peer-docs", type=positive_int, default=None,
                        help="stories for the peers section (default 5)")
    parser.add_argument("--time-cap", type=float, default=None,
                        help="seconds one scaling run may take (default 240)")
    parser.add_argument("--memory-cap-mb", type=float, default=None,
                        help="resident memory at which a scaling run is stopped (default 8000)")
    parser.set_defaults(handler=run)


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this run, for the report."""
    words = ["recsum", "bench", "--stories", args.stories]
    for path in args.corpus:
        words += ["--corpus", path]
    words += ["--out", args.out, *(["--smoke"] if args.smoke else []),
              *(["--overwrite"] if args.overwrite else [])]
    for option in ("sections", "systems", "peers", "sizes", "docs", "peer_docs", "time_cap",
                   "memory_cap_mb"):
        value = getattr(args, option)
        if value is not None:
            text = ",".join(map(str, value)) if isinstance(value, tuple) else str(value)
            words += [f"--{option.replace('_', '-')}", text]
    return shlex.join(words)


def run(args: argparse.Namespace) -> int:
    from recsum.experiments.bench.suite import BenchConfig, run_bench

    for path in [args.stories, *args.corpus]:
        if not Path(path).is_file():
            raise RecsumError(f"{path}: no such file; pass a SQuALITY or QMSum .jsonl file")
    if (Path(args.out) / "results.json").exists() and not args.overwrite:
        raise RecsumError(f"{args.out} already holds a bench run (results.json); pass "
                          "--overwrite to replace it, or choose another --out")
    options = {key: value for key, value in {
        "corpus": tuple(args.corpus), "sections": args.sections, "systems": args.systems,
        "peers": args.peers, "sizes": args.sizes, "docs": args.docs, "peer_docs": args.peer_docs,
        "time_cap": args.time_cap, "memory_cap_mb": args.memory_cap_mb,
    }.items() if value is not None}
    if args.smoke:
        config = BenchConfig.smoke(args.stories, args.out, **options)
    else:
        config = BenchConfig(stories=args.stories, out=args.out, **options)
    result = run_bench(config, command=_command(args))
    print(f"bench: {result.seconds:.0f} s; report: {Path(config.out) / 'report.md'}")
    return 0
