"""``recsum train lstm|bigbird --output DIR``: train a whole-document baseline on oracle labels."""

from __future__ import annotations

import argparse
import itertools
import json
import shlex
import shutil
import sys
from dataclasses import asdict, replace
from pathlib import Path

from recsum.cli.options import in_existing_folder, positive_int
from recsum.config import BY_DATASET, ENCODER_LAYERS, WINDOW_TOKENS

# What each kind trains, for its own --help.
KINDS = {
    "part": "the part scorer of the embedded default: MiniLM reads each chunk, the scorer "
            "rates its sentences",
    "lstm": "the hierarchical BiLSTM whole-document baseline",
    "bigbird": "a head on a frozen BigBird encoder warm-started from MiniLM (whole-document "
               "baseline)",
}

# The part-only settings, for the kinds that have none.
_NOT_PART = {"tasks": "generic", "encoder_layers": ENCODER_LAYERS, "cross_validate": None,
             "fallback": False}


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train the default's part scorer, or the LSTM or BigBird baseline",
        description="Train on greedy-oracle sentence labels. Datasets are ADAPTER:PATH, e.g. "
                    "squality:squality/train.jsonl. Rerunning a command that was stopped "
                    "resumes after its last finished epoch. See recsum train KIND --help.")
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, what in KINDS.items():
        sub = kinds.add_parser(kind, help=what, description=f"Train {what}, on greedy-oracle "
                               "sentence labels. Rerunning a command that was stopped resumes "
                               "after its last finished epoch.")
        _add_common_options(sub, kind)
        if kind == "part":
            _add_part_options(sub)
        if kind == "bigbird":
            sub.add_argument("--max-tokens", type=positive_int, default=None,
                             help="tokens read per document (default 65536; longer are cut)")
        sub.set_defaults(handler=run, **({} if kind == "part" else _NOT_PART))
    parser.commands = kinds.choices  # for recsum.cli.main's errors


def _add_common_options(parser: argparse.ArgumentParser, kind: str) -> None:
    part = kind == "part"
    parser.add_argument("--output", default=None, type=in_existing_folder,
                        help="folder for config.json + model.safetensors (made if missing, "
                             "inside a folder that exists)")
    parser.add_argument("--train", action="append", required=True, metavar="ADAPTER:PATH",
                        help="training dataset (repeat for several)")
    parser.add_argument("--dev", action="append", default=[], metavar="ADAPTER:PATH",
                        help="validation dataset for early stopping (repeat for several); "
                             "default: --holdout of the training documents")
    parser.add_argument("--holdout", type=float, default=None,
                        help="without --dev: this fraction of the training documents, drawn "
                             "with --seed, validates (default: " + (
                                 "0: a fixed number of epochs, chosen by cross-validation)"
                                 if part else "0.1)"))
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a model (or a checkpoint of other settings) in --output")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="use at most this many documents of each training dataset")
    parser.add_argument("--dev-limit", type=positive_int, default=None,
                        help="use at most this many documents of each validation dataset")
    parser.add_argument("--epochs", type=positive_int, default=None,
                        help=f"default: {12 if part else 8}")
    parser.add_argument("--patience", type=positive_int, default=None,
                        help="epochs without a better validation loss before stopping "
                             f"(default: {'never stops early' if part else 2})")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help=f"default: {'3e-3' if part else '1e-3'}")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the initial weights, the order of documents in each epoch "
                             "and the --holdout draw: the same seed gives the same model on a "
                             "CPU (default: 0)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bars or warnings: errors only")


def _add_part_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tasks", choices=["generic", "query"], default="generic",
                        help="train the generic scorer, or the query scorer on the datasets' "
                             "query-focused summaries (default: generic)")
    parser.add_argument("--encoder-layers", type=positive_int, default=ENCODER_LAYERS,
                        help="read the states of this layer of MiniLM, which then computes no "
                             f"layer past it (default: {ENCODER_LAYERS}, of 6)")
    parser.add_argument("--fallback", action="store_true",
                        help="also train the fallback that rates documents unlike the training "
                             "documents (two scorers of features standardized within the "
                             "document, and the training documents' centroids), into "
                             "OUTPUT/unfamiliar, as the shipped scorer has; generic tasks only")
    cv = parser.add_argument_group(
        "cross-validation", "With --cross-validate K, nothing is saved: the part scorer is "
        "trained K times, each time without one fold of the training documents, which the "
        "recursive reducer then summarizes; ROUGE is printed per training dataset. With "
        "--cross-validate datasets, each --train dataset is a fold: a domain never seen.")
    cv.add_argument("--cross-validate", type=_folds, default=None, metavar="K|datasets")
    cv.add_argument("--chunk-tokens", type=positive_int, default=None,
                    help="tokens per chunk the encoder and the reducer read (default: "
                         f"{WINDOW_TOKENS})")
    cv.add_argument("--length-penalty", type=float, nargs="+", default=[None],
                    help="rating discount per log(word) of a sentence (default: 0.5); several "
                         "values are each scored, on the same training runs")
    cv.add_argument("--context-penalty", type=float, nargs="+", default=[None],
                    help="rating discount of dialogue and 'But ...' sentences (default: 0.5)")
    cv.add_argument("--final-pool", type=float, nargs="+", default=[None],
                    help="the last pass chooses among this many times the length (default: 2; "
                         "inf: one pass over the whole document)")


def _folds(value: str) -> int | str:
    """A number of folds, or ``datasets``: one fold per training dataset."""
    if value == BY_DATASET:
        return value
    try:
        return positive_int(value)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a number of folds or {BY_DATASET!r}, got {value!r}") from None


def run(args: argparse.Namespace) -> int:
    from recsum.errors import RecsumError
    from recsum.training.checkpoint import CHECKPOINTS
    from recsum.training.examples import holdout_split, load_datasets

    if args.learning_rate is not None and args.learning_rate <= 0:
        raise RecsumError(f"--learning-rate must be positive, got {args.learning_rate}")
    if args.fallback and args.tasks != "generic":
        raise RecsumError("--fallback is for generic summaries; leave it out with --tasks query")
    if args.cross_validate is not None:
        return _cross_validate(args)
    if args.output is None:
        raise RecsumError("--output is required: the folder to save the trained model in")
    output = Path(args.output)
    checkpoints = output / CHECKPOINTS
    if args.overwrite:  # the scorer's, and its fallback's scorers'
        for folder in [checkpoints, *output.glob(f"*/*/{CHECKPOINTS}")]:
            shutil.rmtree(folder, ignore_errors=True)
    elif (output / "model.safetensors").exists() and not checkpoints.exists():
        raise RecsumError(f"{output} already holds a trained model; pass --overwrite to replace "
                          "it, or choose another --output")
    train = load_datasets(args.train, args.limit, args.tasks)  # fail fast, before any model
    holdout = args.holdout if args.holdout is not None else (0.0 if args.kind == "part" else 0.1)
    if args.dev:
        dev = load_datasets(args.dev, args.dev_limit)
    else:
        train, dev = holdout_split(train, holdout, args.seed)
    settings = _settings(args)
    if args.kind == "part":
        from recsum.evaluation.data import ADAPTERS
        from recsum.summarizers.scorer import PartScorerConfig
        from recsum.training.part import train_part_scorer

        sources = [{"dataset": source, "source": ADAPTERS[source.partition(":")[0]].source}
                   for source in args.train]
        command = "recsum " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv else ""
        config = PartScorerConfig(features=_features(args.tasks),
                                  encoder_layers=args.encoder_layers,
                                  provenance={"training_data": sources, "tasks": args.tasks,
                                              "command": command})
        log = train_part_scorer(train, dev, output, settings, config, fallback=args.fallback)
    elif args.kind == "lstm":
        from recsum.training.baselines import train_lstm

        log = train_lstm(train, dev, output, settings)
    else:
        from recsum.baselines.bigbird import BigBirdHeadConfig
        from recsum.training.baselines import train_bigbird

        config = BigBirdHeadConfig(**({"max_tokens": args.max_tokens} if args.max_tokens else {}))
        log = train_bigbird(train, dev, output, settings, config)
    print(json.dumps({"output": str(output), "train_documents": len(train),
                      "dev_documents": len(dev), "best_epoch": log.best_epoch,
                      "train_loss": log.train_loss, "dev_loss": log.dev_loss}, indent=2))
    print(f"saved {args.kind} model to {output}", file=sys.stderr)
    return 0


def _settings(args: argparse.Namespace):
    """The kind's training settings, with what the command line changes."""
    from recsum.training.loop import TrainingSettings

    if args.kind == "part":
        from recsum.training.part import PART_TRAINING as defaults
    else:
        defaults = TrainingSettings()
    chosen = {"epochs": args.epochs, "patience": args.patience,
              "learning_rate": args.learning_rate}
    return replace(defaults, seed=args.seed, progress=not args.quiet,
                   **{k: v for k, v in chosen.items() if v is not None})


def _cross_validate(args: argparse.Namespace) -> int:
    from recsum.summarizers.scorer import PartScorerConfig
    from recsum.training.cross_validation import cross_validate
    from recsum.training.examples import load_datasets

    records, datasets = [], []
    for source in args.train:
        loaded = load_datasets([source], args.limit, args.tasks)
        records += loaded
        datasets += [source] * len(loaded)
    grid = itertools.product(args.length_penalty, args.context_penalty, args.final_pool)
    selections = [{k: v for k, v in zip(("length_penalty", "context_penalty", "final_pool"),
                                        values, strict=True) if v is not None}
                  for values in grid]
    config = PartScorerConfig(features=_features(args.tasks), encoder_layers=args.encoder_layers)
    results = cross_validate(records, datasets, args.cross_validate, _settings(args), config,
                             chunk_tokens=args.chunk_tokens, selections=selections,
                             fallback=args.fallback)
    print(json.dumps([asdict(result) for result in results], indent=2))
    return 0


def _features(tasks: str) -> tuple[str, ...]:
    from recsum.summarizers.features import FEATURES, QUERY_FEATURES

    return FEATURES + (QUERY_FEATURES if tasks == "query" else ())
