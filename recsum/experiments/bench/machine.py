"""The machine a benchmark ran on, and its matrix-multiply rate measured in the same run."""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from importlib import metadata

import torch

PACKAGES = ("torch", "transformers", "numpy", "sumy", "bert-extractive-summarizer", "rouge-score")


def cpu_model() -> str:
    """The processor's name from /proc/cpuinfo (Linux), else what platform reports."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as file:
            for line in file:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def machine_info() -> dict:
    """Cores, torch threads, SIMD level, memory, load and versions: what the figures depend on."""
    import psutil

    return {
        "cpu": cpu_model(),
        "logical_cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "versions": package_versions(),
    }


def matmul_rate(dtype: torch.dtype = torch.float32, size: int = 1024,
                seconds: float = 1.0) -> float:
    """GFLOP/s of square ``size`` matrix products in ``dtype``, best of repeated timed runs."""
    a = torch.randn(size, size).to(dtype)
    b = torch.randn(size, size).to(dtype)
    a @ b  # first call allocates and picks kernels
    flops = 2 * size**3
    best = 0.0
    deadline = time.perf_counter() + seconds
    while True:
        started = time.perf_counter()
        a @ b
        elapsed = time.perf_counter() - started
        best = max(best, flops / elapsed / 1e9)
        if time.perf_counter() > deadline:
            return best


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB.

    Linux's VmHWM belongs to the process's own address space; ru_maxrss is not used there
    because it survives exec, so a worker would report its parent's peak as its own.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as file:
            for line in file:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def cpu_seconds() -> float:
    """User + system CPU time of this process, all threads."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
