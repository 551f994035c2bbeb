"""Live progress of a summary: the reducer's tqdm bars (one per level), read by the web page.

``Summarizer.summarize(..., progress=True)`` draws a tqdm bar per level on stderr. In the thread
that runs a summary inside :func:`track_bars`, every new tqdm bar is collected into a list
instead of being drawn, so that the server can report "level 2: 3 of 6 chunks" while it runs;
bars of other threads are untouched. This is Gradio's ``track_tqdm`` idea, limited to one
thread; a progress callback in the core would replace it. The same hook lets the server stop a
summary between two steps: each update of a tracked bar first calls the thread's ``check``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import tqdm

_local = threading.local()
_install_lock = threading.Lock()


class _Nowhere:
    """A file for tracked bars: the page shows them, the server's terminal does not."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        pass


def _install() -> None:
    """Wrap ``tqdm.tqdm.__init__`` and ``update`` once per process (subclasses such as
    tqdm.auto call them)."""
    with _install_lock:
        original = tqdm.tqdm.__init__
        if getattr(original, "_recsum_tracking", False):
            return
        original_update = tqdm.tqdm.update

        def __init__(bar, *args, **kwargs):
            bars = getattr(_local, "bars", None)
            if bars is not None:
                kwargs["file"] = _Nowhere()
            original(bar, *args, **kwargs)
            if bars is not None:
                bars.append(bar)

        def update(bar, n=1):
            check = getattr(_local, "check", None)
            if check is not None:
                check()
            return original_update(bar, n)

        __init__._recsum_tracking = True
        tqdm.tqdm.__init__ = __init__
        tqdm.tqdm.update = update


@contextmanager
def track_bars(bars: list, check: Callable[[], None] | None = None) -> Iterator[list]:
    """Collect into ``bars`` every tqdm bar this thread creates until the block ends; call
    ``check`` (which may raise to stop the work) before each of their updates."""
    _install()
    _local.bars, _local.check = bars, check
    try:
        yield bars
    finally:
        del _local.bars, _local.check


def bar_states(bars: list) -> list[dict]:
    """What each collected bar says now: its label, how far it got, and out of how many."""
    return [{"label": bar.desc.rstrip(": "), "done": bar.n, "total": bar.total} for bar in bars]
