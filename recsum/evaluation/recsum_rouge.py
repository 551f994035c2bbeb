"""ROUGE as a local ``evaluate`` metric module, loadable offline with ``evaluate.load(<path>)``.

``evaluate.load("rouge")`` fetches its script from the hub; this file is self-contained (it is
copied into evaluate's module cache) and computes per-document scores with ``rouge_score``.
Several references per prediction: the best one per ROUGE type, by F1 (``score_multi``).
For rougeLsum, sentences must already be separated by newlines.
"""

import datasets
import evaluate
from rouge_score import rouge_scorer

_DESCRIPTION = """ROUGE-N and ROUGE-L(sum) by Google's rouge_score package, one score per document:
precision, recall and F1, against the best of several references."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of predicted summaries (sentences separated by newlines for rougeLsum).
    references: list of references per prediction (a string, or a list of strings).
    rouge_types: ROUGE types, e.g. ["rouge1", "rouge2", "rougeL", "rougeLsum"].
    use_stemmer: Porter stemming, default True.
Returns:
    {rouge_type: {"precision": [...], "recall": [...], "fmeasure": [...]}}, one value per document.
"""

_CITATION = """@inproceedings{lin-2004-rouge,
  title = "{ROUGE}: A Package for Automatic Evaluation of Summaries", author = "Lin, Chin-Yew",
  booktitle = "Text Summarization Branches Out", year = "2004"}"""

@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS_DESCRIPTION)
class RecsumRouge(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation=_CITATION,
            inputs_description=_KWARGS_DESCRIPTION,
            features=[
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Sequence(datasets.Value("string"))}),
                datasets.Features({"predictions": datasets.Value("string"),
                                   "references": datasets.Value("string")}),
            ],
            codebase_urls=["https://github.com/google-research/google-research/tree/master/rouge"],
        )

    def _compute(self, predictions, references, rouge_types, use_stemmer=True):
        scorer = rouge_scorer.RougeScorer(rouge_types, use_stemmer=use_stemmer)
        result = {t: {"precision": [], "recall": [], "fmeasure": []} for t in rouge_types}
        for prediction, targets in zip(predictions, references, strict=True):
            if isinstance(targets, str):
                targets = [targets]
            scores = scorer.score_multi(targets, prediction)
            for rouge_type in rouge_types:
                for field in ("precision", "recall", "fmeasure"):
                    result[rouge_type][field].append(getattr(scores[rouge_type], field))
        return result
