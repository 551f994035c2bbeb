"""The chunker: every sentence lands in a chunk, in order; no chunk is over budget."""

from itertools import pairwise

import pytest
from fakes import SPECIAL_TOKENS, WordTokens
from hypothesis import given, settings
from hypothesis import strategies as st

from recsum.chunk import chunk_sentences
from recsum.errors import RecsumError
from recsum.segment import Sentence, split_sentences

sentence_lengths = st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=60)


def make_sentences(lengths: list[int]) -> list[Sentence]:
    sentences, position = [], 0
    for index, length in enumerate(lengths):
        text = " ".join(f"w{index}_{k}" for k in range(length))
        sentences.append(Sentence(text, position, position + len(text)))
        position += len(text) + 1
    return sentences


@given(sentence_lengths, st.integers(min_value=SPECIAL_TOKENS + 1, max_value=50))
def test_every_word_in_exactly_one_chunk_in_order_and_none_over_budget(lengths, budget):
    sentences = make_sentences(lengths)
    chunks = chunk_sentences(sentences, WordTokens(), budget)
    assert all(WordTokens().count([c.text])[0] <= budget for c in chunks)
    assert " ".join(c.text for c in chunks).split() == " ".join(s.text for s in sentences).split()
    assert [c.first for c in chunks] == [0] + [c.last + 1 for c in chunks[:-1]]
    assert all(a.end <= b.start for a, b in pairwise(chunks))


@given(sentence_lengths, st.integers(min_value=SPECIAL_TOKENS + 1, max_value=50))
def test_whole_sentences_are_never_split_when_they_fit(lengths, budget):
    sentences = make_sentences(lengths)
    fitting = {s.text for s in sentences if len(s.text.split()) + SPECIAL_TOKENS <= budget}
    lines = {
        line
        for c in chunk_sentences(sentences, WordTokens(), budget)
        for line in c.text.split("\n")
    }
    assert fitting <= lines


@settings(max_examples=50)
@given(sentence_lengths, st.integers(min_value=1, max_value=3))
def test_overlap_repeats_context_and_still_covers_everything(lengths, overlap):
    sentences = make_sentences(lengths)
    chunks = chunk_sentences(sentences, WordTokens(), 40, overlap=overlap)
    covered = {i for c in chunks for i in range(c.first, c.last + 1)}
    assert covered == set(range(max(covered) + 1))
    assert all(a.first < b.first and a.last < b.last for a, b in pairwise(chunks))
    assert all(b.first >= a.last + 1 - overlap for a, b in pairwise(chunks))
    assert all(WordTokens().count([c.text])[0] <= 40 for c in chunks)


def test_real_tokenizer_budget_includes_special_tokens_and_splits_long_sentences(extractive):
    text = "A short sentence. " + "x" * 3 + " " + " ".join(["supercalifragilistic"] * 400) + "."
    chunks = chunk_sentences(split_sentences(text), extractive.tokens, 128)
    counts = extractive.tokens.count([c.text for c in chunks])
    assert max(counts) <= 128 and len(chunks) > 5
    assert "".join(c.text for c in chunks).replace("\n", "").replace(" ", "") == text.replace(
        " ", ""
    )


def test_a_budget_that_only_holds_special_tokens_is_refused(extractive):
    with pytest.raises(RecsumError, match="special tokens"):
        chunk_sentences(split_sentences("Some text."), extractive.tokens, 2)


def test_text_without_sentence_boundaries_is_cut_into_word_pieces(extractive):
    from recsum.chunk import PIECE_TOKENS, fit_sentences

    words = ["Lacs", "Strikecheriness", "walking", "overlapping,"] * 300
    text = " ".join(words)  # one "sentence" of 1,200 words, no full stop
    units, counts = fit_sentences(split_sentences(text), extractive.tokens, 512)
    assert len(units) > 1 and max(counts) <= PIECE_TOKENS + 2
    assert " ".join(u.text for u in units) == text  # whole words, none cut, none lost
    assert all(u.text.split()[0] in words for u in units)
