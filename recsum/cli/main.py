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

from recsum import __version__, quirks
from recsum.errors import RecsumError

COMMANDS = ("summarize", "batch", "evaluate", "run", "train", "bench", "serve")
# The library names its parameters (max_words, tasks='query', ignore_query=True); on the
# command line they are flags (--max-words, --tasks query, --ignore-query). Common words (tasks,
# model) only where a value is given; model=None is "no --model".
_NAMES = ("chunk_tokens|max_depth|max_words|max_tokens|overlap|scorer|num_beams|min_new_tokens|"
          "no_repeat_ngram_size|length_penalty|batch_size|ignore_query")
# A name inside a path (a folder called "scorer") is left as it is.
_PARAMETER = re.compile(rf"(?<![\w/.-])(?:({_NAMES}|tasks|model)(?:=(True|None)\b|='([^']*)')|"
                        rf"({_NAMES})(?![\w/-]|\.\w))")
# Where recsum's warnings go: stderr.
_WARNINGS = logging.StreamHandler()


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage mistake told in one line (and where the usage is) instead of the
    whole usage block; subcommands' parsers are of this class too. Abbreviations are off: with
    them ``--length 100`` was taken for --length-penalty."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, allow_abbrev=False, **kwargs)
        self.commands: dict[str, argparse.ArgumentParser] = {}  # the subcommands' parsers

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def as_flags(message: str) -> str:
    """A library error in the command line's vocabulary: ``max_depth`` becomes --max-depth."""
    def flag(match: re.Match) -> str:
        name, constant, value, bare = match.groups()
        option = "--" + (name or bare).replace("_", "-")
        if constant == "None":
            return f"no {option}"
        return option + (f" {value}" if value is not None else "")

    return _PARAMETER.sub(flag, message)


def build_parser(command: str | None = None) -> _Parser:
    """The command line's parser: with ``command`` (one of :data:`COMMANDS`), only that
    command's subparser, since building all of them is a noticeable share of a short run's
    start; otherwise every command's, for the overview and its errors."""
    parser = _Parser(
        prog="recsum",
        description="Summarize documents longer than a Transformer's input window.",
    )
    parser.add_argument("--version", action="version", version=f"recsum {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in [command] if command in COMMANDS else COMMANDS:
        importlib.import_module(f"recsum.cli.{name}").register(subparsers)
    parser.commands = subparsers.choices
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv[0] if argv else None)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # told by the (sub)command's parser, so that the message points at its --help
        for name in (args.command, getattr(args, "kind", None)):  # recsum train KIND
            parser = parser.commands.get(name, parser)
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    quiet = getattr(args, "quiet", False)
    if quiet or not sys.stderr.isatty():
        quirks.quiet_model_loading()
    # recsum's warnings (a truncated document, a clamped overlap) are one line each on stderr;
    # --quiet keeps only errors.
    logger = logging.getLogger("recsum")
    if not logger.handlers:
        _WARNINGS.setFormatter(logging.Formatter("recsum: %(levelname)s: %(message)s"))
        logger.addHandler(_WARNINGS)
        logger.propagate = False
    _WARNINGS.stream = sys.stderr  # this call's stderr, not the first call's (tests, servers)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)
    try:
        return args.handler(args) or 0
    except RecsumError as error:
        # A pipeline's mistakes are in its TOML keys (max_words), the other commands' in flags.
        message = str(error) if args.command == "run" else as_flags(str(error))
        print(f"recsum: error: {message}", file=sys.stderr)
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
