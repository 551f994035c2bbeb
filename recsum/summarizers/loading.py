"""Shared loading concerns: devices, dtypes, and turning hub/offline failures into one line.

torch is imported only by the functions that return its objects, so that the embedded default,
which runs in ONNX Runtime on a CPU, starts without it.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from recsum.errors import RecsumError
from recsum.weights import check_weights

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


# What to do about a local model folder whose weights are unusable.
_RESAVE = "save the model again with save_pretrained, or download it again"
_WEIGHTS, _INDEX = "model.safetensors", "model.safetensors.index.json"


def check_model_folder(name_or_path: str) -> None:
    """A local model folder's safetensors weights (one file, or the shards its index names),
    each complete and holding tensors, or a one-line error (:func:`check_weights`); a hub id,
    or a folder without safetensors weights, is left to ``from_pretrained``."""
    folder = Path(name_or_path)
    if (folder / _INDEX).is_file():
        try:
            shards = sorted(set(json.loads((folder / _INDEX).read_text("utf-8"))["weight_map"]
                                .values()))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise RecsumError(f"{folder / _INDEX} is damaged ({type(error).__name__}: {error}); "
                              f"{_RESAVE}") from None
    elif (folder / _WEIGHTS).is_file():
        shards = [_WEIGHTS]
    else:
        return
    for shard in shards:
        check_weights(folder / shard, what="model weights", fix=_RESAVE)


def check_loading_info(name_or_path: str, info: dict) -> None:
    """Refuse a model that ``from_pretrained(..., output_loading_info=True)`` loaded with
    tensors missing from its weights: transformers would fill them with random values."""
    missing = info.get("missing_keys") or []
    if missing:
        raise RecsumError(f"model {name_or_path!r} lacks {len(missing)} of the tensors its config "
                          f"needs (such as {sorted(missing)[0]!r}); {_RESAVE}")


@contextlib.contextmanager
def user_error_on_load(name_or_path: str) -> Iterator[None]:
    """Re-raise a failed ``from_pretrained`` as a one-line RecsumError that says what to do."""
    try:
        yield
    except RuntimeError as error:  # torch refuses a tensor of another shape than the config's
        detail = (str(error).strip().splitlines() or [type(error).__name__])[-1].strip()
        raise RecsumError(f"cannot load model {name_or_path!r} ({detail[:200]}); {_RESAVE}"
                          ) from None
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
