"""Chunking: pack whole sentences into model inputs that never exceed the token budget.

Lengths are counted with the part summarizer's own tokenizer (special tokens and task prefix
included). A sentence longer than the budget is split between its words into pieces that fit;
nothing is dropped or truncated, and no word is cut (a word that no chunk can hold is an error).
Chunks keep the sentences' order and their source spans.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from recsum.config import WINDOW_TOKENS, check_reduction
from recsum.errors import RecsumError
from recsum.length import word_spans
from recsum.segment import Sentence
from recsum.tokens import TokenCounter

SEPARATOR = "\n"
# Pieces of a sentence too long for a chunk are at most this many tokens: a readable run of
# words in a summary, not a page.
PIECE_TOKENS = 64


@dataclass(frozen=True, slots=True)
class Chunk:
    """Consecutive sentences joined by newlines, with the span they cover in the source."""

    text: str
    start: int
    end: int
    first: int  # index of the first unit (sentence or sentence piece) in the chunker's input
    last: int  # index of the last unit, inclusive
    tokens: int


def content_room(tokens: TokenCounter, budget: int) -> int:
    """Tokens left for text in an input of ``budget`` tokens; an error if there are none."""
    overhead = tokens.count([""])[0]
    if budget <= overhead:
        raise RecsumError(
            f"a budget of {budget} tokens leaves no room for text: the model's special tokens "
            f"and prefix take {overhead}; raise --chunk-tokens"
        )
    return budget - overhead


def _split_long(sentence: Sentence, tokens: TokenCounter, room: int,
                limit: int) -> list[Sentence]:
    """Pieces of a too-long sentence (text without sentence boundaries: one huge line, a table,
    code): runs of whole words (:func:`~recsum.length.words`: a run of characters longer than
    any real word counts as several) of at most ``limit`` tokens; a word of more is a piece
    alone. A word of more than ``room`` tokens is an error: no model input could hold it, and
    a piece of a word is no word of the document."""
    text = sentence.text
    spans = word_spans(text)
    overhead = tokens.count([""])[0]
    sizes = [count - overhead for count in tokens.count([text[b:e] for b, e in spans])]
    pieces: list[tuple[int, int]] = []  # character spans in ``text``
    first = last = None  # the piece being filled
    count = 0
    for (begin, end), size in zip(spans, sizes, strict=True):
        if size > room:
            raise RecsumError(
                f"the word {text[begin:end][:40]!r} takes {size} tokens, more than a chunk of "
                f"{room + overhead} tokens holds ({room} after the model's special tokens); "
                f"raise chunk_tokens to {size + overhead} or more")
        if first is not None and count + size > limit:
            pieces.append((first, last))
            first, count = None, 0
        first = begin if first is None else first
        last = end
        count += size
    if first is not None:
        pieces.append((first, last))
    # Source offsets are approximate inside a sentence whose whitespace was normalized.
    return [Sentence(text[begin:end], min(sentence.start + begin, sentence.end),
                     min(sentence.start + end, sentence.end)) for begin, end in pieces]


def fit_sentences(
    sentences: Sequence[Sentence], tokens: TokenCounter, budget: int
) -> tuple[list[Sentence], list[int]]:
    """Units that each fit the budget alone (long sentences split), with their token counts."""
    room = content_room(tokens, budget)
    units: list[Sentence] = []
    counts: list[int] = []
    for sentence, count in zip(sentences, tokens.count([s.text for s in sentences]), strict=True):
        if count <= budget:
            units.append(sentence)
            counts.append(count)
            continue
        # Only the pieces are counted again.
        pieces = _split_long(sentence, tokens, room, min(room, PIECE_TOKENS))
        for piece, piece_count in zip(pieces, tokens.count([p.text for p in pieces]),
                                      strict=True):
            if piece_count <= budget:
                units.append(piece)
                counts.append(piece_count)
            else:  # its words took more tokens together than apart: one word a piece
                alone = _split_long(piece, tokens, room, 1)
                units += alone
                counts += tokens.count([word.text for word in alone])
    return units, counts


def chunk_sentences(
    sentences: Sequence[Sentence],
    tokens: TokenCounter,
    budget: int = WINDOW_TOKENS,
    overlap: int = 0,
    context_tokens: int | None = None,
) -> list[Chunk]:
    """Pack ``sentences`` greedily into chunks of at most ``budget`` tokens (long sentences are
    split first: :func:`fit_sentences`).

    With ``overlap`` > 0 each chunk after the first repeats the previous chunk's last units as
    context: at most ``overlap`` of them, at most ``context_tokens`` tokens of them, and never
    so many that no new unit fits.
    """
    units, counts = fit_sentences(sentences, tokens, budget)
    return pack_units(units, counts, tokens, budget, overlap, context_tokens)


def pack_units(
    units: Sequence[Sentence],
    counts: Sequence[int],
    tokens: TokenCounter,
    budget: int,
    overlap: int = 0,
    context_tokens: int | None = None,
) -> list[Chunk]:
    """:func:`chunk_sentences` for units that fit the budget alone, with their token counts
    already known (as one reduction level hands them to the next)."""
    check_reduction(overlap=overlap)
    overhead = tokens.count([""])[0]
    context_limit = budget if context_tokens is None else context_tokens
    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        # Greedy estimate with content counts; then the exact count of the joined text decides.
        last, estimate = first, counts[first]
        while last + 1 < len(units) and estimate + counts[last + 1] - overhead + 1 <= budget:
            last += 1
            estimate += counts[last] - overhead + 1
        while True:
            text = SEPARATOR.join(u.text for u in units[first : last + 1])
            exact = tokens.count([text])[0]
            if exact <= budget or last == first:
                break
            last -= 1
        group = units[first : last + 1]
        chunks.append(
            Chunk(text, min(u.start for u in group), max(u.end for u in group), first, last, exact)
        )
        if last + 1 >= len(units):
            break
        first = _context_start(counts, first, last, overlap, overhead, budget, context_limit)
    return chunks


def _context_start(counts: Sequence[int], first: int, last: int, overlap: int, overhead: int,
                   budget: int, context_limit: int) -> int:
    """First unit of the next chunk: up to ``overlap`` units before ``last + 1`` as context
    (never the whole previous chunk), as many as stay within ``context_limit`` tokens and leave
    room for the next unit."""
    start = last + 1
    context = 0
    while start > max(first + 1, last + 1 - overlap):
        extra = counts[start - 1] - overhead + 1
        room_left = budget - (context + extra + counts[last + 1])
        if context + extra > context_limit or room_left < 0:
            break
        start -= 1
        context += extra
    return start


@dataclass(frozen=True)
class ChunkedDocument:
    """A document as a part summarizer reads it: its units, the chunks they are packed into,
    its length in characters (for positions), the query it is read for, if any, and the chunk
    budget in tokens the chunks were packed to (None: not said)."""

    units: Sequence[Sentence]
    chunks: Sequence[Chunk]
    length: int
    query: str | None = None
    budget: int | None = None

    def own_units(self, index: int) -> range:
        """Units that chunk ``index`` reads for the first time (not its overlap context)."""
        chunk = self.chunks[index]
        first = chunk.first if index == 0 else max(chunk.first, self.chunks[index - 1].last + 1)
        return range(first, chunk.last + 1)
