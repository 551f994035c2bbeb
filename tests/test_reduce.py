"""The recursive reducer: bounded depth, provenance, ratings carried up, clear errors."""

import math
from itertools import pairwise

import pytest
from fakes import SPECIAL_TOKENS, PrefixSummarizer, RatingSummarizer, WordTokens
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
    with pytest.raises(RecsumError, match="max_depth"):
        RecursiveReducer(PrefixSummarizer(64), max_depth=1).reduce(document(300), Length(10))


def test_settings_are_checked():
    for options in ({"chunk_tokens": 65}, {"shrink": 1.0}, {"max_depth": 0}):
        with pytest.raises(RecsumError):
            RecursiveReducer(PrefixSummarizer(64), **options)
    with pytest.raises(RecsumError):
        Length(0)
    assert WordTokens().count(["a b"]) == [4]


def rated_document(ratings: list[int], words_per_sentence: int = 8) -> str:
    """Sentences of ``words_per_sentence`` words; sentence i is rated ``ratings[i]``."""
    return " ".join(
        " ".join(f"s{i}w{k}" for k in range(words_per_sentence - 1)) + f" r{rating}."
        for i, rating in enumerate(ratings)
    )


def test_the_last_pass_chooses_the_best_rated_sentences_of_the_whole_document():
    # 40 sentences of 8 words in chunks of about 7 sentences; the five best are spread out.
    best = {3: 90, 11: 80, 17: 95, 30: 85, 38: 70}
    text = rated_document([best.get(i, i % 7) for i in range(40)])
    summarizer = RatingSummarizer(64)
    result = RecursiveReducer(summarizer).reduce(text, Length(40))
    chosen = [int(line.split("w")[0][1:]) for line in result.summary.splitlines()]
    assert chosen == sorted(best)
    assert [s.score for s in result.sentences] == [best[i] for i in sorted(best)]
    # Every summary sentence points at its own sentence in the document.
    for sentence in result.sentences:
        assert text[sentence.start : sentence.end] == sentence.text
    assert len(summarizer.rated) == 1 and summarizer.calls == []  # read once, never re-read


def test_a_chosen_sentence_drops_its_opening_connective_and_still_points_at_its_source():
    text = ("The council met in the old hall on Monday r1. So we agreed to build the new "
            "bridge in spring r9. The weather was cold and the room was full r2.")
    result = RecursiveReducer(RatingSummarizer(64)).reduce(text, Length(12))
    assert result.summary == "We agreed to build the new bridge in spring r9."
    (sentence,) = result.sentences
    assert text[sentence.start : sentence.end] == "So " + result.summary.replace("We", "we", 1)


def test_each_level_keeps_the_best_of_every_chunk_and_the_tree_records_it():
    text = rated_document([(i * 37) % 100 for i in range(300)])
    result = RecursiveReducer(RatingSummarizer(64), shrink=0.5).reduce(text, Length(16))
    assert result.depth >= 3
    first = result.levels[0].parts
    assert first[0].start == 0 and first[-1].end == len(text)
    for level, upper in pairwise(result.levels):
        kept = sum(count_words(p.summary) for p in level.parts)
        read = sum(p.input_tokens - SPECIAL_TOKENS for p in level.parts)
        assert kept <= 0.5 * read or len(upper.parts) == 1
    assert count_words(result.summary) <= 16 and not result.truncated


@settings(max_examples=40, deadline=None)
@given(
    ratings=st.lists(st.integers(min_value=-50, max_value=50), min_size=1, max_size=300),
    budget=st.integers(min_value=12, max_value=80),
    shrink=st.floats(min_value=0.2, max_value=0.8),
    overlap=st.integers(min_value=0, max_value=30),
    max_words=st.integers(min_value=1, max_value=60),
)
def test_extractive_reduction_ends_within_bounds_whatever_the_options(
    ratings, budget, shrink, overlap, max_words
):
    text = rated_document(ratings, words_per_sentence=5)
    reducer = RecursiveReducer(RatingSummarizer(budget), shrink=shrink, overlap=overlap)
    result = reducer.reduce(text, Length(max_words))
    assert 0 < count_words(result.summary) <= max_words
    sentences = {" ".join(text.split(".")[i].split()) + "." for i in range(len(ratings))}
    lines = result.summary.splitlines()
    assert len(set(lines)) == len(lines)
    assert result.truncated or set(lines) <= sentences
    words = count_words(text)
    pool = max(budget - SPECIAL_TOKENS, 2 * max_words)
    bound = 0 if words <= max_words else (
        math.ceil(math.log(max(words / pool, 1)) / math.log(2 / (1 + shrink))) + 2)
    assert result.depth <= bound


def test_a_budget_below_every_whole_sentence_cuts_the_best_one_and_says_so():
    text = rated_document([1, 9, 2])
    result = RecursiveReducer(RatingSummarizer(64)).reduce(text, Length(3))
    assert result.summary == "s1w0 s1w1 s1w2" and result.truncated


def test_a_query_steers_every_level_and_its_relevance_is_reported():
    ratings = [(i * 37) % 100 for i in range(200)]
    words = [f"s{i}w0" for i in (5, 77, 150)]  # sentences 5, 77 and 150 bear on the query
    text = rated_document(ratings)
    reducer = RecursiveReducer(RatingSummarizer(64))
    generic = reducer.reduce(text, Length(24))
    focused = reducer.reduce(text, Length(24), query=f"{words[1]} please")
    assert focused.summary != generic.summary and focused.query == f"{words[1]} please"
    assert [s.text.split()[0] for s in focused.sentences if s.relevance == 1.0] == [words[1]]
    assert all(s.relevance is not None for s in focused.sentences)
    assert all(s.relevance is None for s in generic.sentences)


class QueryPrefix(PrefixSummarizer):
    """A seq2seq-like part summarizer that reads a query before each chunk."""

    query_separator = " || "


def test_a_seq2seq_part_summarizer_reads_the_query_before_every_chunk_within_its_window():
    summarizer = QueryPrefix(64)
    result = RecursiveReducer(summarizer).reduce(document(100), Length(10), query="the budget")
    assert count_words(result.summary) <= 10
    texts = [text for call in summarizer.calls for text in call]
    assert texts and all(t.startswith("the budget || ") for t in texts)
    assert all(len(t.split()) + SPECIAL_TOKENS <= 64 for t in texts)


@pytest.mark.parametrize(("summarizer", "query", "message"), [
    (RatingSummarizer(64), "   ", "query is empty"),
    (RatingSummarizer(64), " ".join(["word"] * 40), "more than half"),
    (PrefixSummarizer(64), "the budget", "cannot take a query"),
])
def test_a_query_that_cannot_be_used_is_one_clear_line(summarizer, query, message):
    with pytest.raises(RecsumError, match=message) as error:
        RecursiveReducer(summarizer).reduce(document(50), Length(10), query=query)
    assert "\n" not in str(error.value)


def test_the_extractive_reader_sees_the_units_as_sentences_made_when_asked_for():
    from recsum.reduce.extractive import UnitSentences
    from recsum.reduce.levels import Unit
    from recsum.segment import Sentence

    units = [Unit(f"Sentence {i}.", 12 * i, 12 * i + 11, 4, rating=float(i)) for i in range(5)]
    sentences = UnitSentences(units)
    expected = [Sentence(u.text, u.start, u.end) for u in units]
    assert len(sentences) == 5 and list(sentences) == expected
    assert sentences[3] == expected[3] and sentences[-1] == expected[-1]
    assert sentences[1:3] == expected[1:3]
