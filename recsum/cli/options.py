"""Argument types and option groups shared by several subcommands."""

from __future__ import annotations

import argparse


def positive_int(value: str) -> int:
    """argparse type: an integer above zero (argparse reports the one-line error)."""
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number <= 0:
        raise argparse.ArgumentTypeError(f"must be greater than zero, got {number}")
    return number


def non_negative_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"must be zero or more, got {number}")
    return number


def add_model_options(parser: argparse.ArgumentParser) -> None:
    """--model, --device, --dtype, --chunk-tokens, --overlap, --max-depth, generation settings."""
    group = parser.add_argument_group("model")
    group.add_argument(
        "--model",
        default=None,
        help="seq2seq model id or local path (BART, T5, PEGASUS, LED); "
        "default: the embedded all-MiniLM-L6-v2 extractive summarizer",
    )
    group.add_argument(
        "--scorer",
        default=None,
        metavar="DIR",
        help="part scorer made by `recsum train part` (default: the shipped one)",
    )
    group.add_argument("--device", default="cpu", help="cpu, cuda, mps or auto (default: cpu)")
    group.add_argument("--dtype", default="float32", choices=["float32", "bfloat16", "float16"])
    group.add_argument(
        "--chunk-tokens",
        type=positive_int,
        default=None,
        help="tokens per chunk, special tokens included (default: the model's window)",
    )
    group.add_argument(
        "--overlap",
        type=non_negative_int,
        default=0,
        help="sentences repeated from the previous chunk as context (default: 0)",
    )
    group.add_argument(
        "--max-depth",
        type=positive_int,
        default=None,
        help="most reduction levels before giving up (default: what halving the document "
        "down to one chunk takes, plus two)",
    )
    group.add_argument(
        "--trust-remote-code",
        action="store_true",
        help="allow model code from the hub (off by default)",
    )
    group.add_argument("--num-beams", type=positive_int, default=4)
    group.add_argument("--no-repeat-ngram-size", type=non_negative_int, default=3)
    group.add_argument("--length-penalty", type=float, default=1.0)
    group.add_argument("--min-new-tokens", type=non_negative_int, default=0)
    group.add_argument(
        "--batch-size", type=positive_int, default=8, help="texts per generation batch (seq2seq)"
    )


def build_summarizer(args: argparse.Namespace):
    """The :class:`recsum.Summarizer` that the model options describe."""
    from recsum.api import Summarizer
    from recsum.summarizers import GenerationSettings

    generation = GenerationSettings(
        num_beams=args.num_beams,
        min_new_tokens=args.min_new_tokens,
        no_repeat_ngram_size=args.no_repeat_ngram_size,
        length_penalty=args.length_penalty,
    )
    return Summarizer.from_pretrained(
        args.model,
        device=args.device,
        dtype=args.dtype,
        trust_remote_code=args.trust_remote_code,
        generation=generation,
        batch_size=args.batch_size,
        scorer=args.scorer,
        chunk_tokens=args.chunk_tokens,
        overlap=args.overlap,
        max_depth=args.max_depth,
    )
