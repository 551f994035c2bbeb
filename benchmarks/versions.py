"""Two versions of recsum's default side by side, in one run: seconds per story, cold and warm.

Usage (from the repository root, with another checkout of recsum at OLD, for example
``git worktree add --detach ../old-default 68e822f``)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/versions.py --old ../old-default \
        --stories ../shared/data/squality/dev.jsonl --rounds 3

Each version runs in its own processes, with its own checkout first on ``sys.path``, one
after the other and alternating round by round, so that both see the same machine. Warm: one
process per version loads the default once and summarizes every story (``max_words`` words),
timed per story. Cold: ``recsum summarize`` on one story in a fresh process, start-up included.
Prints a markdown table and, with ``--json``, the raw figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WARM = """
import json, sys, time
from recsum import Summarizer
stories = [json.loads(line)["document"] for line in open(sys.argv[1])]
summarizer = Summarizer()
summarizer.summarize(stories[0][:2000], int(sys.argv[2]))  # first forward pass: kernels, caches
seconds = []
for story in stories:
    started = time.perf_counter()
    summarizer.summarize(story, int(sys.argv[2]))
    seconds.append(time.perf_counter() - started)
print(json.dumps(seconds))
"""


def run_version(checkout: Path, code: list[str]) -> subprocess.CompletedProcess:
    environment = dict(os.environ, PYTHONPATH=str(checkout))
    return subprocess.run([sys.executable, *code], env=environment, capture_output=True,
                          text=True, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", required=True, type=Path, help="checkout of the older version")
    parser.add_argument("--new", default=Path(__file__).resolve().parents[1], type=Path)
    parser.add_argument("--stories", required=True, help="SQuALITY jsonl (field document)")
    parser.add_argument("--max-words", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    versions = {"old": args.old.resolve(), "new": args.new.resolve()}
    lines = Path(args.stories).read_text(encoding="utf-8").splitlines()
    stories = [json.loads(line)["document"] for line in lines if line.strip()]
    with tempfile.TemporaryDirectory() as folder:
        documents = Path(folder) / "stories.jsonl"
        documents.write_text("".join(json.dumps({"document": s}) + "\n" for s in stories))
        median_story = Path(folder) / "story.txt"
        median_story.write_text(sorted(stories, key=len)[len(stories) // 2])
        warm = {name: [] for name in versions}
        cold = {name: [] for name in versions}
        for _ in range(args.rounds):
            for name, checkout in versions.items():
                out = run_version(checkout, ["-c", WARM, str(documents), str(args.max_words)])
                warm[name].append(json.loads(out.stdout))
                started = time.perf_counter()
                run_version(checkout, ["-m", "recsum.cli.main", "summarize", str(median_story),
                                       "--max-words", str(args.max_words), "--quiet"])
                cold[name].append(time.perf_counter() - started)
    rows = []
    for name in versions:
        per_story = [statistics.mean(run[i] for run in warm[name]) for i in range(len(stories))]
        rows.append((name, statistics.mean(per_story), statistics.median(per_story),
                     statistics.median(cold[name])))
    print(f"{len(stories)} stories, {args.max_words} words, {args.rounds} rounds, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")
    print("| version | mean s/story (warm) | median s/story (warm) | cold `recsum summarize`, "
          "median story (s) |")
    print("|---|---|---|---|")
    for name, mean, median, start in rows:
        print(f"| {name} ({versions[name]}) | {mean:.2f} | {median:.2f} | {start:.2f} |")
    print(f"new / old, mean per story: {rows[1][1] / rows[0][1]:.2f}; cold: "
          f"{rows[1][3] / rows[0][3]:.2f}")
    if args.json:
        print(json.dumps({"warm": warm, "cold": cold}))


if __name__ == "__main__":
    main()
