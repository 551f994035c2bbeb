"""The embedded default on real long documents (SQuALITY dev stories)."""

import numpy as np

from recsum import Summarizer
from recsum.length import Length, count_words
from recsum.segment import split_sentences
from recsum.summarizers.extractive import select_central


def test_summary_of_a_real_story_is_its_own_sentences_within_budget_and_repeatable(
    extractive, squality_stories
):
    story = squality_stories[0]["document"]
    summarizer = Summarizer(extractive)
    first = summarizer.summarize(story, max_words=200)
    second = Summarizer(extractive).summarize(story, max_words=200)
    assert first.summary == second.summary
    assert 0 < count_words(first.summary) <= 200
    assert first.depth >= 2 and not first.truncated
    originals = {s.text for s in split_sentences(story)}
    assert all(line in originals for line in first.summary.split("\n"))


def test_sentences_are_encoded_once_across_levels(extractive, squality_stories):
    story = squality_stories[1]["document"]
    encoded: list[str] = []
    original_run = extractive.encoder._run

    def counting_run(sentences):
        encoded.extend(sentences)
        return original_run(sentences)

    extractive.encoder._cache.clear()
    extractive.encoder._run = counting_run
    try:
        Summarizer(extractive).summarize(story, max_words=150)
    finally:
        del extractive.encoder._run
    assert len(encoded) == len(set(encoded))
    # Punkt may cut a sentence differently once it stands alone on its line; such rare
    # fragments are new text, everything else must come from the cache.
    fresh = set(encoded) - {s.text for s in split_sentences(story)}
    assert len(fresh) <= 0.02 * len(encoded)


def test_token_budget_is_measured_with_the_model_tokenizer(extractive, squality_stories):
    story = squality_stories[2]["document"]
    result = Summarizer(extractive).summarize(story, max_tokens=100)
    assert 0 < extractive.tokens.count([result.summary])[0] - 2 <= 100


def test_selection_prefers_central_sentences_skips_redundancy_and_keeps_order():
    embeddings = np.array(
        [[1.0, 0.0], [0.99, 0.141], [0.0, 1.0], [0.7071, 0.7071]], dtype=np.float32
    )
    embeddings /= np.linalg.norm(embeddings, axis=1, keepdims=True)
    chosen = select_central(embeddings, [20, 20, 20, 20], budget=40, diversity=0.5)
    assert chosen == sorted(chosen) and 3 in chosen and len(chosen) == 2
    assert select_central(embeddings, [50, 50, 50, 50], budget=40) == []
    assert select_central(embeddings, [50, 10, 50, 50], budget=40) == [1]


def test_fraction_budget_keeps_that_share_of_tokens(extractive):
    text = " ".join(
        f"Line {i} describes a different part of the harbour at night." for i in range(30)
    )
    summary = extractive.summarize([text], Length(0.25, "fraction"))[0]
    assert extractive.tokens.count([summary])[0] - 2 <= 0.25 * (
        extractive.tokens.count([text])[0] - 2
    )
