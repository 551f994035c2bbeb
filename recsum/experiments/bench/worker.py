"""One timed run in a fresh process, so that its peak memory is its own.

``python -m recsum.experiments.bench.worker SPEC.json`` builds one scaling system, runs it on
one document and prints one JSON line: wall and CPU seconds of the run, tokens read, resident
memory after loading and at peak. :func:`run_isolated` starts it, and stops it at a time or
memory cap."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from recsum.experiments.bench.machine import cpu_seconds, peak_rss_mb


def measure(spec: dict) -> dict:
    """Build ``spec['system']``, run it once on the document file, and report cost."""
    from recsum.experiments.bench.scaling import Setting, build, temporary_workdir

    text = Path(spec["document"]).read_text(encoding="utf-8")
    # Encoders need positions for the whole document: ~1.4 MiniLM tokens per word, and margin.
    max_tokens = int(len(text.split()) * 1.6) + 64
    with temporary_workdir() as workdir:
        run = build(spec["system"], Setting(spec["shape"], spec["max_words"], max_tokens,
                                            spec["new_tokens"], Path(workdir)))
        loaded_mb = peak_rss_mb()
        cpu, started = cpu_seconds(), time.perf_counter()
        tokens = run(text)
        seconds = time.perf_counter() - started
        return {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "tokens": tokens,
                "loaded_rss_mb": loaded_mb, "peak_rss_mb": peak_rss_mb()}


def run_isolated(spec: dict, *, time_cap: float, memory_cap_mb: float, spec_path: Path) -> dict:
    """``measure(spec)`` in a subprocess; ``status`` is ok, time cap, memory cap or error."""
    spec_path.write_text(json.dumps(spec), encoding="utf-8")
    # stderr (progress bars, warnings) goes to a file: a full pipe would stall the child.
    log_path = spec_path.with_suffix(".log")
    with log_path.open("w", encoding="utf-8") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "recsum.experiments.bench.worker", str(spec_path)],
            stdout=subprocess.PIPE, stderr=log, text=True)
        return _watch(process, time_cap, memory_cap_mb, log_path)


def _watch(process: subprocess.Popen, time_cap: float, memory_cap_mb: float,
           log_path: Path) -> dict:
    """Wait for the worker, killing it past the caps; its result or why there is none."""
    import psutil

    watched = psutil.Process(process.pid)
    started = time.perf_counter()
    status = "ok"
    # Loading a model takes a few seconds more than the timed run itself.
    deadline = started + time_cap + 60
    while process.poll() is None:
        try:
            rss_mb = watched.memory_info().rss / 2**20
        except psutil.NoSuchProcess:
            break
        if rss_mb > memory_cap_mb:
            status = f"memory cap ({memory_cap_mb:.0f} MB)"
        elif time.perf_counter() > deadline:
            status = f"time cap ({time_cap:.0f} s)"
        if status != "ok":
            process.kill()
            break
        time.sleep(0.1)
    stdout, _ = process.communicate()
    if status != "ok":
        return {"status": status}
    if process.returncode != 0:
        stderr = log_path.read_text(encoding="utf-8", errors="replace")
        lines = stderr.strip().splitlines() or [f"exit code {process.returncode}"]
        killed = process.returncode in (-9, 137)
        return {"status": "out of memory (killed)" if killed else f"error: {lines[-1][:200]}"}
    return {**json.loads(stdout.strip().splitlines()[-1]), "status": "ok"}


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    print(json.dumps(measure(spec)))


if __name__ == "__main__":
    main()
