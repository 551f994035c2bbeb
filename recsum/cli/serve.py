"""``recsum serve``: the local web page; loads the model once, then serves until Ctrl-C."""

from __future__ import annotations

import argparse
import ipaddress
import socket
import sys

from recsum.cli.options import (
    add_length_options,
    add_model_options,
    build_summarizer,
    max_words,
    positive_int,
)
from recsum.errors import RecsumError

LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1"]


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _megabytes(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of megabytes, got {value!r}") from None
    if not number > 0:
        raise argparse.ArgumentTypeError(f"must be greater than zero, got {value}")
    return number


def _port(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {value!r}") from None
    if not 0 <= number <= 65535:
        raise argparse.ArgumentTypeError(f"must be between 0 and 65535, got {number}")
    return number


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="a local web page: paste or upload a document, see where each sentence came from",
        description="Serve a web page where a person pastes text or uploads a PDF, HTML, DOCX, "
        "Markdown or text file, watches each level's progress, clicks a summary sentence to see "
        "its source in the document, and downloads the summary and its provenance. The model "
        "loads once; requests queue for it.",
    )
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=_port, default=8000,
                        help="port (default: 8000; 0 picks a free one)")
    parser.add_argument("--max-upload-mb", type=_megabytes, default=20.0,
                        help="largest upload accepted, in MB (default: 20)")
    add_length_options(parser, tokens=False, what="the summary length the page proposes")
    parser.add_argument("--job-seconds", type=positive_int, default=300,
                        help="longest time one summary may take before it is stopped "
                        "(default: 300)")
    parser.add_argument("--queue", type=positive_int, default=8,
                        help="summaries that may wait for the model before the server answers "
                        "busy (default: 8)")
    add_model_options(parser)
    parser.set_defaults(handler=run)


def _listen(host: str, port: int) -> socket.socket:
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        return socket.create_server((host, port), family=family)
    except socket.gaierror as error:
        raise RecsumError(f"cannot listen on {host!r}: {error.strerror}; pass --host with an "
                          "address of this machine (default 127.0.0.1)") from None
    except OSError as error:
        raise RecsumError(f"cannot listen on {host}:{port} ({error.strerror}); pass another "
                          "--port (0 picks a free one)") from None


def run(args: argparse.Namespace) -> int:
    try:
        import uvicorn

        from recsum.web.app import ServeSettings, create_app
        from recsum.web.jobs import JobLimits
    except ImportError as error:
        raise RecsumError(f"recsum serve needs the web extra ({error.name} is missing): "
                          "pip install 'recsum[web]'") from None
    server_socket = _listen(args.host, args.port)  # fail fast, before loading a model
    with server_socket:
        summarizer = build_summarizer(args)
        settings = ServeSettings(max_upload_bytes=int(args.max_upload_mb * 2**20),
                                 max_words=max_words(args), max_pending=args.queue,
                                 limits=JobLimits(seconds=args.job_seconds))
        loopback = _is_loopback(args.host)
        # Only names of this machine may reach a loopback server, IPv4 or IPv6: a page of
        # another site that resolves its own name to 127.0.0.1 (DNS rebinding) gets 400.
        guard = [*LOOPBACK_NAMES, args.host] if loopback else None
        app = create_app(summarizer.reducer, settings, allowed_hosts=guard)
        host, port = server_socket.getsockname()[:2]
        if not loopback:
            print(f"recsum serve: listening on {host}, reachable from other machines; the page "
                  "has no login", file=sys.stderr)
        shown = f"[{host}]" if ":" in host else host
        print(f"recsum serve: http://{shown}:{port}/ (Ctrl-C stops)", flush=True)
        uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[server_socket])
    return 0
