"""Writing weights files: safetensors, atomically, with the permissions of any file saved here.

safetensors creates its files private (mode 600, whatever the umask), so a model trained by one
user could not be read by the group that serves it; and a kill mid-write would leave a
truncated file where the last good one was.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import torch


def save_weights(tensors: Mapping[str, torch.Tensor], path: str | Path,
                 metadata: Mapping[str, str] | None = None) -> None:
    """Write ``tensors`` to ``path`` (replacing it only once complete), readable per the umask."""
    from safetensors.torch import save_file

    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    save_file({name: tensor.detach().contiguous().cpu() for name, tensor in tensors.items()},
              str(partial), metadata=dict(metadata or {}))
    umask = os.umask(0)
    os.umask(umask)
    partial.chmod(0o666 & ~umask)
    partial.replace(path)
