from recsum.select import select_sentences


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
