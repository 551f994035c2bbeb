"""Where the query path's ROUGE is lost: QMSum's specific queries with a perfect locator, and the
output choices issue 23 asked to measure (the speaker's name, the answer's length).

Usage (from the repository root)::

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/query_headroom.py [--split val] [--limit N]

QMSum marks, for every specific query, the transcript turns that answer it
(``relevant_text_span``). The default reads each meeting once and rates its sentences for every
query; then the same ratings are chosen from in several ways, one pass at the budget (as the
reducer's last pass does), and each way is scored with the project's ROUGE (best reference,
stemmed). Rows: the default; the default choosing only inside the marked turns (what a perfect
locator would buy); the generic scorer inside them; the greedy ROUGE oracle inside them (what a
perfect choice inside them would buy); the speaker's name on every sentence instead of a turn's
first; and a budget by the kind of question (the mean length of the training answers to
questions that open alike: "Summarize ...", "What did ...", "Why ...") instead of 65 words. A
second table does the same for the speaker's name in the general query's summaries (110 words).
Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from recsum.evaluation.data import read_jsonl, transcript_lines
from recsum.evaluation.rouge import rouge_per_document
from recsum.length import count_words
from recsum.oracle import greedy_oracle
from recsum.segment import split_speaker
from recsum.select import select_sentences, taken_alone
from recsum.summarizers.extractive import ExtractiveSummarizer

# The protocol's budgets: QMSum train's answers average 65 words (specific), 110 (general).
SPECIFIC_WORDS, GENERAL_WORDS = 65, 110
# The kinds of question that a budget by kind tells apart (its first words).
KIND = re.compile(r"\s*(summarize|what did|what was|what were|why|how|what)\b", re.IGNORECASE)
KIND_MIN_ANSWERS = 20  # a kind with fewer training answers gets the overall mean


@dataclass
class Query:
    """One specific query of a meeting, with the meeting's units rated for it."""

    text: str
    answer: str
    marked: np.ndarray  # whether each unit lies in a turn that the dataset marks as answering
    ratings: np.ndarray


@dataclass
class Meeting:
    texts: list[str]
    speakers: list[str]  # each unit's turn's speaker
    generic: np.ndarray  # the generic scorer's ratings
    queries: list[Query]
    general_answer: str


def read_meetings(path: Path, limit: int | None) -> list[Meeting]:
    """Every meeting of a QMSum file, its units rated by the default for each specific query."""
    summarizer = ExtractiveSummarizer.from_pretrained()
    meetings = []
    for _, row in read_jsonl(path)[:limit]:
        turns = row["meeting_transcripts"]
        lines = transcript_lines(row)
        line_starts = np.cumsum([0] + [len(line) + 1 for line in lines[:-1]])
        document = summarizer.chunked("\n".join(lines))
        units = document.units
        turn_of = np.array([bisect.bisect_right(line_starts, unit.start) - 1 for unit in units])
        specific = row["specific_query_list"]
        *for_queries, generic = summarizer.rate(
            [replace(document, query=query["query"]) for query in specific] + [document])
        queries = [Query(query["query"], query["answer"],
                         np.array([any(int(first) <= turn <= int(last)
                                        for first, last in query["relevant_text_span"])
                                   for turn in turn_of]), ratings.ratings)
                   for query, ratings in zip(specific, for_queries, strict=True)]
        meetings.append(Meeting([unit.text for unit in units],
                                [turns[turn]["speaker"] for turn in turn_of], generic.ratings,
                                queries, row["general_query_list"][0]["answer"]))
    return meetings


def kind_of(question: str) -> str | None:
    match = KIND.match(question)
    return match.group(1).lower() if match else None


def budgets_by_kind(path: Path) -> Callable[[str], int]:
    """A question's budget: the mean length of the answers in ``path`` to its kind."""
    lengths = defaultdict(list)
    for _, row in read_jsonl(path):
        for query in row["specific_query_list"]:
            lengths[kind_of(query["query"])].append(count_words(query["answer"]))
    overall = np.mean([n for answers in lengths.values() for n in answers])
    table = {kind: np.mean(answers) for kind, answers in lengths.items()
             if len(answers) >= KIND_MIN_ANSWERS}
    return lambda question: round(table.get(kind_of(question), overall))


def with_speakers(meeting: Meeting) -> list[str]:
    """Every unit with its turn's speaker's name (a turn's first already has it)."""
    return [text if split_speaker(text)[0] else f"{speaker}: {text}"
            for text, speaker in zip(meeting.texts, meeting.speakers, strict=True)]


def choose(texts: list[str], ratings: np.ndarray, budget: int,
           allowed: np.ndarray | None = None) -> str:
    if allowed is not None:
        ratings = np.where(allowed, ratings, -np.inf)
    shown = [taken_alone(text) for text in texts]
    keep = select_sentences(texts, ratings, [count_words(text) for text in shown], budget)
    return "\n".join(shown[i] for i in keep)


def oracle_inside(meeting: Meeting, query: Query) -> str:
    inside = np.flatnonzero(query.marked)
    picked = greedy_oracle([meeting.texts[i] for i in inside], [query.answer], SPECIFIC_WORDS)
    return "\n".join(meeting.texts[inside[i]] for i in sorted(picked))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path,
                        default=Path(os.environ.get("RECSUM_DATA", "../shared/data")))
    parser.add_argument("--split", default="val", help="QMSum file to score (default: val)")
    parser.add_argument("--limit", type=int, help="only the first N meetings")
    args = parser.parse_args()
    meetings = read_meetings(args.data / "qmsum" / f"{args.split}.jsonl", args.limit)
    budget_of = budgets_by_kind(args.data / "qmsum" / "train.jsonl")
    ways: dict[str, Callable[[Meeting, Query], str]] = {
        "default": lambda m, q: choose(m.texts, q.ratings, SPECIFIC_WORDS),
        "default, inside the marked turns": lambda m, q: choose(m.texts, q.ratings,
                                                                SPECIFIC_WORDS, q.marked),
        "generic scorer, inside the marked turns": lambda m, q: choose(m.texts, m.generic,
                                                                       SPECIFIC_WORDS, q.marked),
        "oracle, inside the marked turns": oracle_inside,
        "default, speaker's name on every sentence": lambda m, q: choose(
            with_speakers(m), q.ratings, SPECIFIC_WORDS),
        "default, budget by kind of question": lambda m, q: choose(m.texts, q.ratings,
                                                                   budget_of(q.text)),
    }
    answers = [[query.answer] for meeting in meetings for query in meeting.queries]
    print(f"QMSum {args.split}: {len(answers)} specific queries of {len(meetings)} meetings")
    print_table({name: [way(meeting, query) for meeting in meetings for query in meeting.queries]
                 for name, way in ways.items()}, answers)
    print(f"\nQMSum {args.split}: the general query of {len(meetings)} meetings, "
          f"{GENERAL_WORDS} words")
    print_table({"default": [choose(m.texts, m.generic, GENERAL_WORDS) for m in meetings],
                 "default, speaker's name on every sentence": [
                     choose(with_speakers(m), m.generic, GENERAL_WORDS) for m in meetings]},
                [[meeting.general_answer] for meeting in meetings])


def print_table(summaries_by_way: dict[str, list[str]], answers: list[list[str]]) -> None:
    print("\n| Summaries | R-1 | R-2 | R-Lsum | Mean words |\n|---|---|---|---|---|")
    for name, summaries in summaries_by_way.items():
        scores = rouge_per_document(summaries, answers, ("rouge1", "rouge2", "rougeLsum"))
        f1 = [100 * scores[kind]["fmeasure"].mean() for kind in ("rouge1", "rouge2", "rougeLsum")]
        words = np.mean([count_words(summary) for summary in summaries])
        print(f"| {name} | {f1[0]:.2f} | {f1[1]:.2f} | {f1[2]:.2f} | {words:.1f} |")

if __name__ == "__main__":
    main()
