"""Reports of an evaluation: scores.json, a markdown table, and PNG plots (matplotlib, no GUI).

ROUGE F1 grows with summary length, so the table states the word budget every system had and
each system's mean output length next to its scores, and its time per document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from recsum import quirks
from recsum.evaluation.predictions import read_predictions
from recsum.evaluation.readability import Readability, readability
from recsum.evaluation.rouge import (
    ROUGE_TYPES,
    Evaluation,
    align_predictions,
    evaluate_summaries,
)
from recsum.length import count_words
from recsum.records import Record

LABELS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L", "rougeLsum": "ROUGE-Lsum"}


@dataclass(frozen=True)
class SystemScores:
    """One system's evaluation with what it takes to read it fairly: length and time."""

    label: str
    system: str
    evaluation: Evaluation
    mean_words: float
    seconds_per_document: float | None
    input_words: tuple[int, ...]
    budget_words: int | None
    readability: Readability
    # Where a query's summary had a budget of its own (a pipeline's query_max_words): that budget.
    query_budget_words: int | None = None
    # Which documents carry a query (a pooled protocol reports each task apart as well).
    with_query: tuple[bool, ...] = ()

    def to_dict(self) -> dict:
        return {"label": self.label, "system": self.system, "budget_words": self.budget_words,
                "query_budget_words": self.query_budget_words,
                "mean_words": self.mean_words,
                "seconds_per_document": self.seconds_per_document,
                "input_words": list(self.input_words),
                "readability": asdict(self.readability), **self.evaluation.to_dict()}


def score_predictions(predictions: str | Path | Mapping[str, dict], records: Sequence[Record],
                      *, label: str | None = None, bootstrap: int = 1000, seed: int = 0,
                      precision_recall: bool = False) -> SystemScores:
    """Score a predictions file (or its lines by id) against ``records``; the ids must match
    theirs exactly."""
    if isinstance(predictions, Mapping):
        rows, source, name = predictions, "predictions", "predictions"
    else:
        rows, source, name = read_predictions(predictions), str(predictions), Path(predictions).stem
    ids = [r.id for r in records]
    ordered = align_predictions({key: row["summary"] for key, row in rows.items()}, ids,
                                source=source)
    evaluation = evaluate_summaries(ids, ordered, [r.references for r in records],
                                    bootstrap=bootstrap, seed=seed,
                                    precision_recall=precision_recall)
    seconds = [rows[i]["seconds"] for i in ids if isinstance(rows[i].get("seconds"), int | float)]
    systems = sorted({str(rows[i].get("system", "")) for i in ids} - {""})
    with_query = tuple(r.query is not None for r in records)
    generic_budget = _budget(rows, [r.id for r in records if r.query is None])
    query_budget = _budget(rows, [r.id for r in records if r.query is not None])
    pooled = generic_budget is not None and query_budget is not None
    return SystemScores(
        label=label or name,
        system=", ".join(systems) or name,
        evaluation=evaluation,
        mean_words=float(np.mean([count_words(s) for s in ordered])),
        seconds_per_document=float(np.mean(seconds)) if len(seconds) == len(ids) else None,
        input_words=tuple(count_words(r.document) for r in records),
        budget_words=generic_budget if generic_budget is not None else query_budget,
        readability=readability(ordered),
        query_budget_words=query_budget if pooled and query_budget != generic_budget else None,
        with_query=with_query,
    )


def _budget(rows: Mapping[str, dict], ids: Sequence[str]) -> int | None:
    """The word budget the lines of ``ids`` share, or None when they differ, were made in
    other units, or there are none."""
    budgets = {json.dumps((rows[i].get("settings") or {}).get("length")) for i in ids}
    length = json.loads(budgets.pop()) if len(budgets) == 1 else None
    return int(length["value"]) if length and length.get("unit") == "words" else None




def budget_words(results: Sequence[SystemScores]) -> int | None:
    """The word budget all systems shared, or None when it differs or was not recorded."""
    budgets = {(r.budget_words, r.query_budget_words) for r in results}
    return budgets.pop()[0] if len(budgets) == 1 else None


def _budget_text(result: SystemScores) -> str:
    if result.query_budget_words is None:
        return str(result.budget_words or "unknown")
    return f"{result.budget_words} (a query's summary: {result.query_budget_words})"


def markdown_table(results: Sequence[SystemScores]) -> str:
    """The scores table, with the budget stated above it and P/R tables when they were asked for."""
    first = results[0].evaluation
    ci = (f"[{first.confidence:.0%} bootstrap CI, {first.bootstrap} resamples]" if first.bootstrap
          else "(no bootstrap)")
    shared = budget_words(results)
    if shared is not None:
        budget = f"{_budget_text(results[0])} words per summary, the same for every system"
    else:
        budget = "NOT the same for every system (" + ", ".join(
            f"{r.label}: {_budget_text(r)}" for r in results) + "), so ROUGE differs"
    lines = [
        f"Word budget: {budget}. ROUGE F1 × 100, mean over documents {ci}; Porter stemming, "
        "rougeLsum with one sentence per line, best reference per document.",
        "",
        "| System | Docs | " + " | ".join(LABELS[t] for t in ROUGE_TYPES)
        + " | Mean words | Seconds/doc |",
        "|---" * (len(ROUGE_TYPES) + 4) + "|",
    ]
    for result in results:
        scores = result.evaluation.scores
        seconds = ("n/a" if result.seconds_per_document is None
                   else f"{result.seconds_per_document:.2f}")
        lines.append(f"| {result.label} | {len(result.evaluation.ids)} | "
                     + " | ".join(str(scores[t].f1) for t in ROUGE_TYPES)
                     + f" | {result.mean_words:.1f} | {seconds} |")
    lines += ["", "Readability: summary sentences (recsum's splitter) that repeat one before them "
              "in the same summary, carry a transcript marker, have three words or fewer (a "
              "speaker's name not counted), are cut off (at a dash, mid-word, or on a word such "
              "as \"the\" or \"to\" with no final mark, or without a final mark in a summary "
              "whose sentences mostly end with one), begin mid-sentence (in lowercase, with "
              "a bracket or a dash), leave a quotation open or closed, or open with dialogue or "
              "a connective (\"But ...\").",
              "",
              "| System | Sentences | Duplicates | With markers | ≤ 3 words | Cut off | "
              "Mid-sentence start | Unbalanced quotes | Leaning on context |",
              "|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        counts = result.readability
        shown = [counts.duplicates, counts.with_markers, counts.fragments, counts.cut_off,
                 counts.mid_sentence, counts.unbalanced_quotes, counts.leaning_on_context]
        lines.append(f"| {result.label} | {counts.sentences} | " + " | ".join(
            f"{count} ({counts.share(count):.1%})" if count else "0" for count in shown) + " |")
    for field in ("precision", "recall"):
        if getattr(first.scores[ROUGE_TYPES[0]], field) is None:
            continue
        lines += ["", f"{field.capitalize()} × 100:", "",
                  "| System | " + " | ".join(LABELS[t] for t in ROUGE_TYPES) + " |",
                  "|---" * (len(ROUGE_TYPES) + 1) + "|"]
        lines += [f"| {r.label} | " + " | ".join(str(getattr(r.evaluation.scores[t], field))
                                                  for t in ROUGE_TYPES) + " |" for r in results]
    return "\n".join(lines) + "\n"


def write_scores(path: str | Path, results: Sequence[SystemScores]) -> Path:
    """scores.json: every system's aggregates, CIs, per-document F1, length and time."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"budget_words": budget_words(results),
               "systems": {r.label: r.to_dict() for r in results}}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def plot_scores(path: Path, results: Sequence[SystemScores]) -> Path:
    """Grouped bars: ROUGE F1 per type and system, with the confidence interval as error bars."""
    figure = quirks.figure(figsize=(8, 4.5))
    axes = figure.subplots()
    width = 0.8 / len(results)
    positions = np.arange(len(ROUGE_TYPES))
    for index, result in enumerate(results):
        intervals = [result.evaluation.scores[t].f1 for t in ROUGE_TYPES]
        means = np.array([100 * i.mean for i in intervals])
        errors = None
        if intervals[0].low is not None:
            errors = np.array([[100 * (i.mean - i.low) for i in intervals],
                               [100 * (i.high - i.mean) for i in intervals]])
        axes.bar(positions + (index - (len(results) - 1) / 2) * width, means, width,
                 yerr=errors, capsize=3, label=result.label)
    axes.set_xticks(positions, [LABELS[t] for t in ROUGE_TYPES])
    axes.set_ylabel("F1 × 100")
    axes.set_title("ROUGE per system (95% bootstrap CI)")
    axes.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


def plot_length(path: Path, results: Sequence[SystemScores]) -> Path:
    """Per-document ROUGE F1 against document length, one panel per ROUGE type."""
    figure = quirks.figure(figsize=(9, 7))
    axes = figure.subplots(2, 2, sharex=True)
    for axis, rouge_type in zip(axes.flat, ROUGE_TYPES, strict=True):
        for result in results:
            axis.scatter(result.input_words, np.array(result.evaluation.per_document[rouge_type])
                         * 100, s=14, alpha=0.7, label=result.label)
        axis.set_title(LABELS[rouge_type])
        axis.set_ylabel("F1 × 100")
    for axis in axes[1]:
        axis.set_xlabel("document length (words)")
    axes[0][0].legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


# Documents are grouped into this many buckets of (nearly) equal size by their length.
LENGTH_BUCKETS = 3


def length_buckets(input_words: Sequence[int], buckets: int = LENGTH_BUCKETS
                   ) -> list[np.ndarray]:
    """Document indices grouped by length, shortest first: equal-count groups (documents of one
    length stay together, so groups may differ by the repeats of a document asked several
    questions)."""
    words = np.asarray(input_words)
    distinct = np.unique(words)
    groups = [group for group in np.array_split(distinct, min(buckets, len(distinct)))
              if len(group)]
    return [np.flatnonzero(np.isin(words, group)) for group in groups]


def length_table(results: Sequence[SystemScores], buckets: int = LENGTH_BUCKETS) -> str:
    """ROUGE-1 and ROUGE-2 F1 × 100 of every system on the documents grouped by length: does a
    system lose more than the others as documents grow?"""
    words = results[0].input_words
    groups = {f"{min(words[i] for i in g):,}–{max(words[i] for i in g):,} words ({len(g)})": g
              for g in length_buckets(words, buckets)}
    return group_table(results, groups,
                       "ROUGE-1 / ROUGE-2 F1 × 100 by document length: the documents split "
                       "into groups of nearly equal size, shortest first (documents in each).")


def task_table(results: Sequence[SystemScores]) -> str:
    """ROUGE-1 and ROUGE-2 F1 × 100 on the generic task and on the query tasks apart, when the
    documents hold both (a dataset's protocol pools them); empty otherwise."""
    with_query = np.asarray(results[0].with_query, dtype=bool)
    if not with_query.any() or with_query.all():
        return ""
    groups = {f"generic ({int((~with_query).sum())})": np.flatnonzero(~with_query),
              f"with a query ({int(with_query.sum())})": np.flatnonzero(with_query)}
    return group_table(results, groups,
                       "ROUGE-1 / ROUGE-2 F1 × 100 by task (summaries in each): the pooled "
                       "scores above are the mean over all of them.")


def group_table(results: Sequence[SystemScores], groups: Mapping[str, np.ndarray],
                caption: str) -> str:
    """A markdown table of every system's mean ROUGE-1 / ROUGE-2 F1 × 100 over each group of
    documents (``groups``: column header → document indices), under ``caption``."""
    lines = ["| System | " + " | ".join(groups) + " |", "|---" * (len(groups) + 1) + "|"]
    for result in results:
        cells = []
        for group in groups.values():
            r1, r2 = (100 * float(np.mean(np.asarray(result.evaluation.per_document[t])[group]))
                      for t in ("rouge1", "rouge2"))
            cells.append(f"{r1:.2f} / {r2:.2f}")
        lines.append(f"| {result.label} | " + " | ".join(cells) + " |")
    return "\n".join([caption, "", *lines, ""])


@dataclass(frozen=True)
class PublishedScores:
    """A figure another system's paper reports on the same data in the same protocol: read
    beside the systems run here, never computed here."""

    label: str
    source: str
    scores: Mapping[str, float]  # ROUGE type -> F1 × 100, the types the paper gives


def published_table(published: Sequence[PublishedScores]) -> str:
    """The published figures, as their papers report them (a dash where a paper gives none)."""
    if not published:
        return ""
    lines = ["Published figures on the same data and protocol (other systems, not run here; "
             "F1 × 100 as their papers report them):", "",
             "| System | " + " | ".join(LABELS[t] for t in ROUGE_TYPES) + " | Source |",
             "|---" * (len(ROUGE_TYPES) + 2) + "|"]
    for row in published:
        cells = [f"{row.scores[t]:.2f}" if t in row.scores else "–" for t in ROUGE_TYPES]
        lines.append(f"| {row.label} (published) | " + " | ".join(cells) + f" | {row.source} |")
    return "\n".join(lines) + "\n"


def plot_length_buckets(path: Path, results: Sequence[SystemScores],
                        buckets: int = LENGTH_BUCKETS) -> Path:
    """Mean ROUGE-1 per length group, one line per system, against the group's median length."""
    words = np.asarray(results[0].input_words)
    groups = length_buckets(words, buckets)
    figure = quirks.figure(figsize=(7, 4.5))
    axis = figure.subplots()
    middles = [float(np.median(words[g])) for g in groups]
    for result in results:
        scores = np.asarray(result.evaluation.per_document["rouge1"])
        axis.plot(middles, [100 * float(scores[g].mean()) for g in groups], marker="o",
                  label=result.label)
    axis.set_xscale("log")
    axis.set_xlabel("document length, median of the group (words)")
    axis.set_ylabel("ROUGE-1 F1 × 100")
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    return path


def write_report(directory: str | Path, results: Sequence[SystemScores], *, title: str,
                 commands: Sequence[str] = (),
                 published: Sequence[PublishedScores] = ()) -> Path:
    """report.md with the tables (the published figures beside them, if any) and the plots,
    plus scores.json, in ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    write_scores(directory / "scores.json", results)
    plot_scores(directory / "rouge.png", results)
    plot_length(directory / "rouge_vs_length.png", results)
    plot_length_buckets(directory / "rouge_by_length.png", results)
    tables = [markdown_table(results), published_table(published), task_table(results),
              length_table(results)]
    body = [f"# {title}", "", *(table for table in tables if table)]
    if commands:
        body += ["Produced by:", "", "```", *commands, "```", ""]
    body += ["![ROUGE per system](rouge.png)", "",
             "![ROUGE against document length](rouge_vs_length.png)", "",
             "![ROUGE-1 by document length](rouge_by_length.png)", ""]
    report = directory / "report.md"
    report.write_text("\n".join(body), encoding="utf-8")
    return report
