"""What ROUGE does not see: counts of summary sentences that a reader stumbles on.

Each summary is split into sentences with the project's splitter (as ROUGE-Lsum is), then
counted: sentences that repeat one earlier in the same summary, sentences that still carry a
transcript marker (``{disfmarker}``, ``{vocalsound}``...), fragments of three words or fewer (a
speaker's name not counted), sentences cut off (at a dash, mid-word, on "the" or "to", or
without a final mark among sentences that mostly end with one), begun
mid-sentence (lowercase, a bracket or a dash first), with a quotation left open or closed, and
sentences that lean on what came before them (dialogue, "But").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from recsum.clean import MARKERS
from recsum.segment import split_sentences
from recsum.select import (
    capitalizes_sentences,
    has_unbalanced_quotes,
    is_cut_off,
    is_fragment,
    leans_on_context,
    punctuates_sentences,
    starts_mid_sentence,
)

_MARKER = re.compile(r"\{(?:" + "|".join(MARKERS) + r")\}")


@dataclass(frozen=True)
class Readability:
    """Counts over all summaries of a system."""

    sentences: int
    duplicates: int
    with_markers: int
    fragments: int  # three words or fewer, a speaker's name not counted
    leaning_on_context: int
    cut_off: int = 0
    mid_sentence: int = 0
    unbalanced_quotes: int = 0

    def share(self, count: int) -> float:
        return count / self.sentences if self.sentences else 0.0


def readability(summaries: Sequence[str]) -> Readability:
    sentences = duplicates = with_markers = fragments = leaning = cut = mid = unbalanced = 0
    for summary in summaries:
        seen: set[str] = set()
        texts = [sentence.text for sentence in split_sentences(summary)]
        capitalized, punctuated = capitalizes_sentences(texts), punctuates_sentences(texts)
        for text in texts:
            normalized = " ".join(text.lower().split())
            sentences += 1
            duplicates += normalized in seen
            seen.add(normalized)
            with_markers += bool(_MARKER.search(text))
            fragments += is_fragment(text)
            leaning += leans_on_context(text)
            cut += is_cut_off(text, punctuated=punctuated)
            mid += starts_mid_sentence(text, capitalized=capitalized)
            unbalanced += has_unbalanced_quotes(text)
    return Readability(sentences, duplicates, with_markers, fragments, leaning, cut, mid,
                       unbalanced)
