"""Writing weights files: safetensors, atomically, with the permissions of any file saved here.

safetensors creates its files private (mode 600, whatever the umask), so a model trained by one
user could not be read by the group that serves it; and a kill mid-write would leave a
truncated file where the last good one was.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np


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
