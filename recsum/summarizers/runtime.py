"""Which way the embedded encoder runs on this machine: runtime, number format and threads.

The choice is made when a summarizer is built, from what the processor reports (its feature
flags, never its model name; :func:`plan_encoder` takes them as an argument, so that a test can
describe any CPU):

- ``float32`` runs in ONNX Runtime on a CPU (the same numbers as torch, to float rounding, and
  faster: fused attention) and in torch on a GPU;
- ``int8`` runs in ONNX Runtime, the encoder's matrix products quantized per channel (CPU only);
- ``bfloat16`` runs in torch under autocast, and only where the CPU multiplies bfloat16 in
  hardware (AVX-512 BF16 or AMX): elsewhere torch emulates it, about 100 times slower;
- ``auto`` (the default) takes ``int8`` on an x86 CPU with 8-bit integer products (AVX2, or the
  dot-product instructions of VNNI and AMX), ``float32`` in ONNX Runtime on any other CPU, and
  ``float32`` in torch on a GPU. It never takes bfloat16 on a CPU: ONNX Runtime has no bfloat16
  kernels there, and torch's bfloat16 was slower than ONNX Runtime's float32 on an AVX-512 BF16
  CPU (BENCHMARKS.md).

ONNX models are built from the checkpoint on first use and kept in a cache folder
(:func:`cache_dir`), so later starts import neither torch nor transformers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from recsum.config import DTYPES
from recsum.errors import RecsumError

CACHE_VARIABLE = "RECSUM_CACHE"
# Flags (as Linux's /proc/cpuinfo names them) of a CPU that multiplies bfloat16 in hardware.
BF16_FLAGS = ("avx512_bf16", "amx_bf16")
# Flags of a CPU whose int8 matrix products ONNX Runtime runs faster than float32 ones: the
# dot-product instructions, or AVX2's 8-bit multiply-adds (0.71x float32's encoder time on an
# AVX2 CPU without VNNI, every dev score inside float32's interval: BENCHMARKS.md).
INT8_FLAGS = ("avx512_vnni", "avx_vnni", "amx_int8", "avx2")


@dataclass(frozen=True)
class EncoderPlan:
    """How the encoder runs: ``runtime`` (``onnx`` or ``torch``), the number format, and why."""

    runtime: str
    dtype: str
    reason: str

    @property
    def label(self) -> str:
        """Short name for reports, e.g. ``onnx-int8``."""
        return f"{self.runtime}-{self.dtype}"


@lru_cache(maxsize=4)
def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The processor's feature flags as Linux reports them in ``cpuinfo``; empty where they
    cannot be read (then no path that needs a flag is chosen automatically)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as file:
            for line in file:
                if line.startswith(("flags", "Features")):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def has_bf16(flags: frozenset[str]) -> bool:
    return any(flag in flags for flag in BF16_FLAGS)


def cpu_threads() -> int:
    """Cores this process may run on (its affinity, which containers and taskset narrow)."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def cache_dir() -> Path:
    """Where built encoders are kept: ``$RECSUM_CACHE``, else ``$XDG_CACHE_HOME/recsum``, else
    ``~/.cache/recsum``."""
    if os.environ.get(CACHE_VARIABLE):
        return Path(os.environ[CACHE_VARIABLE])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "recsum"


def plan_encoder(dtype: str = "auto", device: str = "cpu", *, plain_bert: bool = True,
                 flags: frozenset[str] | None = None) -> EncoderPlan:
    """The path for ``dtype`` on ``device``; ``plain_bert`` says whether the checkpoint is one
    that ONNX Runtime can run (:func:`recsum.summarizers.checkpoint.is_plain_bert`)."""
    if dtype not in DTYPES:
        raise RecsumError(f"unknown dtype {dtype!r}; use one of {', '.join(DTYPES)}")
    flags = cpu_flags() if flags is None else flags
    if dtype == "int8" and (device != "cpu" or not plain_bert):
        raise RecsumError("dtype int8 runs on the CPU, for plain BERT checkpoints (such as the "
                          "embedded MiniLM); use dtype float32 or bfloat16 here")
    if dtype == "bfloat16" and device == "cpu" and not has_bf16(flags):
        raise RecsumError("dtype bfloat16: this CPU has no bfloat16 instructions "
                          f"({' or '.join(BF16_FLAGS)}), so it would be about 100 times slower; "
                          "use dtype int8 or float32")
    if device != "cpu" or not plain_bert or dtype in ("bfloat16", "float16"):
        where = f"device {device}" if plain_bert else "not a plain BERT checkpoint"
        return EncoderPlan("torch", "float32" if dtype == "auto" else dtype,
                           f"dtype {dtype}, {where}")
    if dtype == "auto":
        fast = [flag for flag in INT8_FLAGS if flag in flags]
        if fast:
            return EncoderPlan("onnx", "int8", f"auto on cpu with {', '.join(fast)}")
        return EncoderPlan("onnx", "float32", "auto on cpu without 8-bit integer products")
    return EncoderPlan("onnx", dtype, f"dtype {dtype} on cpu")
