"""Choosing sentences within a budget: the best first, what does not fit skipped, document order.

Every extractive system of recsum selects this way, as sumy's summarizers share one helper: it
rates its candidates, and :func:`select` takes the best-rated candidate that still fits the
remaining budget, again and again, then gives the choice back in document order. ``update``
re-rates the rest after each pick (the oracle's marginal ROUGE gain); ``accept`` turns a
candidate down when its turn comes (it repeats what is taken); a candidate rated at or below
``floor`` is never taken. :func:`select_sentences` is the policy of the trained default, and
:func:`taken_alone` how it shows a sentence it chose.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from recsum.segment import split_speaker

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
# Words that tie a sentence to the one before it; a summary drops all but "because"
# (:func:`taken_alone`), which leaves "Because it is cheap." a reason for nothing.
_DROPPABLE_CONNECTIVES = "but|and|so|then|yet|or|however|still|also|besides|anyway|well|now"
_CONNECTIVE = re.compile(rf"(?:{_DROPPABLE_CONNECTIVES}|because)\b", re.IGNORECASE)


def select_sentences(texts: Sequence[str], ratings: Sequence[float] | np.ndarray,
                     sizes: Sequence[int], budget: int) -> list[int]:
    """The sentences a reader gets: best-rated first, in document order, within ``budget``.

    Each sentence is judged as the summary shows it (:func:`taken_alone`). Only sentences that
    stand alone are taken (:func:`stands_alone`), never one equal to a sentence taken or whose
    word trigrams mostly repeat those taken (BERTSum's trigram blocking).
    """
    ranks = np.array(ratings, dtype=np.float64)
    capitalized, punctuated = capitalizes_sentences(texts), punctuates_sentences(texts)
    texts = [taken_alone(text) for text in texts]
    ranks[[not stands_alone(text, capitalized=capitalized, punctuated=punctuated)
           for text in texts]] = -np.inf
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


def stands_alone(text: str, *, capitalized: bool = True, punctuated: bool = False) -> bool:
    """A whole sentence a reader can take alone: not a fragment, not cut off (in a text that
    ``punctuated`` its sentences, one without a final mark is), not begun in the middle (in a
    text that ``capitalized`` its sentences), with its quotations balanced, and neither a
    heading, a table row, a lead-in to a list, a greeting nor a signpost."""
    return not (is_fragment(text) or _NOT_A_SENTENCE.search(text)
                or is_cut_off(text, punctuated=punctuated)
                or starts_mid_sentence(text, capitalized=capitalized)
                or has_unbalanced_quotes(text) or is_heading_or_row(text) or says_nothing(text))


def capitalizes_sentences(texts: Sequence[str]) -> bool:
    """Whether most of ``texts`` that begin with a letter begin with a capital: in a text
    written in lowercase throughout, a lowercase start says nothing."""
    firsts = [body[0] for body in map(_body, texts) if body[:1].isalpha()]
    return sum(first.isupper() for first in firsts) * 2 >= len(firsts)


# A text whose sentences end with a final mark this often marks the end of every sentence.
PUNCTUATED_SHARE = 2 / 3


def punctuates_sentences(texts: Sequence[str]) -> bool:
    """Whether at least :data:`PUNCTUATED_SHARE` of ``texts`` end with a final mark: in such a
    text (a story, a paper, a transcript that marks the end of what is said), a sentence without
    one was cut off ("Professor E: That would be tou", a turn interrupted)."""
    ended = sum(bool(_ENDS_SENTENCE.search(text)) for text in texts)
    return bool(texts) and ended >= PUNCTUATED_SHARE * len(texts)


# The end of a sentence: a final mark, then closing quotes or brackets.
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’)\]]*$")
# Cut at a dash ("So, the same act—.", "There is a body of law that—").
_CUT_AT_DASH = re.compile(r"[-–—][\s.,;:!?…\"'”’)\]]*$")
# Words a sentence cannot stop on: it was cut off ("I have to go to", "For example, the").
NEEDS_MORE = frozenset({
    "a", "an", "the", "to", "of", "and", "or", "but", "nor", "with", "for", "from", "into",
    "onto", "at", "by", "if", "than", "because", "whose", "my", "your", "his", "their", "our",
    "its", "whether", "although", "though", "unless", "upon", "between", "through", "during",
    "without", "within", "toward", "towards", "against", "among", "via", "per",
})
_WORDS = re.compile(r"[\w']+")


def is_cut_off(text: str, *, punctuated: bool = False) -> bool:
    """Stopped at a dash, on a lowercase letter alone ("or did she n?"), or without a final
    mark: in a text that ``punctuated`` its sentences, or on a word that needs what follows ("I
    have to go to")."""
    ended = bool(_ENDS_SENTENCE.search(text))
    if _CUT_AT_DASH.search(text) or (punctuated and not ended):
        return True
    words = _WORDS.findall(_body(text))
    if not words:
        return False
    last = words[-1]
    if len(last) == 1 and last.islower() and last.isalpha() and last not in "ai":
        return True
    return not ended and last.lower() in NEEDS_MORE


def starts_mid_sentence(text: str, *, capitalized: bool = True) -> bool:
    """Begins where no sentence begins: with a closing bracket, a dash or a comma, or (in a
    text that ``capitalized`` its sentences, outside a transcript turn, whose words may start in
    lowercase) with a lowercase letter."""
    speaker, body = split_speaker(text)
    return body[:1] in ")]}-–—,;" or (capitalized and not speaker and body[:1].islower())


def has_unbalanced_quotes(text: str) -> bool:
    """An odd number of straight double quotes, or curly ones that do not pair."""
    return text.count('"') % 2 == 1 or text.count("\u201c") != text.count("\u201d")


def is_heading_or_row(text: str) -> bool:
    """A heading ("Removal of the packages¶", "END OF TERMS AND CONDITIONS", "Jinx Ship To The
    Rescue": no final mark, every longer word capitalized) or a table row ("| a | b |")."""
    speaker, body = split_speaker(text)
    if body.startswith("|") or body.count(" | ") >= 2 or body.endswith("¶"):
        return True
    if _ENDS_SENTENCE.search(body) or speaker:
        return False
    long_words = [word for word in _WORDS.findall(body) if len(word) > 3]
    return len(long_words) >= 2 and all(word[0].isupper() for word in long_words)


# Greetings, welcomes and thanks that open or close a meeting ("Can I also welcome Siân
# Gwenllian to the meeting?", "Good morning, everyone.", "Thank you, Chair."): they say nothing
# of what the meeting is about.
_GREETING = re.compile(
    r"^(?:(?:ok(?:ay)?|right|so|and|well|yes|yeah|hi|hello),?\s+)*(?:(?:can|could|may|let) "
    r"(?:i|me|we|us) (?:also |just |first )?)?(?:welcome|good (?:morning|afternoon|evening)|"
    r"hello|hi\b|thank(?:s| you)|goodbye|bye|see you)",
    re.IGNORECASE)
# Signposts that announce the next part of a call, a meeting or a paper and say nothing of it
# ("Turning to our 2021 outlook.", "Now let's move on to Slide 12.", "We'll now go to Mr. Lee.",
# "We now turn to this analysis."): a transition, then "to" and a short phrase with no clause.
_SIGNPOST = re.compile(
    r"^(?:(?:and|so|now|okay|ok|all right|alright|well|next|finally|lastly|first|then),?\s+)*"
    r"(?:(?:(?:let's|let us|let me|i'll|i will|i'd like to|i would like to|we'll|we will|we now|"
    r"i now|we'd like to|i want to)\s+(?:(?:now|just|quickly|briefly|then)\s+)*"
    r"(?:turn|move|go|switch|shift|get|pass|hand)|turning|moving|switching|shifting|passing|"
    r"handing)(?:\s+(?:it|the call|things|the discussion|now|briefly|quickly|over|back|on))*"
    r"\s+|on\s?)to\b[^,;:]*$",
    re.IGNORECASE)
# A greeting or a signpost longer than this says something after all.
SAYS_NOTHING_WORDS = 12


def says_nothing(text: str) -> bool:
    """A short greeting, welcome, thanks or signpost (:data:`SAYS_NOTHING_WORDS` words or
    fewer): it says nothing of what the text is about."""
    body = _body(text)
    return len(body.split()) <= SAYS_NOTHING_WORDS and any(
        pattern.match(body) for pattern in (_GREETING, _SIGNPOST))


def _body(text: str) -> str:
    """What follows a transcript speaker's name (the text itself when there is none)."""
    return split_speaker(text)[1]


def is_fragment(text: str) -> bool:
    """:data:`FRAGMENT_WORDS` words or fewer, after a transcript speaker's name."""
    return len(_body(text).split()) <= FRAGMENT_WORDS


def leans_on_context(text: str) -> bool:
    """A line of dialogue, or a sentence that opens with a connective ("But I seem to recall")."""
    body = _body(text)
    return body[:1] in QUOTES or bool(_CONNECTIVE.match(body))


# Words that open a clause of their own: a connective before one of them (or before a name, or
# a comma) can go ("So we should use a kinetic battery.", "But John left.", "And so we went
# home."); "So much for that." and "Now that we have it" keep theirs.
_CLAUSE_OPENERS = ("i|we|you|he|she|they|it|there|the|a|an|my|our|your|his|her|their|these|"
                   "those|this|let's|if|when|maybe|perhaps")
_LEADING_CONNECTIVE = re.compile(
    rf"(?:{_DROPPABLE_CONNECTIVES})(?:,\s*|\s+(?=(?:{_CLAUSE_OPENERS}|{_DROPPABLE_CONNECTIVES})\b"
    r"|(?-i:[A-Z])))",
    re.IGNORECASE)


def taken_alone(text: str) -> str:
    """``text`` as a summary shows it, out of its text: without the connectives that open it
    and tie it to the sentence before ("Grad C: So we should use it." → "Grad C: We should use
    it."), its first letter kept in the case it had."""
    speaker, original = split_speaker(text)
    body = original
    while (match := _LEADING_CONNECTIVE.match(body)) and body[match.end():].strip():
        body = body[match.end():]
    if body is original:
        return text
    return speaker + (body[:1].upper() + body[1:] if original[:1].isupper() else body)


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _TOKEN.findall(text.lower())
    return set(zip(words, words[1:], words[2:], strict=False))
