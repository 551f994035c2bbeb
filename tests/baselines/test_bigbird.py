"""The BigBird baseline: MiniLM warm start, reading past 512 tokens, the head, BigBird-Pegasus."""

from __future__ import annotations

import pytest
import torch

from recsum.baselines.bigbird import (
    BigBirdHead,
    BigBirdHeadConfig,
    BigBirdSystem,
    bigbird_from_minilm,
    sentence_states,
)
from recsum.clean import readable_sentences
from recsum.length import Length, count_words
from recsum.training.examples import Example
from recsum.training.loop import TrainingSettings, mean_loss, train_model

# Tests read 1,024 tokens instead of 4,096: the same code path (block-sparse, truncation) in a
# quarter of the time.
TOKENS = 1024


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from recsum.summarizers import default_model_path

    return AutoTokenizer.from_pretrained(default_model_path())


@pytest.fixture(scope="module")
def encoder():
    return bigbird_from_minilm(max_tokens=TOKENS)


@pytest.fixture(scope="module")
def story_states(encoder, tokenizer, squality_stories):
    """A real story read by the block-sparse encoder, with its oracle labels."""
    from recsum.oracle import oracle_labels

    story = squality_stories[0]
    sentences = readable_sentences(story["document"])
    states, reached, truncation = sentence_states(encoder, tokenizer, story["document"],
                                                  sentences, TOKENS)
    labels = oracle_labels([s.text for s in sentences], story["references"], 400)
    return story, sentences, states, reached, truncation, torch.from_numpy(labels[:reached])


@pytest.mark.slow
def test_warm_start_reproduces_minilm_with_full_attention_up_to_512_tokens(tokenizer):
    from transformers import AutoModel

    from recsum.summarizers import default_model_path

    minilm = AutoModel.from_pretrained(default_model_path()).eval()
    bigbird = bigbird_from_minilm(attention_type="original_full")
    texts = ["The crew of the starship argued about the course. " * 60, "A short one."]
    inputs = tokenizer(texts, padding=True, truncation=True, max_length=512, return_tensors="pt")
    assert inputs["input_ids"].shape[1] == 512
    with torch.no_grad():
        expected = minilm(**inputs).last_hidden_state
        actual = bigbird(**inputs).last_hidden_state
    mask = inputs["attention_mask"].bool()
    torch.testing.assert_close(actual[mask], expected[mask], atol=1e-4, rtol=1e-4)


def test_position_embeddings_are_tiled_to_the_longer_window():
    model = bigbird_from_minilm(max_tokens=1200)
    table = model.embeddings.position_embeddings.weight
    assert model.config.attention_type == "block_sparse" and table.shape[0] == 1200
    assert torch.equal(table[512:1024], table[:512]) and torch.equal(table[1024:], table[:176])


@pytest.mark.slow
def test_a_long_story_is_read_up_to_the_window_and_the_cut_is_reported(story_states):
    _, sentences, states, reached, truncation, _ = story_states
    assert truncation.read_tokens == TOKENS and truncation.total_tokens > 4 * TOKENS
    assert truncation.cut_fraction == pytest.approx(1 - TOKENS / truncation.total_tokens)
    assert 0 < reached < len(sentences) and states.shape == (reached, 384)
    assert torch.isfinite(states).all()


@pytest.mark.slow
def test_the_head_learns_from_a_few_steps_and_reloads_to_identical_scores(story_states, tmp_path,
                                                                          tokenizer):
    _, _, states, _, _, labels = story_states
    torch.manual_seed(0)
    head = BigBirdHead(BigBirdHeadConfig(max_tokens=TOKENS, dropout=0.0))
    examples = [Example(states, labels)]
    before = mean_loss(head, examples)
    train_model(head, examples, examples,
                TrainingSettings(epochs=5, patience=5, learning_rate=3e-3, progress=False))
    assert mean_loss(head, examples) < before
    head.save_pretrained(tmp_path, tokenizer)
    reloaded = BigBirdHead.from_pretrained(tmp_path)
    with torch.no_grad():
        torch.testing.assert_close(reloaded(states), head(states), atol=0, rtol=0)


@pytest.mark.slow
def test_the_system_never_selects_sentences_past_the_cut_and_says_so(story_states, tmp_path,
                                                                      tokenizer, caplog):
    story, sentences, _, reached, _, _ = story_states
    BigBirdHead(BigBirdHeadConfig(max_tokens=TOKENS)).save_pretrained(tmp_path, tokenizer)
    system = BigBirdSystem(path=str(tmp_path))
    with caplog.at_level("WARNING", logger="recsum"):
        (summary,) = system.summarize_documents([story["document"]], Length(200))
    assert "bigbird reads 1024 tokens: 1 of 1 documents were cut" in caplog.text
    assert 0 < count_words(summary) <= 200
    readable = {s.text for s in sentences[:reached]}
    assert all(line in readable for line in summary.splitlines())
    assert [t.read_tokens for t in system.truncations] == [TOKENS]


def test_bigbird_pegasus_summarizes_a_long_input_in_one_pass_through_seq2seq(tmp_path, tokenizer):
    """What online users get with google/bigbird-pegasus-large-arxiv, with a tiny random model."""
    from transformers import BigBirdPegasusConfig, BigBirdPegasusForConditionalGeneration

    from recsum.api import Summarizer
    from recsum.config import generation_config
    from recsum.summarizers import Seq2SeqSummarizer

    torch.manual_seed(0)
    config = BigBirdPegasusConfig(
        vocab_size=tokenizer.vocab_size, d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=4096, attention_type="block_sparse",
        block_size=16, num_random_blocks=2, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.cls_token_id, eos_token_id=tokenizer.sep_token_id,
        decoder_start_token_id=tokenizer.sep_token_id, forced_eos_token_id=None,
    )
    BigBirdPegasusForConditionalGeneration(config).save_pretrained(tmp_path)
    tokenizer.model_max_length = 4096
    tokenizer.save_pretrained(tmp_path)
    tokenizer.model_max_length = 512

    part = Seq2SeqSummarizer.from_pretrained(
        str(tmp_path), generation=generation_config(num_beams=1, min_new_tokens=8))
    assert part.input_budget == 4096
    text = " ".join(f"Sentence number {i} tells a part of the long story." for i in range(300))
    assert 3000 < part.tokens.count([text])[0] <= 4096
    result = Summarizer(part).summarize(text, max_words=20)
    assert result.depth == 1 and len(result.levels[0].parts) == 1  # one pass, no recursion
    assert count_words(result.summary) <= 20
