"""BigBird's block-sparse self-attention, computed in time and memory linear in the length.

This module owns the attention pattern (:class:`BlockSparsePattern`), its computation
(:func:`block_sparse_attention`) and the self-attention layer that projects hidden states to
queries, keys and values for it (:class:`BlockSparseSelfAttention`);
:mod:`recsum.baselines.bigbird` puts that layer into the encoder.

The pattern is BigBird-ITC's (Zaheer et al., 2020) over blocks of ``block_size`` tokens:

- the first and the last block are global: they attend to every token and every token attends
  to them;
- every other block attends to its sliding window of 3 blocks (the one before, itself, the one
  after) and to ``num_random_blocks`` random blocks per head, drawn outside its window and the
  global blocks.

The random blocks come from a fixed seed, so a document gets the same pattern every time, in
training and in eval alike. They are drawn uniformly over the whole document, as the paper
describes; transformers' implementation instead draws them from the first 11 or 16 blocks only
(its "plan"), and in eval mode uses none at all (every random slot points at block 0, which is
then counted 1 + r times in the softmax).

Cost: the two global query blocks attend to all n keys in one call of torch's fused
scaled-dot-product attention (SDPA); every other query block gathers the (3 + 2 + r) key and
value blocks it reads and attends to them in a batched SDPA call, a chunk of query blocks at a
time. Nothing of size n × n (or even (n / block_size)²) is ever built, so time and memory grow
linearly with n.

Why not FlexAttention (``torch.nn.attention.flex_attention``), measured on this project's 2-core
CPU with torch 2.13 for one layer of 12 heads of 32, blocks of 64, 3 random blocks, the same
pattern and outputs equal within 1.3e-6: compiled, it took 162 / 660 / 1,366 / 2,748 ms at
4k / 16k / 32k / 64k tokens against 215 / 636 / 1,122 / 2,204 ms here, so no faster past 4k;
its first call compiles for 2.5-8 s and needs a C++ compiler; without compiling it is quadratic
(4,096 tokens: 3.8 s and 2.9 GB); and its BlockMask must list (n / block_size)² block indices
per head (its kernel refuses a narrower one), a quadratic term of its own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

WINDOW = 3  # blocks in the sliding window: the one before, the block itself, the one after
CHUNK_TOKENS = 4096  # query tokens whose gathered keys and values are held at once


@dataclass(frozen=True, eq=False)  # eq would compare tensors
class BlockSparsePattern:
    """Which key blocks each query block of a ``num_blocks``-block sequence attends to.

    Query blocks 0 and ``num_blocks - 1`` attend to everything. Query block i in between attends
    to blocks i - 1, i, i + 1, 0, ``num_blocks - 1`` and to ``random[h, i - 1]`` in head h.
    """

    num_blocks: int
    block_size: int
    random: torch.Tensor  # (heads, max(num_blocks - 2, 0), r): random key blocks, int64

    @classmethod
    def build(cls, num_blocks: int, block_size: int, heads: int, num_random_blocks: int,
              seed: int) -> BlockSparsePattern:
        """The pattern with random blocks drawn from ``seed``: the same arguments, the same
        pattern. A short sequence gets fewer random blocks per row when fewer are left outside
        the window and the global blocks (none up to 5 blocks)."""
        if num_blocks < 1 or block_size < 1 or heads < 1 or num_random_blocks < 0:
            raise ValueError("a pattern needs at least one block, of one token, and one head")
        generator = torch.Generator().manual_seed(seed)
        random = _random_blocks(num_blocks, heads, num_random_blocks, generator)
        return cls(num_blocks, block_size, random)

    @property
    def heads(self) -> int:
        return self.random.shape[0]

    @property
    def global_blocks(self) -> list[int]:
        return [0] if self.num_blocks == 1 else [0, self.num_blocks - 1]

    def middle_blocks(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Key blocks of query blocks 1 .. ``num_blocks - 2``: indices (heads, rows, 5 + r),
        window first, then the global blocks, then the random ones; and (rows, 5 + r), False
        where a global block repeats a window block (rows 1 and ``num_blocks - 2``), which must
        count once."""
        rows = torch.arange(1, self.num_blocks - 1)
        fixed = torch.stack([rows - 1, rows, rows + 1, torch.zeros_like(rows),
                             torch.full_like(rows, self.num_blocks - 1)], dim=-1)
        blocks = torch.cat([fixed.expand(self.heads, -1, -1), self.random], dim=-1)
        unique = torch.ones(blocks.shape[1:], dtype=torch.bool)
        unique[:, WINDOW] = rows != 1  # block 0 is in row 1's window
        unique[:, WINDOW + 1] = rows != self.num_blocks - 2  # the last block, in row -2's
        return blocks, unique

    def block_mask(self) -> torch.Tensor:
        """(heads, num_blocks, num_blocks) bool, True where a query block reads a key block.

        Quadratic in the number of blocks: for tests and inspection, never for the computation.
        """
        mask = torch.zeros(self.heads, self.num_blocks, self.num_blocks, dtype=torch.bool)
        mask[:, self.global_blocks, :] = True
        if self.num_blocks > 2:
            blocks, _ = self.middle_blocks()
            rows = torch.arange(1, self.num_blocks - 1)[None, :, None].expand_as(blocks)
            heads = torch.arange(self.heads)[:, None, None].expand_as(blocks)
            mask[heads, rows, blocks] = True
        return mask


def _random_blocks(num_blocks: int, heads: int, r: int,
                   generator: torch.Generator) -> torch.Tensor:
    """(heads, num_blocks - 2, r') distinct random key blocks per row, outside the row's window
    and the global blocks; r' = r unless fewer blocks are left.

    Vectorized over rows (a loop over r only): row i draws r' distinct ranks among its
    candidates (sampling without replacement by shifting each draw past the smaller ranks
    already taken), then maps a rank to a block, skipping the window.
    """
    rows = torch.arange(1, max(num_blocks - 1, 1))
    middle = num_blocks - 2  # blocks 1 .. num_blocks - 2 are neither global nor out of range
    low = (rows - 1).clamp(min=1)  # the window's part inside the middle blocks: low .. high
    high = (rows + 1).clamp(max=num_blocks - 2)
    excluded = high - low + 1
    candidates = middle - excluded  # per row
    count = max(0, min(r, int(candidates.min()))) if len(rows) else 0
    ranks = torch.zeros(heads, len(rows), count, dtype=torch.long)
    for j in range(count):
        draw = (torch.rand(heads, len(rows), generator=generator) * (candidates - j)).long()
        for taken in torch.sort(ranks[..., :j], dim=-1).values.unbind(-1):
            draw += draw >= taken
        ranks[..., j] = draw
    blocks = ranks + 1
    return blocks + (blocks >= low[:, None]) * excluded[:, None]


def block_sparse_attention(query: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                           pattern: BlockSparsePattern,
                           key_padding_mask: torch.Tensor | None = None,
                           dropout_p: float = 0.0,
                           chunk_tokens: int = CHUNK_TOKENS) -> torch.Tensor:
    """Attention of ``query`` over ``key``/``value``, each (batch, heads, n, head_dim), in
    ``pattern``; ``n`` need not be a multiple of the block size.

    The sequence is padded to ``pattern.num_blocks`` whole blocks, padded keys are masked and
    padded queries are dropped, so the result is what the padded computation gives on the real
    tokens. ``key_padding_mask`` (batch, n) is True (or 1) at real tokens; batches must be padded
    on the right (the first block of each sequence must hold a real token). The pattern is shared
    by the batch.
    """
    batch, heads, length, dim = query.shape
    size, blocks = pattern.block_size, pattern.num_blocks
    if heads != pattern.heads or not (blocks - 1) * size < length <= blocks * size:
        raise ValueError(f"a pattern of {pattern.heads} heads and {blocks} blocks of {size} "
                         f"cannot hold {heads} heads of {length} tokens")
    padding = blocks * size - length
    real = None
    if key_padding_mask is not None or padding:
        real = (torch.ones(batch, length, dtype=torch.bool, device=query.device)
                if key_padding_mask is None else key_padding_mask.to(torch.bool))
        real = F.pad(real, (0, padding), value=False)
        query, key, value = (F.pad(t, (0, 0, 0, padding)) for t in (query, key, value))
    output = query.new_empty(batch, heads, blocks, size, dim)
    query_blocks = query.view(batch, heads, blocks, size, dim)

    # The global query blocks read every key: (2 · block_size) × n scores.
    first_last = pattern.global_blocks
    mask = None if real is None else real[:, None, None, :]
    attended = F.scaled_dot_product_attention(
        query_blocks[:, :, first_last].flatten(2, 3), key, value, attn_mask=mask,
        dropout_p=dropout_p)
    output[:, :, first_last] = attended.unflatten(2, (len(first_last), size))

    if blocks > 2:
        _attend_middle_blocks(query_blocks, key, value, real, pattern, output, dropout_p,
                              max(1, chunk_tokens // size))
    return output.flatten(2, 3)[:, :, :length]


def _attend_middle_blocks(query_blocks: torch.Tensor, key: torch.Tensor, value: torch.Tensor,
                          real: torch.Tensor | None, pattern: BlockSparsePattern,
                          output: torch.Tensor, dropout_p: float, rows_per_chunk: int) -> None:
    """Query blocks 1 .. -2 of ``output``, each over its (3 + 2 + r) gathered key blocks."""
    batch, heads, blocks, size, dim = query_blocks.shape
    # Blocks are gathered as rows of a contiguous (batch · heads · blocks, size · dim) table into
    # buffers allocated once: a fresh tensor per chunk costs more in page faults than the copy
    # (tens of MB each, which glibc maps and unmaps every time), and advanced indexing into the
    # strided heads view was slower still.
    key_rows = key.reshape(batch * heads * blocks, size * dim)
    value_rows = value.reshape(batch * heads * blocks, size * dim)
    indices, unique = (t.to(key.device) for t in pattern.middle_blocks())
    slots = indices.shape[-1]
    buffer_rows = batch * heads * min(rows_per_chunk, blocks - 2) * slots
    key_buffer = key_rows.new_empty(buffer_rows, size * dim)
    value_buffer = value_rows.new_empty(buffer_rows, size * dim)
    sequence = torch.arange(batch * heads, device=key.device).view(batch, heads, 1, 1) * blocks
    real_rows = None if real is None else real.view(batch * blocks, size)
    in_batch = torch.arange(batch, device=key.device).view(batch, 1, 1, 1) * blocks
    for start in range(0, blocks - 2, rows_per_chunk):
        stop = min(start + rows_per_chunk, blocks - 2)
        chunk = indices[:, start:stop]  # (heads, rows, slots)
        rows = stop - start
        where = (sequence + chunk).flatten()
        # SDPA's CPU kernel wants 4-D inputs, so heads and rows share one dimension.
        keys = torch.index_select(key_rows, 0, where, out=key_buffer[:len(where)])
        values = torch.index_select(value_rows, 0, where, out=value_buffer[:len(where)])
        keys = keys.view(batch, heads * rows, slots * size, dim)
        values = values.view(batch, heads * rows, slots * size, dim)
        queries = query_blocks[:, :, 1 + start:1 + stop].reshape(batch, heads * rows, size, dim)
        allowed = None  # no mask is the fastest kernel: rows without padding or repeated blocks
        if real_rows is not None or not unique[start:stop].all():
            allowed = unique[None, start:stop, :, None].expand(heads, -1, -1, size)
            if real_rows is not None:
                allowed = allowed & real_rows[(in_batch + chunk).flatten()].view(
                    batch, heads, rows, slots, size)
            allowed = allowed.reshape(-1, heads * rows, 1, slots * size)
        attended = F.scaled_dot_product_attention(queries, keys, values, attn_mask=allowed,
                                                  dropout_p=dropout_p)
        output[:, :, 1 + start:1 + stop] = attended.view(batch, heads, rows, size, dim)


class BlockSparseSelfAttention(nn.Module):
    """Self-attention over :func:`block_sparse_attention` with BigBird's projections.

    Its ``query``, ``key`` and ``value`` layers have the names and shapes of transformers'
    ``BigBirdBlockSparseAttention`` (and BERT's), so it loads their weights unchanged. The
    pattern of an n-token input is drawn from ``seed`` for ceil(n / block_size) blocks.
    """

    def __init__(self, hidden_size: int, num_heads: int, block_size: int,
                 num_random_blocks: int, seed: int, dropout: float = 0.0,
                 bias: bool = True) -> None:
        super().__init__()
        if hidden_size % num_heads:
            raise ValueError(f"hidden size {hidden_size} is not a multiple of {num_heads} heads")
        self.num_heads = num_heads
        self.head_size = hidden_size // num_heads
        self.block_size = block_size
        self.num_random_blocks = num_random_blocks
        self.seed = seed
        self.dropout = dropout
        self.query = nn.Linear(hidden_size, hidden_size, bias=bias)
        self.key = nn.Linear(hidden_size, hidden_size, bias=bias)
        self.value = nn.Linear(hidden_size, hidden_size, bias=bias)

    def pattern(self, length: int) -> BlockSparsePattern:
        """The pattern this layer uses for an input of ``length`` tokens."""
        return BlockSparsePattern.build(math.ceil(length / self.block_size), self.block_size,
                                        self.num_heads, self.num_random_blocks, self.seed)

    def forward(self, hidden_states: torch.Tensor,
                attention_mask: torch.Tensor | None = None) -> torch.Tensor:
        """(batch, n, hidden) attended states; ``attention_mask`` (batch, n): 1 at real tokens."""
        batch, length, _ = hidden_states.shape

        def heads(layer: nn.Linear) -> torch.Tensor:
            # Head-major and contiguous now, so that the token-major projection is freed at
            # once and the attention gathers blocks from it without a copy of its own.
            return layer(hidden_states).view(batch, length, self.num_heads,
                                             self.head_size).transpose(1, 2).contiguous()

        context = block_sparse_attention(
            heads(self.query), heads(self.key), heads(self.value), self.pattern(length),
            attention_mask, self.dropout if self.training else 0.0)
        return context.transpose(1, 2).reshape(batch, length, -1)
