"""Weights files: written as safetensors, atomically, with the permissions of any file saved
here; checked before they are read.

safetensors creates its files private (mode 600, whatever the umask), so a model trained by one
user could not be read by the group that serves it; and a kill mid-write would leave a
truncated file where the last good one was. A file that is damaged, cut short, empty or made for
another model is refused in one line (:func:`check_weights`) before any of it is loaded: loaders
would otherwise fail with a long traceback, or fill what is missing with zeros or random values
and summarize differently without a word.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def check_weights(path: str | Path, expected: Mapping[str, tuple[int, ...]] | None = None, *,
                  what: str = "weights", fix: str = "save or download the model again") -> None:
    """Refuse ``path`` in one line (``what`` names it, ``fix`` says what to do) unless it is a
    complete safetensors file that holds tensors, and, given ``expected`` (names and shapes),
    all of those tensors with those shapes. Only the header is read."""
    from safetensors import SafetensorError, safe_open

    path = Path(path)
    if not path.is_file():
        raise RecsumError(f"{what} {path} is missing; {fix}")
    try:
        with safe_open(str(path), framework="numpy") as tensors:
            names = tensors.keys()  # a safe_open file is not iterable
            shapes = {name: tuple(tensors.get_slice(name).get_shape()) for name in names}
    except (SafetensorError, OSError, ValueError) as error:
        detail = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise RecsumError(f"{what} {path} is damaged or cut short ({detail}); {fix}") from None
    if not shapes:
        raise RecsumError(f"{what} {path} holds no tensors; {fix}")
    if expected is None:
        return
    missing = [name for name in expected if name not in shapes]
    if missing:
        raise RecsumError(f"{what} {path} lacks {len(missing)} of the {len(expected)} tensors its "
                          f"config needs (such as {missing[0]!r}); {fix}")
    wrong = next((name for name, shape in expected.items() if shapes[name] != tuple(shape)), None)
    if wrong is not None:
        raise RecsumError(f"{what} {path} holds {wrong!r} with shape {list(shapes[wrong])}, not "
                          f"the {list(expected[wrong])} its config needs; {fix}")
