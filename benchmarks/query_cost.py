"""The query path's cost: seconds per question of the default, beside its generic summary of the
same documents.

Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/query_cost.py --questions 10

One process loads the default once. On the first ``--questions`` questions of SQuALITY dev
(questions 2-5, 175 words) and of QMSum val (specific queries, 65 words) it summarizes each
question alone, as a user asking one would (its document read afresh), and the same document
without the question (SQuALITY's plot budget, 400 words; QMSum's general one, 110), the two
taking turns so that both see the same machine. Prints one JSON line per dataset: seconds per
question and per generic summary, and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import time

from recsum.evaluation.data import DatasetSpec, load_records
from recsum.length import Length
from recsum.reduce import RecursiveReducer

# (adapter, dev file, a question's budget, the generic budget)
SETS = (("squality", "../shared/data/squality/dev.jsonl", 175, 400),
        ("qmsum", "../shared/data/qmsum/val.jsonl", 65, 110))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    reducer = RecursiveReducer.from_options({})
    for name, path, query_words, generic_words in SETS:
        records = load_records(DatasetSpec(path, adapter=name, tasks="query"))[:args.questions]
        # Warm: the encoder and the query scorer load on first use.
        reducer.reduce(records[0].document[:2000], Length(query_words), query=records[0].query)
        asked = generic = 0.0
        for record in records:
            started = time.perf_counter()
            reducer.reduce(record.document, Length(query_words), query=record.query)
            middle = time.perf_counter()
            reducer.reduce(record.document, Length(generic_words))
            asked, generic = asked + middle - started, generic + time.perf_counter() - middle
        print(json.dumps({"set": name, "questions": len(records), "load": os.getloadavg(),
                          "seconds_per_question": round(asked / len(records), 3),
                          "seconds_per_generic_summary": round(generic / len(records), 3)}))


if __name__ == "__main__":
    main()
