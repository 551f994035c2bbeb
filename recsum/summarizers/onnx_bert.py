"""The embedded encoder in ONNX Runtime: exported from a BERT checkpoint once, then only loaded.

On first use the checkpoint is exported with ``torch.onnx`` (transformers' ``BertModel``, eager
attention, which ONNX Runtime's BERT optimizer recognizes), fused by that optimizer (embedding
and layer norm, attention, bias and GELU, residual and layer norm) and, for ``int8``, quantized
with ONNX Runtime's dynamic quantizer (weights per output channel, activations at run time).
The files are written atomically into the cache folder
(:func:`recsum.summarizers.runtime.cache_dir`) under a key of the checkpoint and the versions
that made them, so every later start loads one file with ``onnxruntime`` alone: no torch.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from recsum.errors import RecsumError
from recsum.quirks import return_freed_memory, warnings_silenced
from recsum.summarizers.checkpoint import WEIGHTS, BertConfig
from recsum.summarizers.runtime import cache_dir, cpu_threads

if TYPE_CHECKING:
    import onnxruntime

logger = logging.getLogger("recsum")
# Bump when the export, the fusion or the quantization changes: the cache key includes it.
EXPORT_VERSION = 1
ONNX_DTYPES = ("float32", "int8")
INPUTS = ("input_ids", "attention_mask")


class OnnxBertEncoder:
    """``encoder(input_ids, attention_mask)`` → last hidden states, as numpy arrays, through an
    ONNX Runtime session; ``config`` is the checkpoint's :class:`BertConfig`."""

    def __init__(self, model_path: str | Path, config: BertConfig,
                 threads: int | None = None) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or cpu_threads()
        options.inter_op_num_threads = 1
        # Threads that wait by spinning take the cores from whatever else runs: measured on
        # 2 shared cores, 1.50 s a story spinning against 1.12 s without (BENCHMARKS.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(model_path), options,
                                                    providers=["CPUExecutionProvider"])
        self.config = config
        # A run with these options gives the arena's free regions back to the system as it ends.
        self._shrink = onnxruntime.RunOptions()
        self._shrink.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    @classmethod
    def from_pretrained(cls, path: str | Path, dtype: str = "float32",
                        threads: int | None = None, layers: int | None = None
                        ) -> OnnxBertEncoder:
        """The checkpoint folder ``path``, its first ``layers`` layers (None: all), as an ONNX
        model in ``dtype`` (float32 or int8), built into the cache on first use."""
        if dtype not in ONNX_DTYPES:
            raise RecsumError(f"dtype {dtype!r} does not run in ONNX Runtime; use "
                              f"{' or '.join(ONNX_DTYPES)}")
        config = BertConfig.from_folder(path, layers)
        layers = config.num_hidden_layers
        model_path = cached_model(path, dtype, layers)
        try:
            return cls(model_path, config, threads)
        except Exception as error:  # a damaged cache file: build it again, once
            logger.warning("rebuilding %s, which ONNX Runtime could not load (%s)", model_path,
                           str(error).splitlines()[0][:200])
            model_path.unlink(missing_ok=True)
            return cls(cached_model(path, dtype, layers), config, threads)

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self._run(input_ids, attention_mask)

    def release_memory(self) -> None:
        """Give back the memory that ONNX Runtime's arena keeps from earlier runs.

        The arena keeps what the longest chunk so far needed, and more as longer chunks come
        (from 25 to 45 MB over the 1,430 chunks of a 512k-word document); it shrinks only as a
        run ends, so this makes a run of one token (about a millisecond) to shrink it, and then
        has the C library hand the pages back, which it would otherwise keep.
        """
        one = np.ones((1, 1), dtype=np.int64)
        self._run(one, one, self._shrink)
        return_freed_memory()

    def _run(self, input_ids: np.ndarray, attention_mask: np.ndarray,
             options: onnxruntime.RunOptions | None = None) -> np.ndarray:
        return self.session.run(None, {"input_ids": input_ids.astype(np.int64, copy=False),
                                       "attention_mask": attention_mask.astype(np.int64,
                                                                               copy=False)},
                                options)[0]


def cached_model(checkpoint: str | Path, dtype: str, layers: int) -> Path:
    """The ONNX file of ``checkpoint``'s first ``layers`` layers in ``dtype``, built if the
    cache lacks it."""
    folder = Path(checkpoint).resolve()
    target = (cache_dir() / "encoders" / f"{folder.name}-{_key(folder)}"
              / f"encoder-{layers}-layers-{dtype}.onnx")
    if target.is_file():
        return target
    logger.info("building the ONNX encoder %s (once)", target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if dtype == "float32":
            _atomic(target, lambda temporary: export(folder, temporary, layers))
        else:
            source = cached_model(folder, "float32", layers)
            _atomic(target, lambda temporary: quantize(source, temporary))
    except OSError as error:
        raise RecsumError(f"cannot write the encoder cache in {target.parent} ({error}); set "
                          "RECSUM_CACHE to a writable folder") from None
    return target


def _key(folder: Path) -> str:
    """Changes with the checkpoint's weights (their content, not their path: every clone and
    virtual environment of one model shares one build) and the versions of the exporter, the
    optimizer and the quantizer."""
    from importlib.metadata import version

    versions = "|".join(version(name) for name in ("torch", "transformers", "onnxruntime"))
    text = f"{_digest(folder / WEIGHTS)}|{EXPORT_VERSION}|{versions}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _digest(weights: Path) -> str:
    """The SHA-256 of ``weights``, remembered in the cache under the file's path, size and
    modification time: hashing 90 MB (0.13 s) at every start would slow each command."""
    stat = weights.stat()
    name = f"{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    memo = cache_dir() / "encoders" / "digests" / hashlib.sha256(name.encode()).hexdigest()[:16]
    try:
        remembered = memo.read_text(encoding="ascii").strip()
        if len(remembered) == 64:  # a whole digest, not one another process is writing
            return remembered
    except (OSError, UnicodeDecodeError):
        pass
    digest = hashlib.sha256()
    with weights.open("rb") as file:
        while block := file.read(1 << 20):
            digest.update(block)
    try:
        memo.parent.mkdir(parents=True, exist_ok=True)
        memo.write_text(digest.hexdigest(), encoding="ascii")
    except OSError:  # a read-only cache: the digest is computed again next time
        pass
    return digest.hexdigest()


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    """``write(path)`` into a temporary file beside ``target``, then renamed over it: another
    process never sees half a file, and two that build at once both leave a whole one."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".onnx")
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide a shared cache from other users
        os.replace(temporary, target)
    finally:
        Path(temporary).unlink(missing_ok=True)


def export(checkpoint: Path, target: Path, layers: int) -> None:
    """The float32 ONNX model of ``checkpoint``'s first ``layers`` layers, fused by ONNX
    Runtime's BERT optimizer."""
    import torch
    from onnxruntime.transformers.optimizer import optimize_model
    from transformers import BertModel

    # Eager attention exports as the MatMul/Softmax pattern the optimizer fuses into one
    # Attention operator; SDPA's export is left unfused (measured: 6 of 6 layers against 0).
    from transformers.utils import logging as transformers_logging

    # transformers reports the checkpoint's pooler weights (and layers past ``layers``), which
    # the encoder leaves out, and shows a loading bar inside recsum's own progress.
    verbosity = transformers_logging.get_verbosity()
    bars = transformers_logging.is_progress_bar_enabled()
    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()
    try:
        model = BertModel.from_pretrained(checkpoint, attn_implementation="eager",
                                          add_pooling_layer=False, use_safetensors=True,
                                          num_hidden_layers=layers).eval()
    finally:
        transformers_logging.set_verbosity(verbosity)
        if bars:
            transformers_logging.enable_progress_bar()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.model(input_ids=input_ids, attention_mask=attention_mask
                              ).last_hidden_state

    example = torch.ones((2, 8), dtype=torch.long)
    axes = {"batch": 0, "length": 1}
    dynamic = {name: {i: n for n, i in axes.items()} for name in (*INPUTS, "last_hidden_state")}
    plain = target.with_suffix(".plain.onnx")
    try:
        # The TorchScript exporter: the dynamo one needs onnxscript and gives a graph the
        # optimizer fuses less; its warnings (deprecation, tracing of shapes) say nothing here.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(LastHiddenState(), (example, torch.ones_like(example)), str(plain),
                              input_names=list(INPUTS), output_names=["last_hidden_state"],
                              dynamic_axes=dynamic, opset_version=17, dynamo=False)
        config = model.config
        fused = optimize_model(str(plain), model_type="bert",
                               num_heads=config.num_attention_heads,
                               hidden_size=config.hidden_size)
        fused.save_model_to_file(str(target))
    finally:
        plain.unlink(missing_ok=True)


def quantize(source: Path, target: Path) -> None:
    """``source`` with its matrix products and attention in int8, weights per output channel."""
    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with warnings_silenced():
        # The fused operators come from ONNX Runtime's own domain, whose output types ONNX's
        # shape inference does not know: they are float.
        quantize_dynamic(str(source), str(target), weight_type=QuantType.QInt8,
                         per_channel=True,
                         extra_options={"DefaultTensorType": TensorProto.FLOAT})
