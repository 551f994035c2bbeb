"""Readable sentence text: transcript markers, hesitations, spacing and quotes."""

import pytest

from recsum.clean import clean_sentences, clean_text
from recsum.segment import Sentence, split_sentences


def test_transcript_markers_restarts_and_hesitations_are_removed():
    assert clean_text("Grad C: Did {disfmarker} did {disfmarker} did it {disfmarker} ?") == (
        "Grad C: Did it?"
    )
    assert clean_text(
        "PhD F: Um , I was gonna go , um , cuz I {vocalsound} appreciate it ( really ) ."
    ) == "PhD F: I was gonna go, cuz I appreciate it (really)."
    assert clean_text("Yeah , I 'm {disfmarker} I 'm familiar with that .") == (
        "Yeah, I'm familiar with that."
    )
    assert clean_text("What ? Hmm .") == "What?"
    assert clean_text("Well , uh , that 's it , um .") == "Well, that's it."


def test_ordinary_prose_is_left_alone():
    for text in ("The rain fell 5 mm in an hour.", "...and then it stopped.", "Yes... I know!",
                 "She said \"no\" twice.", "Mr. Brown's umbrella, uh-oh, was gone."):
        assert clean_text(text) == text


def test_a_quotation_cut_by_sentence_splitting_is_balanced():
    assert clean_text('"All local timbers too.') == '"All local timbers too."'
    assert clean_text('Our furniture—"') == '"Our furniture—"'
    assert clean_text("\u201cWell, I think so.") == "\u201cWell, I think so.\u201d"
    # The quotation opened after a space is closed, not preceded by another quote.
    assert clean_text('Handing it over, he said, "Get me a report.') == \
        'Handing it over, he said, "Get me a report."'
    assert clean_text('Fast." He left.') == '"Fast." He left.'


@pytest.mark.parametrize(("said", "meant"), [
    ("Well this is called the the the kick-off.", "Well this is called the kick-off."),
    ("And an a nice agenda.", "And a nice agenda."),
    ("Conceptual, and d detailed design.", "Conceptual, and detailed design."),
    ("Lot of people on the on the remote team.", "Lot of people on the remote team."),
    ("I had had enough of that that day.", "I had had enough of that that day."),
    ("It is in interesting times, as a aside.", "It is in interesting times, as a aside."),
    ("The I knew that the signal would differ.", "I knew that the signal would differ."),
    ("That's That would be a good match.", "That would be a good match."),
    ("They're They meet on Tuesdays.", "They meet on Tuesdays."),
    ("And that's that.", "And that's that."),
])
def test_restarts_without_a_marker_are_said_once_and_doubled_english_is_kept(said, meant):
    assert clean_text(said) == meant


def test_sentences_left_without_words_are_dropped_and_spans_kept():
    text = "PhD D: Mm - hmm .\nPhD A: {vocalsound}\nGrad C: So , um , the XML format works ."
    cleaned = clean_sentences(split_sentences(text))
    assert [s.text for s in cleaned] == ["Grad C: So, the XML format works."]
    assert text[cleaned[0].start : cleaned[0].end].startswith("Grad C: So , um")
    assert clean_sentences([Sentence("{gap}", 0, 5)]) == []
