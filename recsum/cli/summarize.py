"""``recsum summarize FILE|DIR|- ...``: summarize documents and print the summaries (or --json).

Several files, or a directory (its documents, by name), are summarized by one model loaded
once, each printed as soon as it is done under a ``==> FILE <==`` line (``--json``: one JSON
object a line, with its ``file``), with a progress bar over the files; a file that cannot be
read or summarized is one line of error, the others go on, and the exit code is then 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from recsum.cli.options import (
    add_length_options,
    add_model_options,
    build_summarizer,
    max_words,
)
from recsum.errors import RecsumError, about


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summarize",
        help="summarize text files, directories of them (or - for stdin)",
        description="Summarize documents of any length; several files or a directory load "
                    "the model once.",
    )
    parser.add_argument("files", nargs="+", metavar="file",
                        help="document: .txt, .md, .pdf, .html or .docx (other names are "
                             "sniffed), a directory of documents, or - to read stdin")
    add_length_options(parser)
    parser.add_argument("--query", default=None,
                        help="summarize with respect to this question or topic, e.g. \"What "
                             "did the group decide about the budget?\"")
    parser.add_argument("--encoding", default="utf-8",
                        help="encoding of text and HTML input (default: utf-8)")
    parser.add_argument(
        "--json",
        action="store_true",
        help="print the summary with its tree: levels, chunk spans, timings, and for each "
             "summary sentence its span in the document (and relevance to the query)",
    )
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar or warnings: errors only")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from recsum.textio import read_text

    if args.query is not None and not args.query.strip():  # fail fast, before loading a model
        raise RecsumError("--query is empty; give a question or topic, or omit --query")
    names = documents(args.files)
    if len(names) == 1 and args.files == names:
        text = read_text(names[0], args.encoding)
        summarizer = build_summarizer(args)  # a mistake in the options is told first
        if not args.quiet:  # a long document reads for a while before the first bar appears
            print(start_line(names[0], text, args), file=sys.stderr, flush=True)
        result = summarizer.summarize(
            text, args.max_words, max_tokens=args.max_tokens, query=args.query,
            progress=not args.quiet)
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) if args.json
              else result.summary)
        return 0
    return _run_many(args, names)


def start_line(name: str, text: str, args: argparse.Namespace) -> str:
    """What is about to happen, before the document is read into sentences: in a log, the
    sign that the run started."""
    from recsum.length import count_words

    budget = f"{args.max_tokens} tokens" if args.max_tokens else f"{max_words(args)} words"
    return (f"recsum: summarizing {'stdin' if name == '-' else name} ({count_words(text):,} "
            f"words) to {budget}")


def documents(names: list[str]) -> list[str]:
    """The files named, each directory standing for its documents (by suffix, sorted)."""
    from recsum.formats import SUFFIXES

    found = []
    for name in names:
        folder = Path(name)
        if name == "-" or not folder.is_dir():
            found.append(name)
            continue
        inside = sorted(str(path) for path in folder.iterdir()
                        if path.is_file() and path.suffix.lower() in SUFFIXES)
        if not inside:
            raise RecsumError(f"{folder} is a directory with no documents "
                              f"({', '.join(sorted(SUFFIXES))})")
        found += inside
    return found


def _run_many(args: argparse.Namespace, names: list[str]) -> int:
    from recsum.progress import progress_bar
    from recsum.textio import read_text

    summarizer = build_summarizer(args)
    failed = printed = 0
    bar = progress_bar(names, desc="summarize", unit="file", enabled=not args.quiet)
    for name in bar:
        try:
            result = summarizer.summarize(read_text(name, args.encoding), args.max_words,
                                          max_tokens=args.max_tokens, query=args.query)
        except RecsumError as error:
            bar.write(f"recsum: error: {about(name, error)}", file=sys.stderr)
            failed += 1
            continue
        if args.json:
            print(json.dumps({"file": name, **result.to_dict()}, ensure_ascii=False), flush=True)
        else:
            gap = "\n" if printed else ""  # a blank line between summaries, as head(1) does
            print(f"{gap}==> {name} <==\n{result.summary}", flush=True)
        printed += 1
    return 2 if failed else 0
