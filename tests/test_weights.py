import os

import torch
from safetensors.torch import load_file

from recsum.weights import save_weights


def test_weights_are_written_whole_and_readable_per_the_umask(tmp_path):
    path = tmp_path / "model.safetensors"
    previous = os.umask(0o022)
    try:
        save_weights({"w": torch.ones(2, 3).t()}, path, {"model_type": "x"})  # not contiguous
    finally:
        os.umask(previous)
    assert path.stat().st_mode & 0o777 == 0o644  # safetensors alone writes 0o600
    assert torch.equal(load_file(str(path))["w"], torch.ones(3, 2))
    assert [p.name for p in tmp_path.iterdir()] == ["model.safetensors"]


def test_numpy_weights_are_written_without_torch_and_read_back(tmp_path):
    import numpy as np
    from safetensors.numpy import load_file as load_numpy

    path = tmp_path / "model.safetensors"
    save_weights({"w": np.arange(6, dtype=np.float32).reshape(2, 3).T}, path)
    assert np.array_equal(load_numpy(str(path))["w"], np.arange(6).reshape(2, 3).T)
