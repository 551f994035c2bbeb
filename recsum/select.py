"""Choosing sentences within a budget: the best first, what does not fit skipped, document order.

Every extractive system of recsum selects this way, as sumy's summarizers share one helper: it
rates its candidates, and :func:`select` takes the best-rated candidate that still fits the
remaining budget, again and again, then gives the choice back in document order. ``update``
re-rates the rest after each pick (the oracle's marginal ROUGE gain); ``accept`` turns a
candidate down when its turn comes (it repeats what is taken); a candidate rated at or below
``floor`` is never taken. :func:`select_sentences` is the policy of the trained default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from recsum.segment import TURN

Update = Callable[[int, np.ndarray], np.ndarray]


def select(ratings: Sequence[float] | np.ndarray, sizes: Sequence[int], budget: int, *,
           update: Update | None = None, accept: Callable[[int], bool] | None = None,
           floor: float = -np.inf) -> list[int]:
    """Indices of the chosen candidates, in document order.

    ``sizes`` are in the budget's unit. Ties go to the earlier candidate. ``update(picked,
    ratings)`` returns the ratings for the next pick (it may change them in place); without it
    the ratings stay as given. A candidate that ``accept(index)`` refuses is skipped for good.
    """
    current = np.array(ratings, dtype=np.float64)
    sizes_array = np.asarray(sizes, dtype=np.int64)
    if current.shape != sizes_array.shape:
        raise ValueError(f"{len(current)} ratings for {len(sizes_array)} sizes")
    available = (sizes_array <= budget) & (current > floor)
    chosen: list[int] = []
    remaining = budget
    while available.any():
        best = int(np.argmax(np.where(available, current, -np.inf)))
        if current[best] <= floor:
            break
        available[best] = False
        if accept is not None and not accept(best):
            continue
        chosen.append(best)
        remaining -= int(sizes_array[best])
        available &= sizes_array <= remaining
        if update is not None:
            current = update(best, current)
            available &= current > floor
    return sorted(chosen)


# A sentence of this many words or fewer cannot stand alone ("Yeah.", "Right, OK."); in a
# transcript the speaker's name does not count ("User Interface: Hi there." is a fragment).
FRAGMENT_WORDS = 3
# Nor can a heading, or a line that introduces what follows it ("The review found that:").
_NOT_A_SENTENCE = re.compile(r"^#{1,6}\s|:\s*$")
# A sentence whose word trigrams are mostly among those already taken repeats what is taken.
REDUNDANT_TRIGRAMS = 0.5
_TOKEN = re.compile(r"\w+")
QUOTES = "\"'\u201c\u2018"
# Words that tie a sentence to the one before it.
_CONNECTIVE = re.compile(r"(?:but|and|so|then|yet|or|because|however|still|also|besides|anyway|"
                         r"well|now)\b", re.IGNORECASE)


def select_sentences(texts: Sequence[str], ratings: Sequence[float] | np.ndarray,
                     sizes: Sequence[int], budget: int) -> list[int]:
    """The sentences a reader gets: best-rated first, in document order, within ``budget``.

    Only sentences that stand alone are taken (:func:`stands_alone`), never one equal to a
    sentence taken or whose word trigrams mostly repeat those taken (BERTSum's trigram blocking).
    """
    ranks = np.array(ratings, dtype=np.float64)
    ranks[[not stands_alone(text) for text in texts]] = -np.inf
    taken_texts: set[str] = set()
    taken_trigrams: set[tuple[str, ...]] = set()

    def fresh(index: int) -> bool:
        normalized = " ".join(texts[index].lower().split())
        trigrams = _trigrams(texts[index])
        overlap = len(trigrams & taken_trigrams) / len(trigrams) if trigrams else 0.0
        if normalized in taken_texts or overlap > REDUNDANT_TRIGRAMS:
            return False
        taken_texts.add(normalized)
        taken_trigrams.update(trigrams)
        return True

    return select(ranks, sizes, budget, accept=fresh)


def stands_alone(text: str) -> bool:
    """Not a fragment, and neither a heading nor a lead-in to a list."""
    return not is_fragment(text) and not _NOT_A_SENTENCE.search(text)


def is_fragment(text: str) -> bool:
    """:data:`FRAGMENT_WORDS` words or fewer, after a transcript speaker's name."""
    return len(TURN.sub("", text, count=1).split()) <= FRAGMENT_WORDS


def leans_on_context(text: str) -> bool:
    """A line of dialogue, or a sentence that opens with a connective ("But I seem to recall")."""
    body = text[TURN.match(text).end():] if TURN.match(text) else text
    return body[:1] in QUOTES or bool(_CONNECTIVE.match(body))


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _TOKEN.findall(text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))
