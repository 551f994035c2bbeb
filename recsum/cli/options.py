"""The option groups of the command line (model, length, dataset), each defined once.

Every model option defaults to None, meaning "not given": :func:`summarizer_config` lays only
the given ones over :class:`~recsum.config.SummarizerConfig`, whose defaults the help shows.
"""

from __future__ import annotations

import argparse
from typing import Any

from recsum.config import DEFAULT_MAX_WORDS, DTYPES, GENERATION_DEFAULTS, SummarizerConfig
from recsum.errors import RecsumError

DEFAULTS = SummarizerConfig()
# Model options that are fields of SummarizerConfig, and the generation settings.
MODEL_KEYS = ("model", "scorer", "device", "dtype", "chunk_tokens", "overlap", "max_depth",
              "batch_size", "trust_remote_code")
GENERATION_KEYS = tuple(GENERATION_DEFAULTS)
RAY_KEYS = ("address", "concurrency", "cpus_per_actor", "gpus_per_actor")


def positive_int(value: str) -> int:
    """argparse type: an integer above zero (argparse reports the one-line error)."""
    number = _whole_number(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than zero, got {number}")
    return number


def non_negative_int(value: str) -> int:
    number = _whole_number(value)
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {number}")
    return number


def non_negative_float(value: str) -> float:
    """argparse type: a number of zero or more."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None
    if not number >= 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {value}")
    return number


def in_existing_folder(value: str) -> str:
    """argparse type: a path to write, whose folder exists (recsum creates no folder above what
    the user named: a typo would otherwise become a new directory tree)."""
    from pathlib import Path

    folder = Path(value).parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"folder {folder} does not exist; create it first "
                                         f"(mkdir -p {folder}) or choose another path")
    return value


def _whole_number(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """--model, --scorer, --device, --dtype, --chunk-tokens, --overlap, --max-depth,
    --trust-remote-code, --batch-size and the generation settings."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        help="seq2seq model id or local path (BART, T5, PEGASUS, LED); "
        "default: the embedded all-MiniLM-L6-v2 extractive summarizer",
    )
    group.add_argument(
        "--scorer",
        metavar="DIR",
        help="part scorer made by `recsum train part` (default: the shipped one)",
    )
    group.add_argument("--device", help=f"cpu, cuda, mps or auto (default: {DEFAULTS.device})")
    group.add_argument("--dtype", choices=DTYPES,
                       help="number format of the model's weights and arithmetic: auto takes "
                       "the fastest this machine runs well (int8 on most x86 CPUs for the "
                       "default); int8 is for the default only, float16 needs a GPU "
                       f"(default: {DEFAULTS.dtype})")
    group.add_argument(
        "--chunk-tokens",
        type=positive_int,
        help="tokens per chunk, special tokens included (default: the model's window)",
    )
    group.add_argument(
        "--overlap",
        type=non_negative_int,
        help=f"sentences repeated from the previous chunk as context "
        f"(default: {DEFAULTS.overlap})",
    )
    group.add_argument(
        "--max-depth",
        type=positive_int,
        help="most reduction levels before giving up (default: what halving the document "
        "down to one chunk takes, plus two)",
    )
    group.add_argument(
        "--trust-remote-code",
        action="store_true",
        default=None,
        help="allow model code from the hub (off by default)",
    )
    group.add_argument("--batch-size", type=positive_int,
                       help=f"texts per generation batch (seq2seq; default: "
                       f"{DEFAULTS.batch_size})")
    generation = parser.add_argument_group("generation (seq2seq models)")
    types = {"num_beams": positive_int, "no_repeat_ngram_size": non_negative_int,
             "length_penalty": float, "min_new_tokens": non_negative_int}
    for key, default in GENERATION_DEFAULTS.items():
        generation.add_argument("--" + key.replace("_", "-"), type=types[key],
                                help=f"default: {default}")


def add_length_options(parser: argparse.ArgumentParser, *, tokens: bool = True,
                       what: str = "summary length in words") -> None:
    """--max-words, and (``tokens``) --max-tokens instead of it."""
    group = parser.add_argument_group("length").add_mutually_exclusive_group()
    group.add_argument("--max-words", type=positive_int,
                       help=f"{what} (default: {DEFAULT_MAX_WORDS})")
    if tokens:
        group.add_argument("--max-tokens", type=positive_int,
                           help="summary length in model tokens instead of words")


def max_words(args: argparse.Namespace) -> int:
    """The word budget the length options ask for."""
    return args.max_words or DEFAULT_MAX_WORDS


def model_options(args: argparse.Namespace) -> dict[str, Any]:
    """The model and generation options given on the command line, flat, as a pipeline's
    ``[[systems]]`` entry writes them."""
    return {key: getattr(args, key) for key in MODEL_KEYS + GENERATION_KEYS
            if getattr(args, key) is not None}


def summarizer_config(args: argparse.Namespace) -> SummarizerConfig:
    """The :class:`~recsum.config.SummarizerConfig` the model options describe."""
    return SummarizerConfig.from_options(model_options(args))


def build_summarizer(args: argparse.Namespace):
    """The :class:`recsum.Summarizer` that the model options describe."""
    from recsum.api import Summarizer

    return Summarizer(config=summarizer_config(args))


def add_engine_options(parser: argparse.ArgumentParser, default: str) -> None:
    """--engine and the Ray engine's --ray-address, --concurrency, --cpus-per-actor and
    --gpus-per-actor (None when not given, like the model options)."""
    group = parser.add_argument_group("engine")
    group.add_argument("--engine", choices=("local", "ray"),
                       help=f"local: this process; ray: Ray Data actors, on the cluster at "
                       f"--ray-address or RAY_ADDRESS, else on a local Ray (default: {default})")
    group.add_argument("--ray-address", dest="address", metavar="ADDRESS",
                       help="a running Ray cluster: host:port, ray://host:port or auto "
                       "(default: RAY_ADDRESS, else start a local Ray)")
    group.add_argument("--concurrency", type=positive_int,
                       help="Ray actors, each with its own model (default: 1)")
    group.add_argument("--cpus-per-actor", type=non_negative_float, help="default: 1")
    group.add_argument("--gpus-per-actor", type=non_negative_float, help="default: 0")


def engine_options(args: argparse.Namespace) -> dict[str, Any]:
    """The Ray engine's options given on the command line, as a pipeline's ``[ray]`` table
    writes them."""
    return {key: getattr(args, key) for key in RAY_KEYS if getattr(args, key) is not None}


def add_dataset_options(parser: argparse.ArgumentParser, alias: str | None = None) -> None:
    """The dataset spec: a positional path (``alias``: also a flag, the documented older
    spelling), adapter, field mapping, split, limit."""
    from recsum.evaluation.data import ADAPTERS, TASKS

    group = parser.add_argument_group("dataset")
    where = "local file (jsonl/json/csv/parquet/txt) or Hugging Face hub dataset id"
    group.add_argument("dataset", metavar="DATASET", nargs="?" if alias else None, help=where)
    if alias:
        group.add_argument(alias, dest="dataset_alias", metavar="DATASET",
                           help="the same as DATASET (an older spelling)")
    group.add_argument("--adapter", choices=list(ADAPTERS), default=None,
                       help="nested format to read (default: flat fields)")
    group.add_argument("--tasks", choices=list(TASKS), default=TASKS[0],
                       help="with an adapter: the generic summary, the query-focused ones, or both")
    group.add_argument("--text-field", default=None, help="field with the document")
    group.add_argument("--reference-field", nargs="+", default=None, metavar="FIELD",
                       help="field(s) with the reference(s): a string or a list of strings each")
    group.add_argument("--id-field", default=None, help="field with a unique id (default: id, "
                                                        "else the row number)")
    group.add_argument("--split", default=None, help="hub split (default: train)")
    group.add_argument("--config", default=None, help="hub dataset configuration")
    group.add_argument("--limit", type=positive_int, default=None, metavar="N",
                       help="first N rows only")


def dataset_spec(args: argparse.Namespace):
    """The :class:`recsum.evaluation.data.DatasetSpec` the dataset options describe."""
    from recsum.evaluation.data import DatasetSpec

    fields = args.reference_field
    alias = getattr(args, "dataset_alias", None)
    if (args.dataset is None) == (alias is None):
        raise RecsumError("give the dataset once: as DATASET, or as --references DATASET")
    return DatasetSpec(
        path=args.dataset or alias, adapter=args.adapter, text_field=args.text_field,
        reference_field=fields[0] if fields and len(fields) == 1 else fields,
        id_field=args.id_field, split=args.split, config=args.config, limit=args.limit,
        tasks=args.tasks,
    )


def parse_options(pairs: list[str]) -> dict[str, Any]:
    """``--option KEY=VALUE`` pairs; each VALUE read as JSON, else as text."""
    import json

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise RecsumError(f"--option {pair!r} must look like KEY=VALUE")
        try:
            options[key.replace("-", "_")] = json.loads(value)
        except json.JSONDecodeError:
            options[key.replace("-", "_")] = value
    return options
