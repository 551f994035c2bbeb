"""Whole processes timed from start to exit, as a user waits for them (issue 12).

``recsum summarize`` (the default, on the fast path this CPU gets) against each peer's own
process (``python -m recsum.experiments.bench.peers``) on the same story files: one story per
process, every system in turn for each story so that a change in the machine's load reaches all
of them, and then all the stories in one process (``recsum summarize`` on their folder), which
pays the start once."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from recsum.errors import RecsumError


def commands(peers: Sequence[str], max_words: int) -> dict[str, list[str]]:
    """Each system's command line, to which the story files (or their folder) are appended."""
    python = [sys.executable, "-m"]
    systems = {"recsum-default": [*python, "recsum.cli.main", "summarize", "--quiet",
                                  "--max-words", str(max_words)]}
    for name in peers:
        if name != "bert-extractive":  # a library, not a command a user would start per file
            systems[name] = [*python, "recsum.experiments.bench.peers", name, str(max_words)]
    return systems


def wall_seconds(command: list[str]) -> float:
    """Seconds from starting ``command`` to its exit; a failure is an error with its last line."""
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines() or [f"exit code {result.returncode}"]
        raise RecsumError(f"bench: {' '.join(command[2:4])} failed: {lines[-1][:200]}")
    return seconds


def processes(documents: Sequence[str], peers: Sequence[str], max_words: int,
              workdir: Path) -> dict:
    """Per system, the wall seconds of one process per document and of one for them all."""
    from recsum.summarizers.runtime import cpu_flags, plan_encoder

    folder = workdir / "stories"
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for index, document in enumerate(documents):
        files.append(folder / f"{index:03d}.txt")
        files[-1].write_text(document, encoding="utf-8")
    systems = commands(peers, max_words)
    # The first start builds the encoder into the cache (once per machine): not a user's wait.
    wall_seconds([*systems["recsum-default"], str(files[0])])
    rows = {name: {"seconds_per_doc": [], "batch_seconds": 0.0} for name in systems}
    for file in files:
        for name, command in systems.items():
            rows[name]["seconds_per_doc"].append(wall_seconds([*command, str(file)]))
    for name, command in systems.items():
        batch = [str(folder)] if name == "recsum-default" else [str(f) for f in files]
        rows[name]["batch_seconds"] = wall_seconds([*command, *batch])
    return {"documents": len(files), "max_words": max_words,
            "encoder_path": plan_encoder().label, "cpu_flags": sorted(_relevant(cpu_flags())),
            "systems": rows}


def _relevant(flags: frozenset[str]) -> set[str]:
    """The flags the encoder's choice depends on, and the vector width beside them."""
    from recsum.summarizers.runtime import BF16_FLAGS, INT8_FLAGS

    return flags & {*BF16_FLAGS, *INT8_FLAGS, "avx2", "avx512f", "amx_tile"}
