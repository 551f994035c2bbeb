"""The Seq2Seq backend, for real, with a tiny random BART loaded through from_pretrained."""

import pytest

from recsum import Summarizer
from recsum.config import generation_config
from recsum.errors import RecsumError
from recsum.length import Length, count_words
from recsum.summarizers import Seq2SeqSummarizer, default_model_path

LONG = " ".join(
    f"Sentence number {i} tells of the river, the town and the long night." for i in range(60)
)


@pytest.fixture(scope="module")
def tiny(tiny_seq2seq_path):
    return Seq2SeqSummarizer.from_pretrained(
        str(tiny_seq2seq_path),
        generation=generation_config(num_beams=1, no_repeat_ngram_size=0),
        batch_size=4,
    )


def test_input_budget_is_read_from_the_model(tiny):
    assert tiny.input_budget == 128
    assert tiny.prefix == ""
    assert tiny.tokens.count([""]) == [2]


def test_token_counts_match_what_the_model_reads(tiny):
    texts = ["", "A short one.", LONG, "Überraschung — naïve café, 1,234.5 tokens?"]
    expected = [len(ids) for ids in tiny.tokenizer(texts)["input_ids"]]
    assert tiny.tokens.count(texts) == expected


def test_a_python_only_tokenizer_is_refused(tiny):
    from types import SimpleNamespace

    with pytest.raises(RecsumError, match="Python-only tokenizer"):
        Seq2SeqSummarizer(tiny.model, SimpleNamespace(), name="plbart-like", input_budget=128)


def test_batched_generation_respects_token_and_word_budgets(tiny):
    texts = [LONG[:300], LONG[:600], LONG[:90], LONG[:450], LONG[:200]]
    by_tokens = tiny.summarize(texts, Length(7, "tokens"))
    assert len(by_tokens) == 5
    assert all(n - 2 <= 7 for n in tiny.tokens.count(by_tokens))
    by_words = tiny.summarize(texts, Length(5, "words"))
    assert all(count_words(s) <= 5 for s in by_words)


def test_batching_gives_the_same_outputs_as_one_at_a_time(tiny):
    texts = [LONG[:300], LONG[:600], LONG[:90]]
    batched = tiny.summarize(texts, Length(0.3, "fraction"))
    one_by_one = [tiny.summarize([t], Length(0.3, "fraction"))[0] for t in texts]
    assert batched == one_by_one


@pytest.mark.slow  # 18-20 s: a random BART generates for every chunk of several levels
def test_recursive_reduction_with_seq2seq_keeps_budgets_depth_and_spans(tiny):
    summarizer = Summarizer(tiny)
    result = summarizer.summarize(LONG, max_words=20)
    assert count_words(result.summary) <= 20
    assert result.depth >= 2
    first = result.levels[0].parts
    assert len(first) > 5 and all(p.input_tokens <= 128 for p in first)
    assert first[0].start == 0 and first[-1].end == len(LONG)
    assert result.model == tiny.name


def test_t5_models_get_the_summarize_prefix():
    from transformers import T5Config

    from recsum.summarizers.seq2seq import task_prefix

    assert task_prefix(T5Config()) == "summarize: "


def test_a_model_that_is_not_seq2seq_is_refused():
    with pytest.raises(RecsumError, match="not a seq2seq summarizer"):
        Seq2SeqSummarizer.from_pretrained(default_model_path())


def test_an_unreachable_hub_id_names_the_embedded_default():
    with pytest.raises(RecsumError, match=r"hub is unreachable.*embedded default"):
        Seq2SeqSummarizer.from_pretrained("no-such-org/no-such-model")
