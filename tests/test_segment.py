"""Sentence segmentation: offline, spans point into the source, structure-aware."""

import json
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from recsum.segment import PARAMETERS, learn_punkt_parameters, split_sentences


def test_sentences_and_spans_point_into_the_source():
    text = "Dr. Smith arrived at 9 a.m. on Monday. She met Mr. Jones.\n\nThey talked for hours!"
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Dr. Smith arrived at 9 a.m. on Monday.",
        "She met Mr. Jones.",
        "They talked for hours!",
    ]
    for sentence in sentences:
        assert " ".join(text[sentence.start : sentence.end].split()) == sentence.text


def test_transcript_turns_are_separate_sentences():
    text = "Professor E: So, it works.\nGrad G: I think it crashed\nPhD A: no it did not"
    assert [s.text for s in split_sentences(text)] == [
        "Professor E: So, it works.",
        "Grad G: I think it crashed",
        "PhD A: no it did not",
    ]


def test_markdown_headings_and_list_items_stand_alone():
    text = "# Title\nIntro sentence here.\n\n- first item\n- second item\n1. numbered"
    assert [s.text for s in split_sentences(text)] == [
        "# Title",
        "Intro sentence here.",
        "- first item",
        "- second item",
        "1. numbered",
    ]


def test_hard_wrapped_prose_is_joined_and_text_without_punctuation_is_kept():
    wrapped = "The river rose all\nnight and the town\nwatched it. Nobody slept."
    assert [s.text for s in split_sentences(wrapped)] == [
        "The river rose all night and the town watched it.",
        "Nobody slept.",
    ]
    no_punctuation = " ".join(["word"] * 5000)
    assert [s.text for s in split_sentences(no_punctuation)] == [no_punctuation]


def test_one_sentence_per_line_stays_stable_when_split_again():
    text = "It rained. The roads flooded.\nPeople stayed home. Schools closed!"
    once = [s.text for s in split_sentences(text)]
    assert [s.text for s in split_sentences("\n".join(once))] == once


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=400))
def test_never_loses_a_character_and_spans_are_ordered(text):
    sentences = split_sentences(text)
    assert "".join(s.text for s in sentences).replace(" ", "") == "".join(text.split())
    ends = [0] + [s.end for s in sentences]
    assert all(s.start >= previous_end for s, previous_end in zip(sentences, ends, strict=False))


def test_titles_and_abbreviations_stay_with_the_name():
    text = "Hon. Andrew Scheer rose. Sen. Brown met Gen. Smith and Rev. King. They left."
    assert [s.text for s in split_sentences(text)] == [
        "Hon. Andrew Scheer rose.",
        "Sen. Brown met Gen. Smith and Rev. King.",
        "They left.",
    ]


def test_the_shipped_punkt_parameters_are_what_the_shipped_corpus_teaches():
    corpus = resources.files("recsum.resources").joinpath("punkt_corpus.txt").read_text("utf-8")
    shipped = json.loads(resources.files("recsum.resources").joinpath(PARAMETERS)
                         .read_text("utf-8"))
    assert shipped == learn_punkt_parameters(corpus), (
        "the corpus changed: run python -c 'from recsum.segment import "
        "write_punkt_parameters as w; w()'")
    assert "mr" in shipped["abbrev_types"] and ["dr", "hollis"] in shipped["collocations"]


def test_a_quotations_sentence_and_a_line_wrapped_over_a_blank_line_stay_whole():
    text = ('"Stop!" he shouted, struggling to hold her. She ran.\n\n'
            "He wrote an end to\n\nhis first existence.\n\nSpeaker A: and so on.")
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        '"Stop!" he shouted, struggling to hold her.', "She ran.",
        "He wrote an end to his first existence.", "Speaker A: and so on."]
    assert text[sentences[2].start : sentences[2].end] == \
        "He wrote an end to\n\nhis first existence."
    # Written one per line, they split back the same; the lines of such a text never join.
    lines = "\n".join(s.text for s in sentences)
    assert [s.text for s in split_sentences(lines, lines=True)] == [s.text for s in sentences]
    assert [s.text for s in split_sentences("One line of\nanother", lines=True)] == \
        ["One line of", "another"]
