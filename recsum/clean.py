"""Readable sentence text: transcript markers, hesitations and tokenizer spacing removed.

Meeting transcripts (AMI and ICSI, as QMSum ships them) carry markers such as ``{disfmarker}``
and ``{vocalsound}``, hesitations ("um", "uh"), restarts ("did {disfmarker} did it", and those
without a marker: "the the the", "on the on the", "d detailed", "the I knew", "that's that
would") and tokenized spacing ("it 's good ."); a sentence of a story may open a quotation that
the next sentence closes. Cleaning mends the text a reader sees and leaves every word that was
meant in its place; a :class:`~recsum.segment.Sentence` keeps its span in the source, so
provenance still points at the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from recsum.resources import stopwords
from recsum.segment import Sentence, split_sentences, split_speaker

# Markers of the AMI and ICSI transcripts (QMSum).
MARKERS = ("disfmarker", "vocalsound", "nonvocalsound", "gap", "pause", "comment")
_MARKER = re.compile(r"\s*\{(?:" + "|".join(MARKERS) + r")\}")
# "did {disfmarker} did it": the word (or two) before a restart said again right after it.
_RESTART = re.compile(r"(?<![\w'])([\w']+(?: [\w']+)?) \{disfmarker\} (?=\1(?![\w']))",
                      re.IGNORECASE)
# Hesitations and backchannels ("mm - hmm" as the transcripts space it), with a comma after.
_HESITATION = re.compile(
    r"(?<![\w'-])(?:m+ ?- ?h+m+|u+h ?- ?hu+h|u+m+|u+h+|uhm|h+m+|e+h+m*|e+rm+|er|mmm+|nnn+)"
    r"(?![\w'-])\s*,?",
    re.IGNORECASE,
)
# A word or two said again at once ("the the the", "on the on the"); twice is left alone for the
# words that English doubles ("had had", "that that").
_REPEATED = re.compile(r"(?<![\w'])([\w']+(?: [\w']+)?)((?: \1)+)(?![\w'])", re.IGNORECASE)
DOUBLED_IN_ENGLISH = frozenset({"had", "that", "is", "do", "very", "no", "so", "bye", "now"})
# A word begun and begun again ("d detailed"), an article said over ("an a nice"): the false
# start goes.
_FALSE_START = re.compile(r"(?<![\w'])([a-z]{1,3}) (?=\1[a-z]{2,})")
_ARTICLE_RESTART = re.compile(r"(?<![\w'])(?:a|an|the) (?=(?:a|an|the|i|we|you|he|she|they) )",
                              re.IGNORECASE)
# A contraction said over as its first word ("That's That would be", "They're they meet"); "that's
# that." at a sentence's end is meant.
_CONTRACTION_RESTART = re.compile(r"(?<![\w'])([a-z]+)'(?:s|re|ll|ve|d|m) (?=\1 [\w'])",
                                  re.IGNORECASE)
_SPACE_BEFORE = re.compile(r"\s+([,.;:?!%)\]]|n't\b|'(?:s|re|ve|ll|d|m)\b)")
# "What ? ." and "it , ." once the "Hmm" or "um" between them is gone.
_DOUBLED_PUNCTUATION = re.compile(r"(?<=[.?!])\s+[.,;:]+(?=\s|$)|[,;:]\s+(?=[.?!](?:\s|$))")
_SPACE_AFTER = re.compile(r"([(\[])\s+")
_LEADING_PUNCTUATION = re.compile(r"^(?:[,;:]|[.?!]+(?=\s))[\s,;:.?!]*")
_WORD = re.compile(r"\w")
_STRAIGHT_QUOTE = '"'


def clean_text(text: str) -> str:
    """``text`` with transcript markers, hesitations and tokenizer spacing removed, restarts
    said once, and a quotation left open (or closed) by sentence splitting balanced again.
    Empty if nothing but a speaker's name is left."""
    speaker, body = split_speaker(text)  # cleaning works on what follows the name
    capitalized = body[:1].isupper()
    body = _SPACE_BEFORE.sub(r"\1", body)
    previous = None
    while previous != body:  # "did {disfmarker} did {disfmarker} did it" needs two passes
        previous, body = body, _RESTART.sub("", body)
    body = _MARKER.sub("", body)
    body = _ARTICLE_RESTART.sub("", _REPEATED.sub(_said_once, body))
    body = _CONTRACTION_RESTART.sub("", body)
    body = _FALSE_START.sub(_begun_once, body)
    body = _DOUBLED_PUNCTUATION.sub("", _HESITATION.sub("", body))
    body = _SPACE_BEFORE.sub(r"\1", body)
    body = _SPACE_AFTER.sub(r"\1", body)
    body = _LEADING_PUNCTUATION.sub("", " ".join(body.split()))
    if capitalized and body[:1].islower():
        body = body[0].upper() + body[1:]
    return speaker + _balance_quotes(body) if _WORD.search(body) else ""


def _said_once(match: re.Match) -> str:
    """The words of a restart once, unless English says them twice ("had had")."""
    words = match.group(1)
    twice = len(match.group(2).split()) == len(words.split())
    return match.group(0) if twice and words.lower() in DOUBLED_IN_ENGLISH else words


def _begun_once(match: re.Match) -> str:
    """Nothing for a false start, unless it is a word of its own ("in interesting")."""
    start = match.group(1)
    is_word = start in ("a", "i") if len(start) == 1 else start.lower() in stopwords()
    return match.group(0) if is_word else ""


def _balance_quotes(text: str) -> str:
    """Close a quotation the sentence opens, or open one it closes. A straight quote after a
    space (or at the start) opens, any other closes."""
    unclosed = unopened = 0
    for index, char in enumerate(text):
        if char != _STRAIGHT_QUOTE:
            continue
        after_space = index == 0 or text[index - 1].isspace() or text[index - 1] in "([{—–-"
        if after_space and text[index + 1 : index + 2].strip():
            unclosed += 1
        elif unclosed:
            unclosed -= 1
        else:
            unopened += 1
    text = '"' * unopened + text + '"' * unclosed
    opened, closed = text.count("\u201c"), text.count("\u201d")
    if opened > closed:
        return text + "\u201d" * (opened - closed)
    if closed > opened:
        return "\u201c" * (closed - opened) + text
    return text


def clean_sentences(sentences: Iterable[Sentence]) -> list[Sentence]:
    """Each sentence with clean text and its source span; those left without a word dropped."""
    cleaned = (replace(sentence, text=clean_text(sentence.text)) for sentence in sentences)
    return [sentence for sentence in cleaned if sentence.text]


def readable_sentences(text: str) -> list[Sentence]:
    """The sentences every summarizer chooses from: split, then cleaned."""
    return clean_sentences(split_sentences(text))
