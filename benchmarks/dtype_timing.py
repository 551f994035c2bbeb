"""Seconds per story of the default for each encoder number format, side by side.

Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/dtype_timing.py --data ../shared/data \\
        [--rounds 2] [--limit N]

The default summarizes SQuALITY dev's stories (400 words) with its encoder in float32, int8 and
bfloat16 (``dtype``; a format this CPU cannot run fast is refused, and said so), each loaded
once and warmed on the first story. Rounds alternate the formats, so that a change of load
falls on all of them; a format's figure is its best round. Prints a Markdown table: seconds
per story in each round, and the best against float32's.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from recsum.api import Summarizer
from recsum.errors import RecsumError

FORMATS = ("float32", "int8", "bfloat16")
WORDS = 400  # SQuALITY's references average about 420 words (pipelines/compare-squality-dev.toml)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--limit", type=int, default=None, help="stories")
    args = parser.parse_args()
    with open(args.data / "squality" / "dev.jsonl", encoding="utf-8") as lines:
        stories = [json.loads(line)["document"] for line in lines][: args.limit]
    summarizers = {}
    for number_format in FORMATS:
        try:
            summarizers[number_format] = Summarizer.from_pretrained(dtype=number_format)
        except RecsumError as error:
            print(f"{number_format}: not run ({error})")
            continue
        summarizers[number_format].summarize(stories[0], max_words=WORDS)
    seconds: dict[str, list[float]] = {number_format: [] for number_format in summarizers}
    for _ in range(args.rounds):
        for number_format, summarizer in summarizers.items():
            start = time.perf_counter()
            for story in stories:
                summarizer.summarize(story, max_words=WORDS)
            seconds[number_format].append((time.perf_counter() - start) / len(stories))
    print(f"Seconds per story ({len(stories)} stories, {WORDS} words), round by round")
    print()
    print("| format | " + " | ".join(f"round {n + 1}" for n in range(args.rounds))
          + " | best against float32 |")
    print("|---" * (args.rounds + 2) + "|")
    for number_format, rounds in seconds.items():
        ratio = (f"{min(rounds) / min(seconds['float32']):.2f}×" if "float32" in seconds
                 else "–")
        print(f"| {number_format} | " + " | ".join(f"{value:.3f}" for value in rounds)
              + f" | {ratio} |")


if __name__ == "__main__":
    main()
