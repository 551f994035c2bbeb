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


def test_plain_torch_bert_matches_transformers_on_minilm(squality_stories):
    import torch
    from transformers import AutoModel, AutoTokenizer

    from recsum.summarizers import default_model_path
    from recsum.summarizers.bert import BertEncoder, is_plain_bert

    path = default_model_path()
    assert is_plain_bert(path)
    sentences = [s.text for s in split_sentences(squality_stories[0]["document"])[:16]]
    batch = AutoTokenizer.from_pretrained(path)(sentences, padding=True, return_tensors="pt")
    reference = AutoModel.from_pretrained(path).eval()
    with torch.inference_mode():
        expected = reference(**batch).last_hidden_state
        actual = BertEncoder.from_pretrained(path)(batch["input_ids"], batch["attention_mask"])
    real = batch["attention_mask"].bool()
    assert batch["attention_mask"].float().mean() < 0.9  # padding is exercised
    assert torch.allclose(actual[real], expected[real], atol=1e-4)


def test_other_encoders_load_through_transformers(tmp_path):
    """A folder that is not plain BERT (here a tiny random DistilBERT) takes the AutoModel path
    and summarizes with its own tokenizer's counts."""
    import torch
    from transformers import AutoTokenizer, DistilBertConfig, DistilBertModel

    from recsum.summarizers import ExtractiveSummarizer, default_model_path
    from recsum.summarizers.bert import is_plain_bert

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    config = DistilBertConfig(vocab_size=tokenizer.vocab_size, dim=32, hidden_dim=64, n_layers=1,
                              n_heads=2, max_position_embeddings=128)
    DistilBertModel(config).save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    assert not is_plain_bert(tmp_path)
    summarizer = ExtractiveSummarizer.from_pretrained(str(tmp_path))
    assert summarizer.input_budget == 128
    text = " ".join(f"Sentence number {i} talks about topic {i % 5}." for i in range(40))
    summary = summarizer.summarize([text], Length(30, "words"))[0]
    assert 0 < count_words(summary) <= 30
    assert summarizer.tokens.count([text]) == [len(tokenizer(text)["input_ids"])]


def test_cache_keeps_only_the_sentences_a_later_level_can_read(extractive, squality_stories):
    sentences = [s.text for s in split_sentences(squality_stories[3]["document"])[:60]]
    extractive.encoder._cache.clear()
    summary = extractive.summarize(["\n".join(sentences)], Length(0.5, "fraction"))[0]
    kept = summary.split("\n")
    assert 0 < len(kept) < len(set(sentences))
    assert set(extractive.encoder._cache) == set(kept)


def test_remembered_sentences_are_served_without_encoding_and_the_cache_is_bounded(extractive):
    from recsum.summarizers.extractive import SentenceEncoder

    sentences = ["The ship left at dawn.", "Nobody saw it go.", "The ship left at dawn.",
                 "A storm came in the evening.", "The harbour master wrote it down."]
    small = SentenceEncoder(extractive.encoder.model, extractive.encoder.tokenizer, cache_size=2)
    rows = small.encode(sentences)
    assert np.allclose(rows[0], rows[2]) and small.stats.encoded == 4
    small.remember(sentences[1:], rows[1:])
    assert list(small._cache) == sentences[3:]
    again = small.encode(sentences[3:])
    assert small.stats.encoded == 4 and np.array_equal(again, rows[3:])


def test_plain_torch_bert_loads_a_checkpoint_with_a_task_head(tmp_path):
    """A BertForMaskedLM folder stores the encoder under ``bert.`` beside its head."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForMaskedLM

    from recsum.summarizers import default_model_path
    from recsum.summarizers.bert import BertEncoder, is_plain_bert

    torch.manual_seed(0)
    tokenizer = AutoTokenizer.from_pretrained(default_model_path())
    config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64, max_position_embeddings=64)
    reference = BertForMaskedLM(config).eval()
    reference.save_pretrained(tmp_path)
    tokenizer.save_pretrained(tmp_path)
    assert is_plain_bert(tmp_path)
    batch = tokenizer(["One short sentence.", "And a somewhat longer second one here."],
                      padding=True, return_tensors="pt")
    with torch.inference_mode():
        expected = reference.bert(**batch).last_hidden_state
        actual = BertEncoder.from_pretrained(tmp_path)(batch["input_ids"], batch["attention_mask"])
    real = batch["attention_mask"].bool()
    assert torch.allclose(actual[real], expected[real], atol=1e-5)
