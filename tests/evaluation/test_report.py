"""The report's view of length: documents grouped by length, each system's ROUGE per group."""

from dataclasses import replace

import numpy as np

from recsum.evaluation.readability import Readability
from recsum.evaluation.report import SystemScores, length_buckets, length_table
from recsum.evaluation.rouge import Evaluation, Interval, RougeScore


def test_buckets_are_nearly_equal_shortest_first_and_keep_a_document_together():
    words = [900, 100, 500, 300, 700, 500, 1100]
    groups = length_buckets(words, 3)
    assert [sorted(np.asarray(words)[g].tolist()) for g in groups] == [
        [100, 300], [500, 500, 700], [900, 1100]]
    assert sorted(np.concatenate(groups).tolist()) == list(range(len(words)))


def test_fewer_distinct_lengths_than_buckets_give_fewer_buckets():
    assert len(length_buckets([5, 5, 7], 3)) == 2


def _scores(label: str, rouge1: list[float]) -> SystemScores:
    per_document = {t: tuple(rouge1) for t in ("rouge1", "rouge2", "rougeL", "rougeLsum")}
    interval = Interval(float(np.mean(rouge1)), None, None)
    evaluation = Evaluation(tuple(str(i) for i in range(len(rouge1))),
                            {t: RougeScore(interval) for t in per_document}, per_document, 0,
                            0.95)
    return SystemScores(label, label, evaluation, 10.0, None, (100, 200, 300, 400), 10,
                        Readability(0, 0, 0, 0, 0))


def test_the_length_table_shows_each_system_per_group():
    short_better = _scores("recursive", [0.5, 0.5, 0.1, 0.1])
    table = length_table([short_better, replace(short_better, label="flat",
                                                evaluation=_scores("x", [0.3] * 4).evaluation)], 2)
    assert "100–200 words (2)" in table and "300–400 words (2)" in table
    assert "| recursive | 50.00 / 50.00 | 10.00 / 10.00 |" in table
    assert "| flat | 30.00 / 30.00 | 30.00 / 30.00 |" in table
