"""The greedy ROUGE oracle: the best extract the references allow, and the labels models learn from.

Sentences are added one at a time, each time the one that raises the objective most, until no
sentence raises it or none fits the word budget. The objective is ROUGE's own: text tokenized
and stemmed by rouge_score, the mean of ROUGE-1 and ROUGE-2 F1, best over the references (as the
evaluation scores it). Bigrams are counted within sentences, so the objective can differ from
the evaluated score by the few bigrams that span two selected sentences. Every candidate is
scored at once with numpy over the references' n-gram vocabulary.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from recsum.errors import RecsumError
from recsum.length import count_words
from recsum.select import select
from recsum.tokens import rouge_tokens

ORDERS = (1, 2)


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def greedy_oracle(sentences: Sequence[str], references: Sequence[str], budget: int) -> list[int]:
    """Indices of the oracle's sentences, in document order."""
    references = [r for r in references if r.strip()]
    if not references:
        raise RecsumError("the oracle needs at least one non-empty reference summary")
    sentence_tokens = [rouge_tokens(s) for s in sentences]
    reference_tokens = [rouge_tokens(r) for r in references]
    sizes = np.asarray([count_words(s) for s in sentences])
    # Vocabulary: the n-grams of the references; other n-grams only add to candidate length.
    counts = [[_ngrams(tokens, n) for n in ORDERS] for tokens in reference_tokens]
    vocabulary = {gram: i for i, gram in enumerate(
        dict.fromkeys(g for per_ref in counts for per_n in per_ref for g in per_n))}
    order_of = np.asarray([len(gram) for gram in vocabulary]) if vocabulary else np.zeros(0, int)
    targets = np.zeros((len(references), len(vocabulary)), dtype=np.float32)
    for row, per_ref in enumerate(counts):
        for per_n in per_ref:
            for gram, count in per_n.items():
                targets[row, vocabulary[gram]] = count
    matrix = np.zeros((len(sentences), len(vocabulary)), dtype=np.float32)
    lengths = np.zeros((len(sentences), len(ORDERS)))
    for row, tokens in enumerate(sentence_tokens):
        for column, n in enumerate(ORDERS):
            grams = _ngrams(tokens, n)
            lengths[row, column] = sum(grams.values())
            for gram, count in grams.items():
                if gram in vocabulary:
                    matrix[row, vocabulary[gram]] = count
    reference_lengths = np.stack(
        [[max(sum(c.values()), 1) for c in per_ref] for per_ref in counts])  # (refs, orders)
    masks = [order_of == n for n in ORDERS]
    selected = np.zeros(len(vocabulary), dtype=np.float32)
    selected_lengths = np.zeros(len(ORDERS))

    def objective() -> np.ndarray:
        """The ROUGE objective of the selection with each sentence added."""
        totals = selected + matrix  # (sentences, V)
        scores = np.zeros((len(references), len(sentences)))
        for column, mask in enumerate(masks):
            overlap = np.minimum(totals[None, :, mask], targets[:, None, mask]).sum(-1)
            produced = (selected_lengths[column] + lengths[:, column])[None, :]
            precision = overlap / np.maximum(produced, 1)
            recall = overlap / reference_lengths[:, column : column + 1]
            denominator = np.where(precision + recall > 0, precision + recall, 1)
            scores += 2 * precision * recall / denominator / len(ORDERS)
        return scores.max(0)

    reached = 0.0

    def add(picked: int, gains: np.ndarray) -> np.ndarray:
        nonlocal selected, selected_lengths, reached
        reached += gains[picked]
        selected = selected + matrix[picked]
        selected_lengths = selected_lengths + lengths[picked]
        return objective() - reached

    # Rated by marginal gain: the search stops when no sentence that fits raises the objective.
    return select(objective(), sizes, budget, update=add, floor=0.0)


def oracle_labels(sentences: Sequence[str], references: Sequence[str], budget: int) -> np.ndarray:
    """1.0 for every sentence the greedy oracle takes within ``budget`` words, else 0.0."""
    labels = np.zeros(len(sentences), dtype=np.float32)
    labels[greedy_oracle(sentences, references, budget)] = 1.0
    return labels


def graded_oracle_labels(sentences: Sequence[str], references: Sequence[str], budget: int,
                         weight: float) -> np.ndarray:
    """Soft labels for a learner: for each reference, the oracle's choice at that reference's
    length, averaged over the references (what several summarizers agree on scores highest);
    at least ``weight`` for what the oracle adds given twice ``budget`` words."""
    references = [r for r in references if r.strip()]
    agreed = np.mean([oracle_labels(sentences, [reference], max(count_words(reference), 1))
                      for reference in references], axis=0)
    return np.maximum(agreed, weight * oracle_labels(sentences, references, 2 * budget))
