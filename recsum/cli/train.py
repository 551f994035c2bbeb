"""``recsum train lstm|bigbird --output DIR``: train a whole-document baseline on oracle labels."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from recsum.cli.options import positive_int


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train the LSTM or BigBird baseline on greedy-oracle sentence labels",
        description="Train a whole-document extractive baseline (hierarchical BiLSTM, or a head "
                    "on a frozen BigBird encoder warm-started from MiniLM). Datasets are "
                    "ADAPTER:PATH, e.g. squality:squality/train.jsonl.")
    parser.add_argument("kind", choices=["lstm", "bigbird"])
    parser.add_argument("--output", required=True,
                        help="folder for config.json + model.safetensors")
    parser.add_argument("--train", action="append", required=True, metavar="ADAPTER:PATH",
                        help="training dataset (repeat for several)")
    parser.add_argument("--dev", action="append", default=[], metavar="ADAPTER:PATH",
                        help="validation dataset for early stopping (repeat for several); "
                             "default: --holdout of the training documents")
    parser.add_argument("--holdout", type=float, default=0.1,
                        help="without --dev: this fraction of the training documents, drawn "
                             "with --seed, validates (default: 0.1)")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace a model (or a checkpoint of other settings) in --output")
    parser.add_argument("--limit", type=positive_int, default=None,
                        help="use at most this many documents of each training dataset")
    parser.add_argument("--dev-limit", type=positive_int, default=None,
                        help="use at most this many documents of each validation dataset")
    parser.add_argument("--epochs", type=positive_int, default=8)
    parser.add_argument("--patience", type=positive_int, default=2,
                        help="epochs without a better validation loss before stopping")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-tokens", type=positive_int, default=None,
                        help="bigbird: tokens read per document (default 4096)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from recsum.baselines.train import CHECKPOINTS, train_bigbird, train_lstm
    from recsum.errors import RecsumError
    from recsum.training import TrainingSettings, holdout_split, load_datasets

    if args.learning_rate <= 0:
        raise RecsumError(f"--learning-rate must be positive, got {args.learning_rate}")
    output = Path(args.output)
    if args.overwrite:
        shutil.rmtree(output / CHECKPOINTS, ignore_errors=True)
    elif (output / "model.safetensors").exists() and not (output / CHECKPOINTS).exists():
        raise RecsumError(f"{output} already holds a trained model; pass --overwrite to replace "
                          "it, or choose another --output")
    train = load_datasets(args.train, args.limit)  # fail fast on a bad path, before any model
    if args.dev:
        dev = load_datasets(args.dev, args.dev_limit)
    else:
        train, dev = holdout_split(train, args.holdout, args.seed)
    settings = TrainingSettings(epochs=args.epochs, patience=args.patience,
                                learning_rate=args.learning_rate, seed=args.seed,
                                progress=not args.quiet)
    if args.kind == "lstm":
        log = train_lstm(train, dev, args.output, settings)
    else:
        from recsum.baselines.bigbird import BigBirdHeadConfig

        config = BigBirdHeadConfig(**({"max_tokens": args.max_tokens} if args.max_tokens else {}))
        log = train_bigbird(train, dev, args.output, settings, config)
    print(json.dumps({"output": args.output, "train_documents": len(train),
                      "dev_documents": len(dev), "best_epoch": log.best_epoch,
                      "train_loss": log.train_loss, "dev_loss": log.dev_loss}, indent=2))
    print(f"saved {args.kind} model to {args.output}", file=sys.stderr)
    return 0
