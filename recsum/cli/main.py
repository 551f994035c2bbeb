"""Entry point of the ``recsum`` command: parse, dispatch, turn user errors into one line.

Each subcommand lives in ``recsum.cli.<name>`` and exposes ``register(subparsers)``, which adds
its parser and sets ``handler``. Heavy imports (torch, transformers) happen inside handlers, so
that argument errors and missing files are reported at once.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import re
import signal
import sys

from recsum import quirks
from recsum.errors import RecsumError

COMMANDS = ("summarize", "batch", "evaluate", "run", "train", "bench", "serve")
# The library names its parameters; on the command line they are flags. A name inside a path
# (a folder called "scorer") is left as it is.
_PARAMETER = re.compile(r"(?<![\w/.-])(chunk_tokens|max_depth|max_words|max_tokens|overlap|scorer|"
                        r"num_beams|min_new_tokens|no_repeat_ngram_size|length_penalty|"
                        r"batch_size)(?![\w/-]|\.\w)")


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake told in one line (and where the usage is) instead of the
    whole usage block; subcommands' parsers are of this class too."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def as_flags(message: str) -> str:
    """A library error in the command line's vocabulary: ``max_depth`` becomes --max-depth."""
    return _PARAMETER.sub(lambda m: "--" + m.group(1).replace("_", "-"), message)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with ``command`` (one of :data:`COMMANDS`), only that
    command's subparser, since building all of them is a noticeable share of a short run's
    start; otherwise every command's, for the overview and its errors."""
    parser = _Parser(
        prog="recsum",
        description="Summarize documents longer than a Transformer's input window.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in [command] if command in COMMANDS else COMMANDS:
        importlib.import_module(f"recsum.cli.{name}").register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv[0] if argv else None).parse_args(argv)
    quiet = getattr(args, "quiet", False)
    if quiet or not sys.stderr.isatty():
        quirks.quiet_model_loading()
    # recsum's warnings (a truncated document, a clamped overlap) are one line each on stderr;
    # --quiet keeps only errors.
    logger = logging.getLogger("recsum")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("recsum: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    try:
        return args.handler(args) or 0
    except RecsumError as error:
        print(f"recsum: error: {as_flags(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("recsum: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader left (`recsum summarize f | head -1`): not an error. Later writes and the
        # flush at exit go to /dev/null, and the exit status is the shell's for SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
