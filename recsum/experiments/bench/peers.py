"""The peers the benchmark times recsum against: other libraries' summarizers, built from the
registry of systems, and each one's own process for the whole-process timings.

``python -m recsum.experiments.bench.peers NAME MAX_WORDS FILE...`` prints each file's summary
by peer ``NAME``, a blank line between them; the peer's whole process is what
:mod:`recsum.experiments.bench.processes` times against ``recsum summarize``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from recsum.experiments.systems import System, build_system
from recsum.length import Length
from recsum.quirks import punkt_module

# Bench name -> (registry kind, options).
PEERS = {
    "sumy-lexrank": ("sumy", {"method": "lexrank"}),
    "sumy-textrank": ("sumy", {"method": "textrank"}),
    "bert-extractive": ("bert-extractive", {}),
}


def build_peer(name: str) -> System:
    """Peer ``name`` as the registry builds it."""
    kind, options = PEERS[name]
    return build_system(kind, options)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m recsum.experiments.bench.peers")
    parser.add_argument("name", choices=PEERS)
    parser.add_argument("max_words", type=int)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args(argv)
    # nltk loaded as recsum loads it, without SciPy and scikit-learn: sumy's stemmer imports
    # nltk, and its full import (1 s here) would count against the peer, not its method.
    punkt_module()
    peer = build_peer(args.name)
    for name in args.files:
        text = Path(name).read_text(encoding="utf-8")
        print(peer.summarize_documents([text], Length(args.max_words))[0] + "\n", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
