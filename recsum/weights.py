"""Weights files: written as safetensors, atomically, with the permissions of any file saved
here; checked before they are read.

safetensors creates its files private (mode 600, whatever the umask), so a model trained by one
user could not be read by the group that serves it; and a kill mid-write would leave a
truncated file where the last good one was. A model folder's config and weights are written as a
pair (:func:`save_model`): each save gives both the same id, and a pair whose ids differ (a save
killed between its last two renames) is refused like a damaged file. A file that is damaged, cut
short, empty or made for another model is refused in one line (:func:`check_weights`) before any
of it is loaded: loaders would otherwise fail with a long traceback, or fill what is missing with
zeros or random values and summarize differently without a word.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from recsum.errors import RecsumError


def save_weights(tensors: Mapping[str, Any], path: str | Path,
                 metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` (numpy arrays, or torch tensors) to ``path`` (replacing it only once
    complete), readable per the umask. Numpy arrays are written without importing torch."""
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    metadata = dict(metadata or {})
    if all(isinstance(array, np.ndarray) for array in tensors.values()):
        from safetensors.numpy import save_file

        save_file({name: np.ascontiguousarray(array) for name, array in tensors.items()},
                  str(partial), metadata=metadata)
    else:
        from safetensors.torch import save_file

        save_file({name: tensor.detach().contiguous().cpu() for name, tensor in tensors.items()},
                  str(partial), metadata=metadata)
    umask = os.umask(0)
    os.umask(umask)
    partial.chmod(0o666 & ~umask)
    partial.replace(path)


# The key, in a saved config and in its weights' metadata, of the id that pairs them.
SAVE_ID = "save_id"
# Files are written here first, inside the model folder, then renamed into place.
_STAGING = ".saving"


def save_model(folder: str | Path, config: Mapping[str, Any], tensors: Mapping[str, Any], *,
               metadata: Mapping[str, str] | None = None,
               write_more: Callable[[Path], None] | None = None) -> None:
    """Write ``config.json`` and ``model.safetensors`` (and what ``write_more`` writes into the
    folder it is given, such as a tokenizer) into ``folder`` as a pair.

    Everything is written beside the old files first (a kill meanwhile leaves the old model
    whole), then renamed into place: the extra files, the weights, the config last. Config and
    weights carry the same new id, so the one moment when they do not belong together (between
    the last two renames) is caught by :func:`check_weights` when the folder is loaded.
    """
    folder = Path(folder)
    staging = folder / _STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_id = secrets.token_hex(8)
    if write_more is not None:
        write_more(staging)
    save_weights(tensors, staging / "model.safetensors", {**(metadata or {}), SAVE_ID: save_id})
    text = json.dumps({**config, SAVE_ID: save_id}, indent=2, ensure_ascii=False) + "\n"
    (staging / "config.json").write_text(text, encoding="utf-8")
    last = ("model.safetensors", "config.json")
    for item in sorted(staging.iterdir(), key=lambda file: last.index(file.name)
                       if file.name in last else -1):
        os.replace(item, folder / item.name)
    staging.rmdir()


def check_weights(path: str | Path, expected: Mapping[str, tuple[int, ...]] | None = None, *,
                  what: str = "weights", fix: str = "save or download the model again",
                  config: Mapping[str, Any] | None = None) -> None:
    """Refuse ``path`` in one line (``what`` names it, ``fix`` says what to do) unless it is a
    complete safetensors file that holds tensors, and, given ``expected`` (names and shapes),
    all of those tensors with those shapes; given the ``config`` saved with it, the weights
    must have been saved with that config (:func:`save_model`). Only the header is read."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise RecsumError(f"{what} {path} is missing; {fix}")
    try:
        with safe_open(str(path), framework="numpy") as tensors:
            names = tensors.keys()  # a safe_open file is not iterable
            shapes = {name: tuple(tensors.get_slice(name).get_shape()) for name in names}
            saved_with = (tensors.metadata() or {}).get(SAVE_ID)
    except (SafetensorError, OSError, ValueError) as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RecsumError(f"{what} {path} is damaged or cut short ({detail}); {fix}") from None
    if not shapes:
        raise RecsumError(f"{what} {path} holds no tensors; {fix}")
    missing = [name for name in expected or {} if name not in shapes]
    if missing:
        raise RecsumError(f"{what} {path} lacks {len(missing)} of the {len(expected)} tensors its "
                          f"config needs (such as {missing[0]!r}); {fix}")
    wrong = next((name for name, shape in (expected or {}).items()
                  if shapes[name] != tuple(shape)), None)
    if wrong is not None:
        raise RecsumError(f"{what} {path} holds {wrong!r} with shape {list(shapes[wrong])}, not "
                          f"the {list(expected[wrong])} its config needs; {fix}")
    if config is not None and config.get(SAVE_ID) != saved_with:
        raise RecsumError(f"{what} {path} were not saved with the config.json beside them (a "
                          f"save was interrupted); {fix}")
