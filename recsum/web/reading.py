"""Reading an upload in a child process, with a time and a memory limit, that can be cancelled.

Parsers of PDF, HTML and Word files can be driven by a hostile file to run for minutes, to take
gigabytes or to recurse without end. In a child process each of these only ends that child:
the server kills it when it runs past its time, its resident memory passes its limit (watched,
and its heap capped by ``RLIMIT_DATA`` too, so that a sudden allocation fails inside it) or its
job is cancelled, and the job gets one line. The server itself never parses an upload.
"""

from __future__ import annotations

import multiprocessing
import resource
import threading
import time
from dataclasses import dataclass

import psutil

from recsum.errors import EncodingError, RecsumError

# How often the parent looks at the child's memory and clock, in seconds.
_WATCH_SECONDS = 0.05


@dataclass(frozen=True)
class ReadLimits:
    """How long, and with how much resident memory, one upload may be read."""

    seconds: float = 60.0
    memory_bytes: int = 768 * 2**20


class Cancelled(Exception):
    """The job was cancelled while its upload was read."""


def read_upload(data: bytes, source: str, limits: ReadLimits,
                cancelled: threading.Event | None = None) -> str:
    """The text of the uploaded ``data`` (``source`` is its file name), read in a child
    process within ``limits``; a one-line :class:`RecsumError` otherwise, or
    :class:`Cancelled` once ``cancelled`` is set."""
    # spawn, not fork: the server's threads (the model's among them) must not be copied.
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_read, args=(sender, data, source, limits.memory_bytes),
                            name="recsum-reader", daemon=True)
    child.start()
    sender.close()
    try:
        return _wait(child, receiver, source, limits, cancelled)
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()


def _wait(child, receiver, source: str, limits: ReadLimits,
          cancelled: threading.Event | None) -> str:
    deadline = time.monotonic() + limits.seconds
    watched = psutil.Process(child.pid)
    megabytes = limits.memory_bytes // 2**20
    too_big = (f"reading {source} took more than {megabytes} MB of memory; save its text as "
               ".txt and upload that")
    while not receiver.poll(_WATCH_SECONDS):
        if cancelled is not None and cancelled.is_set():
            raise Cancelled
        if time.monotonic() > deadline:
            raise RecsumError(f"reading {source} took longer than {limits.seconds:g} s; save "
                              "its text as .txt and upload that")
        try:
            if watched.memory_info().rss > limits.memory_bytes:
                raise RecsumError(too_big)
        except psutil.NoSuchProcess:
            pass
        if not child.is_alive() and not receiver.poll():
            # Killed from outside, or by the kernel for its memory: no answer will come.
            raise RecsumError(too_big if child.exitcode in (-9, 137) else
                              f"reading {source} failed (the reader exited with "
                              f"{child.exitcode}); save its text as .txt and upload that")
    try:
        kind, value = receiver.recv()
    except EOFError:
        raise RecsumError(too_big) from None
    if kind == "error":
        raise RecsumError(value)
    return value


def _read(sender, data: bytes, source: str, memory_bytes: int) -> None:
    """The child: the text, or the error's one line, back through ``sender``."""
    from recsum.textio import document_text

    # The heap may not outgrow the limit: an allocation past it fails here, as MemoryError.
    resource.setrlimit(resource.RLIMIT_DATA, (memory_bytes, memory_bytes))
    try:
        answer = ("text", document_text(data, source))
    except EncodingError as error:  # the page has no encoding setting to suggest
        answer = ("error", f"{error.problem}; the page reads UTF-8 text (and PDF, HTML, Word): "
                           "save the file as UTF-8, or paste its text")
    except RecsumError as error:
        answer = ("error", str(error))
    except MemoryError:
        answer = ("error", f"reading {source} took more than {memory_bytes // 2**20} MB of "
                           "memory; save its text as .txt and upload that")
    except Exception as error:  # any parser's failure on a hostile file is that file's error
        answer = ("error", f"{source} could not be read ({type(error).__name__}); save its "
                           "text as .txt and upload that")
    sender.send(answer)
