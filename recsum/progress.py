"""Progress bars that also reach a log: tqdm's bar on a terminal, a line now and then elsewhere.

tqdm redraws its bar with carriage returns, which a file or a pipe keeps as one endless line;
so where stderr is not a terminal each redraw becomes a line of its own, one every
``RECSUM_PROGRESS_SECONDS`` (default 30) at most; a bar done sooner writes nothing.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from tqdm import tqdm

LOG_SECONDS_VARIABLE = "RECSUM_PROGRESS_SECONDS"


class _Lines:
    """The stream tqdm writes to when stderr is not a terminal: one line per redraw."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").strip()
        if line:  # a bar that clears itself at the end writes only blanks
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


def progress_bar(iterable: Iterable | None = None, *, enabled: bool = True,
                 **options: Any) -> tqdm:
    """A tqdm bar on stderr (``options`` are tqdm's); ``enabled=False`` shows nothing."""
    stream = sys.stderr
    if not enabled or stream is None:
        return tqdm(iterable, disable=True, **options)
    if stream.isatty():
        return tqdm(iterable, file=stream, **options)
    seconds = float(os.environ.get(LOG_SECONDS_VARIABLE, 30))
    return tqdm(iterable, file=_Lines(stream), mininterval=seconds, delay=seconds, ascii=True,
                ncols=80, **options)
