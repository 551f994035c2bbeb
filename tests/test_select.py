import pytest

from recsum.select import select_sentences, stands_alone, taken_alone


def test_the_default_skips_fragments_headings_and_repeats_a_speakers_name_not_counting():
    texts = [
        "User Interface: Hi there.",  # two words said: a fragment, however long the name
        "Project Manager: We need a remote that people can find.",
        "# Agenda",
        "Marketing: We need a remote that people can find.",  # repeats what is taken
        "Industrial Designer: The case could be made of rubber.",
    ]
    ratings = [9.0, 5.0, 8.0, 4.0, 3.0]
    assert select_sentences(texts, ratings, [len(t.split()) for t in texts], 100) == [1, 4]


@pytest.mark.parametrize("broken", [
    "So, the same act—.", "There is a body of law that—",  # cut at a dash
    "Syme was saying, \"What—?\"", "That was it, or did she n?",  # mid-word
    "I have to go to", "The value can be the name of a function, a",  # on a word that needs more
    "]—like common law jurisdictions would be.", "he shouted, struggling to hold her.",
    'Handing it over, he said, "Get me a report.',  # a quotation left open
    "Removal of the unversioned packages¶", "END OF TERMS AND CONDITIONS",
    "Jinx Ship To The Rescue", "| --chunk-tokens | 512 | the chunk budget |",
    "Can I also welcome Siân Gwenllian to the meeting?", "Chair: Good morning, everyone.",
    "Thank you very much, Chair.",
    "Turning to our 2021 outlook.", "Now let's move on to the pork segment on Slide 12.",
    "Chair: We'll now go to Ms. Gill.", "We now turn to this analysis.",  # signposts
    "Now onto the results.", "I'll hand it back to Andy for closing remarks.",
])
def test_broken_lines_headings_rows_and_greetings_are_never_chosen(broken):
    assert not stands_alone(broken)
    texts = [broken, "The committee agreed to fund the new bridge next year."]
    assert select_sentences(texts, [9.0, 1.0], [len(t.split()) for t in texts], 100) == [1]


@pytest.mark.parametrize("whole", [
    "Grad G: and that seems to be a lot of overlap.",  # a turn may start in lowercase
    "User Interface: On the remote control",  # transcripts often have no final mark
    '"Stop!" he shouted, struggling to hold her.',
    "Thank you very much for the detailed evidence on pensions, which we will weigh in our report.",
    "The meeting ended at noon with a plan for the new case design.",
    "Turning to revenue, it rose 5% to $1.5 billion.",  # a transition, then what it says
    "We will talk to the technicians about that.", "Go to video, it is on your remote control.",
])
def test_whole_sentences_stand_alone(whole):
    assert stands_alone(whole)


def test_in_a_text_written_in_lowercase_a_lowercase_start_is_no_mid_sentence():
    texts = ["the board met on monday and agreed on the budget.",
             "the new bridge will open next spring after the vote."]
    assert select_sentences(texts, [2.0, 1.0], [9, 10], 100) == [0, 1]
    assert not stands_alone(texts[0]) and stands_alone(texts[0], capitalized=False)


def test_in_a_text_that_ends_its_sentences_with_a_mark_an_unmarked_one_was_cut_off():
    turns = ["Professor E: That would be tou", "PhD C: We record the far-field mike too.",
             "Grad G: The transcripts go out on Monday.", "PhD A: Then we mark the overlaps."]
    sizes = [len(t.split()) for t in turns]
    assert select_sentences(turns, [9.0, 1.0, 1.0, 1.0], sizes, 100) == [1, 2, 3]
    # Where most sentences have no final mark, one without says nothing.
    loose = ["Grad G: On the remote control", "PhD C: We record the far-field mike too.",
             "Marketing: A rubber case for the kids"]
    assert select_sentences(loose, [9.0, 1.0, 1.0], [len(t.split()) for t in loose], 100) == [
        0, 1, 2]


@pytest.mark.parametrize(("text", "alone"), [
    ("So we should use a kinetic battery.", "We should use a kinetic battery."),
    ("Grad C: And so we went home.", "Grad C: We went home."),
    ("However, the results hold.", "The results hold."),
    ("But John left early.", "John left early."),
    ("so I think it works", "I think it works"),  # a turn begun in lowercase stays so
    ("So much for that.", "So much for that."),  # no clause follows: the connective stays
    ("Now that we have it, we go.", "Now that we have it, we go."),
    ('"Stop!" he shouted.', '"Stop!" he shouted.'),
    ("And.", "And."),
])
def test_a_sentence_taken_alone_drops_the_connectives_that_tie_it_to_the_one_before(text, alone):
    assert taken_alone(text) == alone


def test_sentences_are_judged_as_the_summary_shows_them():
    texts = ["Marketing: We need a remote that people can find.",
             "Project Manager: So we need a remote that people can find.",  # the same, alone
             "Industrial Designer: And the case could be made of rubber."]
    assert select_sentences(texts, [3.0, 2.0, 1.0], [len(t.split()) for t in texts], 100) == [0, 2]
