"""Linear-cost block-sparse attention: the pattern, exactness against dense attention under the
same mask and against transformers' BigBird, padding, determinism (tiny sizes: no model files)."""

from __future__ import annotations

import copy
import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from recsum.baselines.bigbird import SparseBigBirdModel
from recsum.baselines.sparse_attention import (
    BlockSparsePattern,
    BlockSparseSelfAttention,
    block_sparse_attention,
)


def dense_reference(query, key, value, pattern, key_padding_mask=None):
    """The same attention through an n × n mask expanded from the block mask."""
    size, length = pattern.block_size, query.shape[2]
    allowed = pattern.block_mask().repeat_interleave(size, 1).repeat_interleave(size, 2)
    allowed = allowed[None, :, :length, :length]
    if key_padding_mask is not None:
        allowed = allowed & key_padding_mask.bool()[:, None, None, :]
    return F.scaled_dot_product_attention(query, key, value, attn_mask=allowed)


def qkv(batch, heads, length, dim=8, seed=0):
    generator = torch.Generator().manual_seed(seed)
    return tuple(torch.randn(batch, heads, length, dim, generator=generator) for _ in range(3))


def test_the_pattern_is_bigbirds_window_global_and_random_blocks():
    pattern = BlockSparsePattern.build(num_blocks=20, block_size=4, heads=3, num_random_blocks=3,
                                       seed=7)
    mask = pattern.block_mask()
    assert mask[:, [0, 19], :].all() and mask[:, :, [0, 19]].all()  # global rows and columns
    for row in range(1, 19):
        window = {row - 1, row, row + 1}
        assert mask[:, row, sorted(window)].all()
        for head in range(3):
            random = pattern.random[head, row - 1].tolist()
            assert len(set(random)) == 3 and not set(random) & (window | {0, 19})
            # The row reads its window, the global blocks and its random blocks, nothing else.
            assert set(torch.nonzero(mask[head, row]).flatten().tolist()) == (
                window | {0, 19} | set(random))


def test_the_pattern_is_fixed_by_its_seed():
    def build(seed, heads=4):
        return BlockSparsePattern.build(64, 8, heads, 3, seed).random

    assert torch.equal(build(0), build(0))
    assert not torch.equal(build(0), build(1))
    assert not torch.equal(build(0)[0], build(0)[1])  # each head has random blocks of its own
    layer = BlockSparseSelfAttention(32, 4, 8, 3, seed=0)
    assert torch.equal(layer.pattern(64 * 8 - 5).random, build(0))  # padded to 64 blocks


@pytest.mark.parametrize("num_blocks", [1, 2, 3, 4, 5, 6, 7, 9, 16])
def test_short_patterns_lose_random_blocks_they_have_no_room_for(num_blocks):
    pattern = BlockSparsePattern.build(num_blocks, 4, 2, 3, 0)
    assert pattern.random.shape == (2, max(num_blocks - 2, 0), min(3, max(num_blocks - 5, 0)))
    if num_blocks <= 4:
        assert pattern.block_mask().all()  # window and global blocks cover everything


@pytest.mark.parametrize(("num_blocks", "length"),
                         [(1, 3), (2, 8), (3, 10), (5, 20), (6, 21), (9, 36), (16, 61), (16, 64)])
def test_attention_equals_dense_attention_under_the_same_mask(num_blocks, length):
    pattern = BlockSparsePattern.build(num_blocks, 4, 3, 2, seed=1)
    query, key, value = qkv(2, 3, length)
    expected = dense_reference(query, key, value, pattern)
    actual = block_sparse_attention(query, key, value, pattern)
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


def test_a_length_not_a_multiple_of_the_block_size_is_the_padded_computation():
    pattern = BlockSparsePattern.build(12, 8, 2, 3, seed=3)
    query, key, value = qkv(1, 2, 93)  # 12 blocks of 8 hold 96 tokens
    padded = [F.pad(t, (0, 0, 0, 3)) for t in (query, key, value)]
    real = torch.arange(96)[None] < 93
    expected = block_sparse_attention(*padded, pattern, key_padding_mask=real)[:, :, :93]
    actual = block_sparse_attention(query, key, value, pattern)
    assert actual.shape == query.shape
    torch.testing.assert_close(actual, expected, atol=1e-6, rtol=1e-6)
    torch.testing.assert_close(actual, dense_reference(query, key, value, pattern),
                               atol=1e-5, rtol=1e-5)


def test_right_padded_batches_and_chunks_change_nothing():
    pattern = BlockSparsePattern.build(16, 4, 2, 2, seed=0)
    query, key, value = qkv(2, 2, 64)
    real = torch.ones(2, 64, dtype=torch.bool)
    real[1, 50:] = False  # the second sequence has 50 tokens
    expected = dense_reference(query, key, value, pattern, real).transpose(1, 2)[real]
    for chunk_tokens in (1, 12, 4096):  # 1 and 3 query blocks at a time, or all at once
        actual = block_sparse_attention(query, key, value, pattern, real,
                                        chunk_tokens=chunk_tokens)
        torch.testing.assert_close(actual.transpose(1, 2)[real], expected, atol=1e-5,
                                   rtol=1e-5)


def test_a_pattern_of_other_sizes_is_refused():
    pattern = BlockSparsePattern.build(4, 8, 2, 0, seed=0)
    with pytest.raises(ValueError, match="cannot hold"):
        block_sparse_attention(*qkv(1, 2, 40), pattern)  # 5 blocks' worth
    with pytest.raises(ValueError, match="cannot hold"):
        block_sparse_attention(*qkv(1, 3, 32), pattern)


@pytest.fixture(scope="module")
def tiny_models():
    """transformers' block-sparse BigBird (random weights) and the linear one with its weights."""
    from transformers import BigBirdConfig, BigBirdModel

    torch.manual_seed(0)
    config = BigBirdConfig(vocab_size=100, hidden_size=32, num_hidden_layers=2,
                           num_attention_heads=4, intermediate_size=64,
                           max_position_embeddings=512, attention_type="block_sparse",
                           block_size=8, num_random_blocks=2, pad_token_id=0)
    reference = BigBirdModel(config, add_pooling_layer=False).eval()
    sparse = SparseBigBirdModel(copy.deepcopy(reference), seed=5).eval()
    sparse.load_state_dict(reference.state_dict())
    return reference, sparse


def use_random_blocks_of(reference, sparse, length: int) -> None:
    """Make transformers' layers attend to the random blocks the linear layers draw for a
    ``length``-token input (in eval mode transformers has none).

    transformers asks ``_bigbird_block_rand_mask`` once per head for 1,024, 3,072 and 4,096
    tokens, and ``_bigbird_block_rand_mask_with_head`` for all heads at other lengths; both are
    replaced on the instances only.
    """
    for theirs, ours in zip(reference.encoder.layer, sparse.encoder.layer, strict=True):
        random = ours.attention.self.pattern(length).random.numpy().astype(np.int32)
        heads = itertools.cycle(random)
        attention = theirs.attention.self
        attention._bigbird_block_rand_mask = lambda *_, heads=heads, **__: next(heads)
        attention._bigbird_block_rand_mask_with_head = lambda *_, random=random, **__: list(random)


@pytest.mark.parametrize("length", [128, 123, 200])
def test_the_encoder_equals_transformers_block_sparse_bigbird_given_its_random_blocks(
        tiny_models, length):
    reference, sparse = tiny_models
    use_random_blocks_of(reference, sparse, length)
    ids = torch.randint(1, 100, (1, length), generator=torch.Generator().manual_seed(length))
    with torch.no_grad():
        expected = reference(input_ids=ids).last_hidden_state
        actual = sparse(input_ids=ids).last_hidden_state
    assert reference.attention_type == "block_sparse"  # long enough not to switch to full
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)


def test_the_encoder_on_an_odd_length_is_its_padded_computation(tiny_models):
    _, sparse = tiny_models
    ids = torch.randint(1, 100, (1, 77), generator=torch.Generator().manual_seed(0))
    padded = F.pad(ids, (0, 3))  # 80 tokens: 10 blocks of 8
    mask = (torch.arange(80) < 77).long()[None]
    with torch.no_grad():
        expected = sparse(input_ids=padded, attention_mask=mask).last_hidden_state[:, :77]
        actual = sparse(input_ids=ids).last_hidden_state
        again = sparse(input_ids=ids).last_hidden_state
    torch.testing.assert_close(actual, expected, atol=1e-5, rtol=1e-5)
    assert torch.equal(actual, again)  # a fixed pattern: the same states every time


def test_the_encoder_refuses_inputs_past_its_positions(tiny_models):
    _, sparse = tiny_models
    with pytest.raises(ValueError, match="exceed the 512 positions"):
        sparse(input_ids=torch.ones(1, 513, dtype=torch.long))
