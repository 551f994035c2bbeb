"""Workarounds for the platform and other libraries, each in one place with its reason.

Nothing here runs when ``recsum`` is imported: each workaround is a function that the code
needing it calls, and none changes another library for anyone else.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
from collections.abc import Iterator
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def punkt_module():
    """nltk's punkt module, loaded without the heavy optional extras of nltk's package.

    ``import nltk`` pulls in scikit-learn, SciPy and pandas for classifiers and statistics that
    recsum never uses: most of its import time, on every ``recsum`` start. Those packages are
    hidden while nltk loads (nltk treats them as absent) unless they are loaded already.
    """
    hidden = [name for name in ("sklearn", "scipy", "pandas") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))
    try:
        from nltk.tokenize import punkt
    finally:
        for name in hidden:
            sys.modules.pop(name, None)
    return punkt


@lru_cache(maxsize=1)
def _malloc_trim():
    # glibc's malloc_trim; None where the C library has none (macOS, musl, Windows).
    return getattr(ctypes.CDLL(None), "malloc_trim", None) if os.name == "posix" else None


def return_freed_memory() -> None:
    """Give the heap's free pages back to the system (glibc only; elsewhere nothing happens).

    An encoder batch (or a batch of the LSTM baseline's word-level BiLSTM) allocates and frees
    megabytes of activations around the small arrays that stay; glibc keeps the freed pages
    resident, so memory grew with every batch.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def import_bert_extractive() -> tuple[Any, Any]:
    """bert-extractive-summarizer's ``Summarizer`` and ``SentenceHandler``.

    Version 0.10.1 imports TransfoXL classes that transformers 5 removed; it only lists them for
    loading models by name, so they are present as empty placeholders while it imports.
    """
    import transformers

    added = [name for name in ("TransfoXLModel", "TransfoXLTokenizer")
             if not hasattr(transformers, name)]
    for name in added:
        setattr(transformers, name, type(name, (), {}))
    try:
        from summarizer import Summarizer
        from summarizer.text_processors.sentence_handler import SentenceHandler
    finally:
        for name in added:
            delattr(transformers, name)
    return Summarizer, SentenceHandler


def figure(**options: Any):
    """A matplotlib figure drawn without pyplot: no GUI backend is chosen or needed (headless
    servers and CI), and no global pyplot state is left behind. ``savefig`` writes PNG."""
    from matplotlib.figure import Figure

    return Figure(**options)


@contextlib.contextmanager
def datasets_quietly() -> Iterator[None]:
    """``datasets`` without its progress bars (recsum shows its own), restored afterwards."""
    from datasets.utils import logging as datasets_logging

    enabled = datasets_logging.is_progress_bar_enabled()
    datasets_logging.disable_progress_bar()
    try:
        yield
    finally:
        if enabled:
            datasets_logging.enable_progress_bar()


@contextlib.contextmanager
def ray_quietly() -> Iterator[None]:
    """Ray Data without its progress bars and execution plans (recsum shows its own progress
    and the run's errors); restored afterwards."""
    import ray.data

    context = ray.data.DataContext.get_current()
    logger = logging.getLogger("ray.data")
    saved = context.enable_progress_bars, logger.level
    context.enable_progress_bars = False
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        context.enable_progress_bars = saved[0]
        logger.setLevel(saved[1])


def quiet_model_loading() -> None:
    """No weight-loading progress bars from huggingface_hub and transformers: they read this
    variable when they are imported, so it is set before a command loads any model."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")


@contextlib.contextmanager
def warnings_silenced(name: str | None = None) -> Iterator[None]:
    """Warnings to the logger ``name`` (the root logger by default) dropped, then its level
    restored: onnxruntime's quantizer advises a pre-processing step to the root logger
    (recsum's graph needs none) through ``logging.warning``, which would print it on every
    first use; transformers reports missing weights as a table on stderr, which recsum says in
    one line instead."""
    import logging

    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
