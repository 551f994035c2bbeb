"""``recsum summarize FILE|-``: summarize one document and print the summary (or --json)."""

from __future__ import annotations

import argparse
import json
import sys

from recsum.cli.options import add_length_options, add_model_options, build_summarizer
from recsum.errors import RecsumError


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "summarize",
        help="summarize one text file (or - for stdin)",
        description="Summarize one document of any length.",
    )
    parser.add_argument("file", help="document: .txt, .md, .pdf, .html or .docx (other names are "
                        "sniffed), or - to read stdin")
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
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from recsum.textio import read_text

    if args.query is not None and not args.query.strip():  # fail fast, before loading a model
        raise RecsumError("--query is empty; give a question or topic, or omit --query")
    text = read_text(args.file, args.encoding)
    summarizer = build_summarizer(args)
    result = summarizer.summarize(
        text,
        args.max_words,
        max_tokens=args.max_tokens,
        query=args.query,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(result.summary)
    return 0
