"""recsum: recursive summarization of documents longer than a Transformer's input window.

Public names are imported on first use, so that ``recsum --help`` and input errors answer
without loading torch.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "Length": "recsum.length",
    "RecsumError": "recsum.errors",
    "RecursiveReducer": "recsum.reduce",
    "Summarizer": "recsum.api",
    "SummaryResult": "recsum.reduce",
    "evaluate_predictions": "recsum.experiments.dataset_api",
    "summarize": "recsum.api",
    "summarize_dataset": "recsum.experiments.dataset_api",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'recsum' has no attribute {name!r}")
