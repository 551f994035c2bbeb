"""Choosing the part scorer's settings on the training sets: k-fold cross-validation.

Train on all folds but one, summarize the held-out documents with the recursive reducer as the
default does, and score them with ROUGE; MiniLM reads every document once, and only the scorer
is trained once per fold (``recsum train part --cross-validate K``). Leaving one training
dataset out at a time instead (``--cross-validate datasets``) asks how the scorer serves a domain
it has never seen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from recsum.config import BY_DATASET, WINDOW_TOKENS
from recsum.errors import RecsumError
from recsum.evaluation.rouge import rouge_per_document
from recsum.length import Length, count_words
from recsum.records import Record
from recsum.reduce import RecursiveReducer
from recsum.summarizers.base import Rated
from recsum.summarizers.encoder import ChunkEncoder
from recsum.summarizers.extractive import ExtractiveSummarizer
from recsum.summarizers.familiarity import GatedScorer
from recsum.summarizers.scorer import PartScorerConfig
from recsum.training.loop import TrainingSettings
from recsum.training.part import (
    PART_TRAINING,
    part_examples,
    reader_of,
    reading_encoder,
    trained_fallback,
    trained_scorer,
    units_read_by,
)


@dataclass(frozen=True)
class FoldScores:
    """Cross-validated ROUGE F1 × 100 on one training dataset: summaries of ``words`` words,
    chosen with the given selection settings."""

    dataset: str
    documents: int
    words: int
    selection: dict
    rouge: dict[str, float]


def cross_validate(records: Sequence[Record], datasets: Sequence[str], folds: int | str,
                   settings: TrainingSettings | None = None, config: PartScorerConfig | None = None,
                   *, encoder: ChunkEncoder | None = None, chunk_tokens: int | None = None,
                   selections: Sequence[dict] = ({},), fallback: bool = False
                   ) -> list[FoldScores]:
    """Train on all folds but one, summarize the held-out documents with the recursive reducer
    as the default does, and score them.

    Scores are per dataset (``datasets[i]`` names record i's), each summary as long as that
    dataset's references are on average, for every entry of ``selections`` (``length_penalty``,
    ``context_penalty``, ``final_pool``: settings that change the choice, not the training).
    MiniLM reads every document once; only the scorer is trained ``folds`` times. With
    ``folds=BY_DATASET`` each dataset is a fold: the scorer that rates it never saw its domain.
    With ``fallback``, each fold's scorer is gated with a fallback trained on the same fold
    (:mod:`recsum.summarizers.familiarity`), as ``recsum train part --fallback`` ships it.
    """
    held_out = _folds(datasets, folds, len(records))
    settings = settings or PART_TRAINING
    encoder, config = reading_encoder(encoder, config)
    budget = chunk_tokens or min(encoder.max_tokens, WINDOW_TOKENS)
    reader = reader_of(encoder, config, budget)
    examples = part_examples(reader, records, progress=settings.progress, desc="MiniLM reads")
    if folds != BY_DATASET:
        order = np.random.default_rng(settings.seed).permutation(len(records))
        held_out = [set(order[fold::folds].tolist()) for fold in range(folds)]
    logits: dict[int, np.ndarray] = {}
    quiet = replace(settings, progress=False)
    for held in held_out:
        train = [e for i, e in enumerate(examples) if i not in held]
        scorer, _ = trained_scorer(config, train, [], quiet)
        if fallback:
            scorer = GatedScorer(scorer, trained_fallback(config, train, [], quiet,
                                                          read_tokens=budget))
        for index in held:
            vectors, features = examples[index].features
            # Only a gated scorer reads the sentences (its fallback's centrality), and segmenting
            # a document again takes about 75 ms.
            texts = ([unit.text for unit in units_read_by(reader, records[index].document)]
                     if fallback else None)
            logits[index] = scorer.rate(vectors.numpy(), features.numpy(), texts)
    results = []
    for selection in selections:
        for dataset in dict.fromkeys(datasets):
            rows = [i for i, name in enumerate(datasets) if name == dataset]
            words = mean_reference_words([records[i] for i in rows])
            summaries = summaries_from_logits(reader, [records[i] for i in rows],
                                              [logits[i] for i in rows], Length(words),
                                              replace(config, **{k: v for k, v in selection.items()
                                                                 if k != "final_pool"}),
                                              **{k: v for k, v in selection.items()
                                                 if k == "final_pool"})
            scores = rouge_per_document(summaries, [records[i].references for i in rows])
            results.append(FoldScores(dataset, len(rows), words, dict(selection), {
                name: round(100 * float(values["fmeasure"].mean()), 2)
                for name, values in scores.items()}))
    return results


def mean_reference_words(records: Sequence[Record]) -> int:
    """The mean length of ``records``' references in words: the budget they are scored at."""
    return round(float(np.mean([count_words(r) for record in records
                                for r in record.references])))


def summaries_from_logits(reader: ExtractiveSummarizer, records: Sequence[Record],
                          logits: Sequence[np.ndarray], length: Length,
                          config: PartScorerConfig, **reducer_options) -> list[str]:
    """The recursive reducer's summaries of ``records`` (for their queries, if any) from each
    one's units' logits, rated before: discounted by ``config``'s penalties, as the default
    discounts its scorer's."""
    ratings = [reader.discounted(record_logits, [u.text for u in units_read_by(
        reader, record.document)], config)
        for record, record_logits in zip(records, logits, strict=True)]
    reducer = RecursiveReducer(_Recorded(reader, ratings), chunk_tokens=reader.input_budget,
                               **reducer_options)
    return [result.summary for result in reducer.reduce_many(
        [record.document for record in records], length,
        queries=[record.query for record in records])]


def _folds(datasets: Sequence[str], folds: int | str, records: int) -> list[set[int]]:
    """Checks ``folds``; the held-out sets when each dataset is a fold (empty otherwise)."""
    if folds == BY_DATASET:
        names = list(dict.fromkeys(datasets))
        if len(names) < 2:
            raise RecsumError("leaving one dataset out needs at least two --train datasets")
        return [{i for i, name in enumerate(datasets) if name == held} for held in names]
    if not isinstance(folds, int) or not 2 <= folds <= records:
        raise RecsumError(f"cross-validation needs between 2 and {records} folds, or "
                          f"{BY_DATASET!r}, got {folds!r}")
    return []


class _Recorded:
    """A rater that gives back ratings computed before, document after document."""

    def __init__(self, reader: ExtractiveSummarizer, ratings: Sequence[np.ndarray]) -> None:
        self.name, self.input_budget, self.tokens = reader.name, reader.input_budget, reader.tokens
        self.summarize = reader.summarize
        self._ratings = list(ratings)

    def rate(self, documents, progress=None) -> list[Rated]:
        rated, self._ratings = self._ratings[: len(documents)], self._ratings[len(documents):]
        if any(len(r) != len(d.units) for r, d in zip(rated, documents, strict=True)):
            raise RuntimeError("recorded ratings do not match the reducer's sentences")
        return [Rated(ratings) for ratings in rated]
