"""Whole-document baselines: selection, lead, TextRank, the oracle, every system on a story."""

from __future__ import annotations

import numpy as np
import pytest

from recsum.baselines.lead import LeadSystem
from recsum.baselines.oracle import OracleSystem
from recsum.baselines.scoring import compose, word_budget
from recsum.baselines.textrank import TextRankSystem
from recsum.clean import readable_sentences
from recsum.errors import RecsumError
from recsum.experiments.systems import SYSTEMS, System, build_system, check_system, entry
from recsum.length import Length, count_words
from recsum.oracle import greedy_oracle, oracle_labels
from recsum.segment import Sentence
from recsum.select import select
from recsum.tokens import rouge_tokens

TEXT = (
    "The harbour town woke early. Fishing boats left before dawn every day. "
    "A storm destroyed the fishing boats in the harbour one night. "
    "The town rebuilt the boats together over the winter. "
    "Children played on the beach."
)


def test_selection_takes_best_scores_that_fit_skips_long_ones_and_keeps_document_order():
    scores = np.array([0.1, 0.9, 0.5, 0.8, -np.inf])
    sizes = [3, 4, 10, 3, 1]
    # 0.9 (4 words) and 0.8 (3) fit 9 words; 0.5 needs 10 and is skipped; 0.1 (3) does not fit
    # the 2 words left; -inf is never taken although it would fit.
    assert select(scores, sizes, 9) == [1, 3]
    assert select(scores, sizes, 10) == [0, 1, 3]
    assert select(scores, sizes, 100) == [0, 1, 2, 3]


def test_when_no_sentence_fits_the_best_one_is_cut_to_the_budget():
    sentences = [Sentence("one two three four", 0, 18), Sentence("five six seven eight", 19, 39)]
    assert compose(sentences, np.array([0.0, 1.0]), 2) == "five six"


def test_baselines_refuse_budgets_that_are_not_words():
    with pytest.raises(RecsumError, match="in words"):
        word_budget(Length(50, "tokens"))


def test_lead_takes_the_first_sentences_within_budget():
    (summary,) = LeadSystem().summarize_documents([TEXT], Length(12))
    assert summary.splitlines() == ["The harbour town woke early.",
                                    "Fishing boats left before dawn every day."]


@pytest.mark.parametrize("method", ["textrank", "lexrank"])
def test_textrank_prefers_the_sentence_that_shares_most_with_the_others(method):
    (summary,) = TextRankSystem(method=method).summarize_documents([TEXT], Length(11))
    assert summary == "A storm destroyed the fishing boats in the harbour one night."


def test_unknown_textrank_method_is_a_user_error():
    with pytest.raises(RecsumError, match="textrank, lexrank"):
        TextRankSystem(method="pagerank")


def test_oracle_uses_rouge_tokens_and_picks_the_sentence_the_reference_restates():
    assert rouge_tokens("The Boats were destroyed!") == ["the", "boat", "were", "destroy"]
    sentences = [s.strip() + "." for s in TEXT.split(".") if s.strip()]
    reference = "A storm destroyed the boats in the harbour, and the town rebuilt them."
    picked = greedy_oracle(sentences, [reference], 30)
    assert {2, 3} <= set(picked)
    labels = oracle_labels(sentences, [reference], 30)
    assert labels.tolist() == [1.0 if i in picked else 0.0 for i in range(len(sentences))]
    assert greedy_oracle(sentences, [reference], 9) == [3]  # the storm sentence needs 11 words
    assert greedy_oracle(sentences, [reference], 4) == []  # no sentence is that short


def test_oracle_best_of_several_references_and_stops_when_nothing_helps():
    sentences = ["children played on the beach.", "boats left before dawn."]
    assert greedy_oracle(sentences, ["zebras sing", "kids played on the beach"], 50) == [0]


def test_oracle_needs_references():
    with pytest.raises(RecsumError, match="reference"):
        OracleSystem().summarize_documents([TEXT], Length(20))
    with pytest.raises(RecsumError, match="one list per document"):
        OracleSystem().summarize_documents([TEXT, TEXT], Length(20), references=[["x"]])


def test_systems_are_built_by_name_and_bad_options_are_user_errors():
    assert {"lead", "textrank", "oracle", "lstm", "bigbird"} <= set(SYSTEMS)
    assert isinstance(build_system("textrank", {"method": "lexrank"}), System)
    with pytest.raises(RecsumError, match="bad options for system 'lead'"):
        build_system("lead", {"size": 3})
    with pytest.raises(RecsumError, match="recsum train lstm"):
        build_system("lstm", {"path": "no/such/model"})


@pytest.fixture(scope="module")
def story_summaries(squality_stories, tmp_path_factory):
    """Every registered system's 300-word summary of one SQuALITY dev story, and its references."""
    import torch
    from transformers import AutoTokenizer

    from recsum.baselines.bigbird import BigBirdHead, BigBirdHeadConfig
    from recsum.baselines.lstm import HierarchicalLSTM, LSTMConfig
    from recsum.summarizers import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    torch.manual_seed(0)  # random heads: the same ones whatever ran before
    lstm_path = tmp_path_factory.mktemp("lstm")
    HierarchicalLSTM.from_minilm(LSTMConfig(word_hidden=16, sentence_hidden=16)).save_pretrained(
        lstm_path, tokenizer)
    bigbird_path = tmp_path_factory.mktemp("bigbird")
    # 1,024 tokens keep the test fast; the story (~6,000 tokens) is still cut, as at 4,096.
    BigBirdHead(BigBirdHeadConfig(max_tokens=1024)).save_pretrained(bigbird_path, tokenizer)
    story = squality_stories[0]
    options = {"lstm": {"path": str(lstm_path)}, "bigbird": {"path": str(bigbird_path)}}
    summaries = {}
    generic = [kind for kind in SYSTEMS if not entry(kind).needs_query]
    for kind in generic:
        system = build_system(kind, options.get(kind, {}))
        (summaries[kind],) = system.summarize_documents(
            [story["document"]], Length(300), references=[story["references"]])
    return story, summaries


@pytest.mark.slow
def test_every_system_summarizes_a_real_story_within_the_budget(story_summaries):
    story, summaries = story_summaries
    assert set(summaries) == {kind for kind in SYSTEMS if not entry(kind).needs_query}
    sentences = {s.text for s in readable_sentences(story["document"])}
    for kind, summary in summaries.items():
        assert 0 < count_words(summary) <= 300, kind
        # Every system extracts: each line is a (cleaned) sentence of the story; the default
        # never repeats one (a story may hold the same sentence twice).
        lines = summary.splitlines()
        assert set(lines) <= sentences, kind
        assert kind != "recursive" or len(set(lines)) == len(lines)


@pytest.mark.slow
def test_the_oracle_scores_at_least_every_other_system(story_summaries):
    from rouge_score import rouge_scorer

    story, summaries = story_summaries
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)

    def rouge(summary: str) -> float:  # the oracle's objective: mean F1, best reference
        return max(np.mean([s.fmeasure for s in scorer.score(reference, summary).values()])
                   for reference in story["references"])

    scores = {kind: rouge(summary) for kind, summary in summaries.items()}
    assert all(scores["oracle"] >= score for score in scores.values()), scores
    assert scores["oracle"] > scores["lead"]


def test_graded_labels_average_the_references_and_add_second_choices():
    from recsum.oracle import graded_oracle_labels

    sentences = ["a storm destroyed the boats.", "the town rebuilt the harbour.",
                 "children played on the beach.", "nothing else happened there today."]
    references = ["a storm destroyed the boats.", "the town rebuilt the harbour quickly."]
    labels = graded_oracle_labels(sentences, references, budget=5, weight=0.25)
    # Each reference's own oracle takes its own sentence: each is agreed on by one of two.
    assert labels[0] == 0.5 and labels[1] == 0.5
    assert labels[2] in (0.0, 0.25) and labels.max() <= 1.0


def test_retrieval_takes_the_sentences_closest_to_the_query():
    from recsum.baselines.retrieval import RetrievalSystem

    document = ("The council met on Monday. The budget for the new bridge was cut by half. "
                "Children played in the park. The mayor said the bridge budget must grow again "
                "next year. It rained all afternoon.")
    system = RetrievalSystem()
    (summary,) = system.summarize_documents([document], Length(21),
                                            queries=["What happened to the bridge budget?"])
    assert summary.splitlines() == ["The budget for the new bridge was cut by half.",
                                    "The mayor said the bridge budget must grow again next year."]
    with pytest.raises(RecsumError, match="needs a query"):
        system.summarize_documents([document], Length(25))


def test_retrieval_embeds_a_document_once_for_its_questions_in_a_row():
    from recsum.baselines.retrieval import RetrievalSystem
    from recsum.summarizers.extractive import load_encoder

    encoder = load_encoder()
    inputs = []

    class Counting:
        def encode(self, chunks):
            inputs.append(len(chunks))
            return encoder.encode(chunks)

    document = "The bridge budget was cut. Children played. The mayor wants a bigger budget."
    queries = ["What about the budget?", "Who played?"]
    summaries = RetrievalSystem(encoder=Counting()).summarize_documents(
        [document, document], Length(5), queries=queries)
    assert summaries == ["The bridge budget was cut.", "Children played."]
    assert inputs == [1, 3, 1]  # a query, the three sentences, the next query


def test_a_system_that_only_answers_queries_is_refused_on_generic_tasks():
    with pytest.raises(RecsumError, match="only answers queries"):
        check_system("retrieval")
    with pytest.raises(RecsumError, match="only answers queries"):
        check_system("retrieval", tasks="query", ignore_query=True)
    check_system("retrieval", tasks="query")
