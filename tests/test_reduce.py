"""The recursive reducer: bounded depth, provenance, clear errors."""

import math
from itertools import pairwise

import pytest
from fakes import SPECIAL_TOKENS, PrefixSummarizer, WordTokens
from hypothesis import given, settings
from hypothesis import strategies as st

from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.reduce import RecursiveReducer


def document(sentence_count: int, words_per_sentence: int = 9) -> str:
    return " ".join(
        " ".join(f"s{i}w{k}" for k in range(words_per_sentence)) + "."
        for i in range(sentence_count)
    )


@settings(max_examples=40, deadline=None)
@given(
    sentences=st.integers(min_value=1, max_value=400),
    budget=st.integers(min_value=12, max_value=80),
    shrink=st.floats(min_value=0.2, max_value=0.8),
    max_words=st.integers(min_value=1, max_value=60),
)
def test_terminates_within_the_depth_its_shrink_factor_allows(sentences, budget, shrink, max_words):
    text = document(sentences)
    reducer = RecursiveReducer(PrefixSummarizer(budget), shrink=shrink, max_depth=50)
    result = reducer.reduce(text, Length(max_words))
    assert 0 < count_words(result.summary) <= max_words
    room = budget - SPECIAL_TOKENS
    words = count_words(text)
    bound = (
        0
        if words <= max_words
        else math.ceil(math.log(words / min(room, max_words)) / math.log(1 / shrink)) + 2
    )
    assert result.depth <= bound


def test_a_document_that_fits_takes_one_pass_and_a_short_one_none():
    summarizer = PrefixSummarizer(input_budget=64)
    reducer = RecursiveReducer(summarizer)
    short = "One sentence only."
    assert reducer.reduce(short, Length(10)).summary == short
    assert reducer.reduce(short, Length(10)).depth == 0 and summarizer.calls == []
    result = reducer.reduce(document(5), Length(10))
    assert result.depth == 1 and len(result.levels[0].parts) == 1


def test_provenance_spans_cover_the_document_in_order():
    text = document(120)
    result = RecursiveReducer(PrefixSummarizer(64)).reduce(text, Length(20))
    first = result.levels[0].parts
    assert first[0].start == 0 and first[-1].end == len(text)
    assert all(a.end <= b.start for a, b in pairwise(first))
    assert all(p.input_tokens <= 64 for level in result.levels for p in level.parts)
    for upper in result.levels[1:]:
        assert upper.parts[0].start == 0 and upper.parts[-1].end == len(text)
    assert [level.depth for level in result.levels] == list(range(1, result.depth + 1))
    assert result.to_dict()["levels"][0]["parts"][0]["summary"] == first[0].summary


def test_chunks_of_several_documents_share_batches():
    summarizer = PrefixSummarizer(64)
    results = RecursiveReducer(summarizer).reduce_many([document(50), document(80)], Length(15))
    assert all(count_words(r.summary) <= 15 for r in results)
    first_call = summarizer.calls[0]
    assert len(first_call) == len(results[0].levels[0].parts) + len(results[1].levels[0].parts)


class Stubborn(PrefixSummarizer):
    """Ignores its budget: returns its input unchanged."""

    def summarize(self, texts, length):
        return list(texts)


def test_a_level_that_does_not_shrink_stops_with_a_clear_error():
    with pytest.raises(RecsumError, match="did not shrink"):
        RecursiveReducer(Stubborn(64)).reduce(document(100), Length(10))


def test_max_depth_is_enforced():
    with pytest.raises(RecsumError, match="max-depth"):
        RecursiveReducer(PrefixSummarizer(64), max_depth=1).reduce(document(300), Length(10))


def test_settings_are_checked():
    for options in ({"chunk_tokens": 65}, {"shrink": 1.0}, {"max_depth": 0}):
        with pytest.raises(RecsumError):
            RecursiveReducer(PrefixSummarizer(64), **options)
    with pytest.raises(RecsumError):
        Length(0)
    assert WordTokens().count(["a b"]) == [4]
