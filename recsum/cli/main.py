"""Entry point of the ``recsum`` command: parse, dispatch, turn user errors into one line.

Each subcommand lives in ``recsum.cli.<name>`` and exposes ``register(subparsers)``, which adds
its parser and sets ``handler``. Heavy imports (torch, transformers) happen inside handlers, so
that argument errors and missing files are reported at once.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from recsum import quirks
from recsum.errors import RecsumError

COMMANDS = ("summarize", "batch", "evaluate", "run", "train", "bench", "serve")
# The library names its parameters; on the command line they are flags.
_PARAMETER = re.compile(r"\b(chunk_tokens|max_depth|max_words|max_tokens|overlap|scorer|shrink)\b")


def as_flags(message: str) -> str:
    """A library error in the command line's vocabulary: ``max_depth`` becomes --max-depth."""
    return _PARAMETER.sub(lambda m: "--" + m.group(1).replace("_", "-"), message)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recsum",
        description="Summarize documents longer than a Transformer's input window.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"recsum.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if getattr(args, "quiet", False) or not sys.stderr.isatty():
        quirks.quiet_model_loading()
    try:
        return args.handler(args) or 0
    except RecsumError as error:
        print(f"recsum: error: {as_flags(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("recsum: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
