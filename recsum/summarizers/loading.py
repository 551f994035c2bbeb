"""Shared loading concerns: devices, dtypes, and turning hub/offline failures into one line.

torch is imported only by the functions that return its objects, so that the embedded default,
which runs in ONNX Runtime on a CPU, starts without it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from recsum.errors import RecsumError

if TYPE_CHECKING:
    import torch

TORCH_DTYPES = ("float32", "bfloat16", "float16")


def resolve_device(device: str) -> torch.device:
    """``auto`` picks cuda, then mps, then cpu; an unavailable device is a user error."""
    import torch

    if device == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if torch.backends.mps.is_available() else "cpu")
    available = {
        "cpu": True,
        "cuda": torch.cuda.is_available(),
        "mps": torch.backends.mps.is_available(),
    }
    kind = device.split(":")[0]
    if kind not in available:
        raise RecsumError(f"unknown device {device!r}; use cpu, cuda, mps or auto")
    if not available[kind]:
        raise RecsumError(f"device {device!r} is not available on this machine; use --device cpu")
    return torch.device(device)


def resolve_dtype(dtype: str) -> torch.dtype:
    """The torch dtype named ``dtype`` (``auto`` is float32 here: torch's own default)."""
    import torch

    dtype = "float32" if dtype == "auto" else dtype
    if dtype not in TORCH_DTYPES:
        raise RecsumError(f"dtype {dtype!r} does not run in torch; use one of "
                          f"{', '.join(TORCH_DTYPES)}")
    return getattr(torch, dtype)


@contextlib.contextmanager
def user_error_on_load(name_or_path: str) -> Iterator[None]:
    """Re-raise a failed ``from_pretrained`` as a one-line RecsumError that says what to do."""
    try:
        yield
    except (OSError, ValueError) as error:
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        # Messages in Python spelling (model=None); the command line says "no --model".
        if Path(name_or_path).is_dir() and not (Path(name_or_path) / "config.json").exists():
            raise RecsumError(
                f"{name_or_path} is a folder without a model (no config.json); give a folder "
                "written by save_pretrained, or model=None for the embedded default "
                "(all-MiniLM-L6-v2, extractive)") from None
        if "safetensors" in detail.lower() or "use_safetensors" in detail:
            raise RecsumError(
                f"model {name_or_path!r} has no safetensors weights; recsum does not load pickled "
                "weights (convert the checkpoint with save_pretrained(safe_serialization=True))"
            ) from None
        raise RecsumError(
            f"cannot load model {name_or_path!r}: not a local model folder, and the Hugging Face "
            "hub is unreachable or has no such model (offline?); pass a local path, or "
            f"model=None for the embedded default (all-MiniLM-L6-v2, extractive) [{detail}]"
        ) from None
