"""ROUGE: identical to rouge_score's RougeScorer, best reference, bootstrap CI, id matching."""

import numpy as np
import pytest
from rouge_score import rouge_scorer

from recsum.errors import RecsumError
from recsum.evaluation.rouge import (
    ROUGE_TYPES,
    align_predictions,
    bootstrap_interval,
    evaluate_summaries,
    rouge_per_document,
    sentence_lines,
)

PREDICTIONS = [
    "The crew repairs the ship. Then they fly home to Earth, tired but happy.",
    "A detective follows a thief across the city. He catches him at the station.",
    "Nothing here matches.",
]
REFERENCES = [
    ["The crew fixes their ship and flies back to Earth.",
     "They repaired the ship. They went home."],
    ["A detective chases a thief through the city and catches him at the train station."],
    ["A story about gardens. The gardener plants roses.", "Roses grow in the garden."],
]


def direct_scores(predictions, references):
    """What rouge_score computes itself with the same settings: stemming, one sentence a line,
    the best reference per document by F1."""
    scorer = rouge_scorer.RougeScorer(list(ROUGE_TYPES), use_stemmer=True)
    rows = [scorer.score_multi([sentence_lines(r) for r in refs], sentence_lines(p))
            for p, refs in zip(predictions, references, strict=True)]
    return {t: {f: np.array([getattr(row[t], f) for row in rows])
                for f in ("precision", "recall", "fmeasure")} for t in ROUGE_TYPES}


def assert_identical(predictions, references):
    ids = [str(i) for i in range(len(predictions))]
    evaluation = evaluate_summaries(ids, predictions, references, bootstrap=0,
                                    precision_recall=True)
    expected = direct_scores(predictions, references)
    for rouge_type in ROUGE_TYPES:
        score = evaluation.scores[rouge_type]
        assert abs(score.f1.mean - expected[rouge_type]["fmeasure"].mean()) < 1e-9
        assert abs(score.precision.mean - expected[rouge_type]["precision"].mean()) < 1e-9
        assert abs(score.recall.mean - expected[rouge_type]["recall"].mean()) < 1e-9
        assert np.allclose(evaluation.per_document[rouge_type], expected[rouge_type]["fmeasure"],
                           rtol=0, atol=1e-9)


def test_scores_are_identical_to_rouge_scorer_called_directly():
    assert_identical(PREDICTIONS, REFERENCES)


def test_scores_on_real_stories_are_identical_to_rouge_scorer(squality_stories):
    stories = squality_stories[:3]
    # A lead-400 summary of each story against its four references.
    predictions = [" ".join(s["document"].split()[:400]) for s in stories]
    assert_identical(predictions, [s["references"] for s in stories])


def test_rougelsum_sees_one_sentence_per_line_and_the_others_ignore_lines():
    assert sentence_lines("One sentence here. And a second one.") == \
        "One sentence here.\nAnd a second one."
    # Sentences in swapped order: each still matches whole (Lsum), the whole texts only half (L).
    per_document = rouge_per_document(["gamma delta. alpha beta."], [["alpha beta. gamma delta."]])
    assert per_document["rougeLsum"]["fmeasure"][0] == pytest.approx(1.0)
    assert per_document["rougeL"]["fmeasure"][0] == pytest.approx(0.5)


def test_several_references_keep_the_best_one():
    per_document = rouge_per_document(["the cat sat on the mat"],
                                      [["a dog barked loudly", "the cat sat on the mat"]])
    for rouge_type in ROUGE_TYPES:
        assert per_document[rouge_type]["fmeasure"][0] == pytest.approx(1.0)


def test_stemming_is_on():
    per_document = rouge_per_document(["cats running"], [["cat run"]])
    assert per_document["rouge1"]["fmeasure"][0] == pytest.approx(1.0)


def test_bootstrap_interval_brackets_the_mean_and_is_reproducible():
    ids = [str(i) for i in range(len(PREDICTIONS))]
    first = evaluate_summaries(ids, PREDICTIONS, REFERENCES, bootstrap=200, seed=3)
    again = evaluate_summaries(ids, PREDICTIONS, REFERENCES, bootstrap=200, seed=3)
    assert first == again
    for score in first.scores.values():
        assert score.f1.low <= score.f1.mean <= score.f1.high
        assert score.f1.low < score.f1.high  # the three documents score differently
        assert score.precision is None and score.recall is None  # not asked for


def test_bootstrap_of_a_constant_has_no_width_and_none_without_resamples():
    values = np.full(10, 0.25)
    resamples = np.random.default_rng(0).integers(0, 10, size=(50, 10))
    interval = bootstrap_interval(values, resamples)
    assert interval.low == pytest.approx(0.25) and interval.high == pytest.approx(0.25)
    assert bootstrap_interval(values, None).low is None


def test_evaluation_serializes_with_per_document_scores():
    data = evaluate_summaries(["a", "b", "c"], PREDICTIONS, REFERENCES, bootstrap=10).to_dict()
    assert data["documents"] == 3
    assert data["per_document"]["ids"] == ["a", "b", "c"]
    assert set(data["rouge"]) == set(ROUGE_TYPES)


def test_prediction_ids_must_match_the_references_and_the_error_lists_a_few():
    predictions = {f"x{i}": "text" for i in range(8)}
    with pytest.raises(RecsumError) as error:
        align_predictions(predictions, ["x0", "y1"], source="p.jsonl")
    message = str(error.value)
    assert "\n" not in message
    assert "7 id(s) not in the references" in message and "'x1'" in message
    assert "2 more" in message  # only five are listed
    assert "1 reference id(s) without a prediction ('y1')" in message
    assert align_predictions({"b": "B", "a": "A"}, ["a", "b"]) == ["A", "B"]


def test_mismatched_lengths_and_unknown_types_are_errors():
    with pytest.raises(RecsumError, match="2 predictions for 1 reference"):
        rouge_per_document(["a", "b"], [["a"]])
    with pytest.raises(RecsumError, match="unknown ROUGE type"):
        rouge_per_document(["a"], [["a"]], rouge_types=["rouge9"])


def test_readability_counts_what_a_reader_stumbles_on():
    from recsum.evaluation.readability import readability

    counts = readability([
        "The board met on Monday.\nYeah.\nThe board met on Monday.\n"
        "Grad C: So the {disfmarker} XML format works.\nUser Interface: Hi there.",
        '"Well," he said, "maybe."\nBut the river rose anyway that night.',
    ])
    assert (counts.sentences, counts.duplicates, counts.with_markers, counts.fragments,
            counts.leaning_on_context) == (7, 1, 1, 2, 3)
    assert counts.share(counts.fragments) == 2 / 7
    assert (counts.cut_off, counts.mid_sentence, counts.unbalanced_quotes) == (0, 0, 0)

    broken = readability(["So, the same act\u2014.\n\n]\u2014like common law jurisdictions "
                          'would be.\n\nHe said, "Get me a report.'])
    assert (broken.cut_off, broken.mid_sentence, broken.unbalanced_quotes) == (1, 1, 1)

    # Among sentences that end with a final mark, one without was interrupted.
    interrupted = readability(["Professor E: That would be tou\nPhD C: We record the far mike.\n"
                               "Grad G: The transcripts go out on Monday."])
    assert interrupted.cut_off == 1
