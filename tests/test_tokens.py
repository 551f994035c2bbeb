"""Token counting: a long text counted in pieces, cut where WordPiece splits anyway."""

from recsum.tokens import count_tokens_in_pieces, cuts_cleanly


def test_a_text_is_cut_only_after_whitespace():
    assert cuts_cleanly("ab cd", 3)
    assert not cuts_cleanly("ab cd", 2)
    assert not cuts_cleanly("ab cd", 0)


def test_tokens_counted_a_piece_at_a_time_are_the_whole_texts(squality_stories):
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    text = "\n\n".join(story["document"] for story in squality_stories[:2])
    whole = tokenizer(text, verbose=False)["input_ids"]
    assert count_tokens_in_pieces(tokenizer, text) == len(whole)
