"""Pipelines and the evaluate/run commands: parse, batch, evaluate, report; resumable."""

import json
from pathlib import Path

import pytest
from fakes import PrefixSummarizer

from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.evaluation.predictions import read_predictions
from recsum.experiments.pipeline import load_pipeline, run_pipeline

PIPELINE = """
name = "tiny"
[dataset]
path = "{dataset}"
[length]
max_words = 15
[[systems]]
kind = "recursive"
[[systems]]
kind = "recursive"
label = "short-chunks"
chunk_tokens = 40
[evaluation]
bootstrap = 50
precision_recall = true
[output]
dir = "{output}"
"""


@pytest.fixture
def dataset(tmp_path):
    path = tmp_path / "d.jsonl"
    rows = [{"id": f"d{i}", "text": " ".join(f"Topic {i} sentence {k} says something new."
                                               for k in range(12 * (i + 1))),
             "summary": [f"Topic {i} sentence 0 says something.", "Another reference."]}
            for i in range(4)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def write_pipeline(tmp_path, dataset, text=PIPELINE, suffix=".toml"):
    path = tmp_path / f"p{suffix}"
    path.write_text(text.format(dataset=dataset, output=tmp_path / "out"), encoding="utf-8")
    return path


def test_the_shipped_pipelines_parse_with_their_budgets():
    squality = load_pipeline("pipelines/squality-dev.toml")
    qmsum = load_pipeline("pipelines/qmsum-val.toml")
    assert (squality.max_words, squality.dataset.adapter) == (400, "squality")
    assert (qmsum.max_words, qmsum.dataset.adapter) == (110, "qmsum")
    assert [s.kind for s in squality.systems] == [s.kind for s in qmsum.systems] == ["recursive"]
    assert squality.predictions_path(squality.systems[0]).as_posix() == \
        "outputs/squality-dev/predictions/recursive.jsonl"


def test_a_pipeline_runs_batch_evaluate_and_report_then_resumes(tmp_path, dataset):
    pipeline = load_pipeline(write_pipeline(tmp_path, dataset))
    result = run_pipeline(pipeline, progress=False, commands=["recsum run p.toml"],
                          part_summarizer=PrefixSummarizer(64))
    out = tmp_path / "out"
    for name in ("recursive", "short-chunks"):
        assert len((out / "predictions" / f"{name}.jsonl").read_text().splitlines()) == 4
    for name in ("report.md", "scores.json", "rouge.png", "rouge_vs_length.png"):
        assert (out / name).stat().st_size > 0
    report = result.report.read_text(encoding="utf-8")
    assert "Word budget: 15 words per summary, the same for every system" in report
    assert "| short-chunks | 4 |" in report and "Precision × 100" in report
    assert "recsum run p.toml" in report
    scores = json.loads((out / "scores.json").read_text())
    assert scores["budget_words"] == 15
    system = scores["systems"]["recursive"]
    assert system["mean_words"] <= 15 and system["documents"] == 4
    assert system["rouge"]["rouge1"]["f1"]["low"] <= system["rouge"]["rouge1"]["f1"]["mean"]
    assert len(system["per_document"]["rouge2"]) == 4
    before = (out / "predictions" / "recursive.jsonl").read_bytes()
    # Nothing left to do: the same predictions.
    again = run_pipeline(pipeline, progress=False, part_summarizer=PrefixSummarizer(64))
    assert (out / "predictions" / "recursive.jsonl").read_bytes() == before
    assert again.scores == result.scores


def test_yaml_pipelines_work_too(tmp_path, dataset):
    yaml_text = ("name: tiny\ndataset: {{path: '{dataset}'}}\nlength: {{max_words: 15}}\n"
                 "systems: [{{kind: recursive}}]\nevaluation: {{bootstrap: 0}}\n"
                 "output: {{dir: '{output}'}}\n")
    pipeline = load_pipeline(write_pipeline(tmp_path, dataset, yaml_text, ".yaml"))
    result = run_pipeline(pipeline, progress=False, part_summarizer=PrefixSummarizer(64))
    assert result.scores[0].evaluation.scores["rouge1"].f1.low is None


@pytest.mark.parametrize(("change", "message"), [
    (("[length]\nmax_words = 15", "[length]\nmax_words = 0"), "max_words"),
    (("[length]", "[lenght]"), "unknown key"),
    (('label = "short-chunks"', 'label = "recursive"'), "several systems are labelled"),
    (('kind = "recursive"\nlabel', 'kind = "nope"\nlabel'), "kind = one of"),
    (("bootstrap = 50", "bootstraps = 50"), r"unknown \[evaluation\] key"),
    (('path = "', 'paths = "'), r"unknown \[dataset\] key"),
    (("[output]", "[output"), "invalid TOML"),
    (("[output]", '[batch]\nengine = "spark"\n[output]'), "unknown engine 'spark'"),
    (("[output]", "[ray]\nconcurrency = 2\n[output]"), "concurrency: only the ray engine"),
    (("[output]", '[batch]\nengine = "ray"\n[ray]\nactors = 2\n[output]'),
     "unknown Ray engine option"),
])
def test_pipeline_mistakes_are_one_line_errors(tmp_path, dataset, change, message):
    path = write_pipeline(tmp_path, dataset, PIPELINE.replace(*change))
    with pytest.raises(RecsumError, match=message) as error:
        load_pipeline(path)
    assert "\n" not in str(error.value)


def test_evaluate_prints_the_table_writes_json_and_refuses_mismatched_ids(tmp_path, dataset,
                                                                         capsys):
    predictions = tmp_path / "preds.jsonl"
    predictions.write_text("".join(json.dumps({"id": f"d{i}", "summary": f"Topic {i} says."})
                                   + "\n" for i in range(4)), encoding="utf-8")
    code = main(["evaluate", "--predictions", str(predictions), "--references", str(dataset),
                 "--bootstrap", "20", "--report", str(tmp_path / "report")])
    out = capsys.readouterr().out
    assert code == 0
    assert "| preds | 4 |" in out and "ROUGE-Lsum" in out
    assert json.loads((tmp_path / "preds.scores.json").read_text())["systems"]["preds"]
    assert (tmp_path / "report" / "rouge.png").exists()

    predictions.write_text(json.dumps({"id": "zz", "summary": "x"}) + "\n", encoding="utf-8")
    assert main(["evaluate", "--predictions", str(predictions), "--references",
                 str(dataset)]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error
    assert "1 id(s) not in the references ('zz')" in error
    assert "4 reference id(s) without a prediction ('d0', 'd1', 'd2', 'd3')" in error


def test_a_missing_trained_model_fails_before_any_system_runs(tmp_path, dataset):
    text = PIPELINE + '[[systems]]\nkind = "lstm"\npath = "{output}/no-model"\n'
    pipeline = load_pipeline(write_pipeline(tmp_path, dataset, text))
    with pytest.raises(RecsumError, match=r"recsum train lstm --output \S+ --train squality:"):
        run_pipeline(pipeline, progress=False, part_summarizer=PrefixSummarizer(64))
    assert not (tmp_path / "out" / "predictions").exists()


def test_query_tasks_are_refused_for_systems_without_a_query(tmp_path, data_dir, capsys):
    code = main(["batch", str(data_dir / "squality" / "dev.jsonl"), "--adapter", "squality",
                 "--tasks", "query", "--system", "lead", "-o", str(tmp_path / "p.jsonl")])
    assert code == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "summarizes without a query" in error


QUERY_PIPELINE = """
name = "q"
[dataset]
path = "{dataset}"
adapter = "squality"
tasks = "query"
limit = 1
[length]
max_words = 20
[[systems]]
kind = "recursive"
[[systems]]
kind = "recursive"
label = "blind"
ignore_query = true
[[systems]]
kind = "lead"
ignore_query = true
[evaluation]
bootstrap = 0
[output]
dir = "{output}"
"""


def test_query_tasks_reach_the_systems_that_take_them_and_blind_ones_are_said(tmp_path,
                                                                             data_dir):
    from fakes import RatingSummarizer

    path = tmp_path / "q.toml"
    path.write_text(QUERY_PIPELINE.format(dataset=data_dir / "squality" / "dev.jsonl",
                                          output=tmp_path / "out"), encoding="utf-8")
    pipeline = load_pipeline(path)
    assert [s.ignore_query for s in pipeline.systems] == [False, True, True]
    part = RatingSummarizer(64)
    run_pipeline(pipeline, progress=False, part_summarizer=part)
    predictions = tmp_path / "out" / "predictions"
    focused = read_predictions(predictions / "recursive.jsonl")
    blind = read_predictions(predictions / "blind.jsonl")
    assert len(focused) == 4 and {row["query"] for row in focused.values()} == {
        row["query"] for row in blind.values()}
    assert all(row["settings"]["queries"] for row in focused.values())
    assert not any("queries" in row["settings"] for row in blind.values())
    # The fake rater lifts sentences holding the query's first word: only with the query.
    assert len({row["summary"] for row in blind.values()}) == 1
    assert len({row["summary"] for row in focused.values()}) > 1


@pytest.mark.parametrize("path", sorted(Path("pipelines").glob("*.toml")), ids=lambda p: p.stem)
def test_every_shipped_pipeline_parses(path):
    pipeline = load_pipeline(path)
    assert pipeline.systems and pipeline.max_words > 0
    partner = Path("pipelines") / path.name.replace("bigbird-", "compare-")
    assert load_pipeline(partner).max_words == pipeline.max_words  # beside it, the same budget


PROTOCOL = """
name = "protocol"
[dataset]
path = "{dataset}"
adapter = "squality"
tasks = "all"
[length]
max_words = 30
query_max_words = 12
[[systems]]
kind = "lead"
ignore_query = true
[[published]]
label = "A paper's model"
source = "Someone et al., the same data"
rouge1 = 41.3
rougeLsum = 38.5
[evaluation]
bootstrap = 20
[output]
dir = "{output}"
"""


@pytest.fixture
def stories(tmp_path):
    """Two stories in SQuALITY's layout, each with its plot question and two others."""
    path = tmp_path / "stories.jsonl"
    rows = [{"metadata": {"passage_id": f"s{s}"},
             "document": " ".join(f"Story {s} scene {k} moves the plot along." for k in range(40)),
             "questions": [{"question_number": n, "question_text": f"Question {n}?",
                            "responses": [{"response_text": f"Story {s} scene {n} moves."}]}
                           for n in (1, 2, 3)]}
            for s in range(2)]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_a_protocol_pools_both_tasks_each_within_its_budget_beside_published_figures(
        tmp_path, stories):
    pipeline = load_pipeline(write_pipeline(tmp_path, stories, PROTOCOL))
    result = run_pipeline(pipeline, progress=False)
    out = tmp_path / "out" / "predictions"
    generic = read_predictions(out / "lead.jsonl")
    asked = read_predictions(out / "query" / "lead.jsonl")
    assert sorted(generic) == ["s0", "s1"]
    assert sorted(asked) == ["s0-q2", "s0-q3", "s1-q2", "s1-q3"]
    # Lead keeps whole sentences of 8 words: 3 of them fit 30 words, 1 fits 12.
    assert {row["words"] for row in generic.values()} == {24}
    assert {row["words"] for row in asked.values()} == {8}
    (scores,) = result.scores
    assert len(scores.evaluation.ids) == 6  # pooled: the mean over all six questions
    assert (scores.budget_words, scores.query_budget_words) == (30, 12)
    report = result.report.read_text(encoding="utf-8")
    assert "30 (a query's summary: 12) words per summary, the same for every system" in report
    assert "| A paper's model (published) | 41.30 | – | – | 38.50 | Someone et al." in report
    assert "generic (2)" in report and "with a query (4)" in report
    # Resumed: each budget's file is found done, nothing is summarized again.
    before = (out / "query" / "lead.jsonl").read_bytes()
    assert run_pipeline(pipeline, progress=False).scores == result.scores
    assert (out / "query" / "lead.jsonl").read_bytes() == before


@pytest.mark.parametrize(("change", "message"), [
    (("query_max_words = 12", "query_max_words = 0"), r"\[length\] query_max_words must be"),
    (("query_max_words = 12", "query_max_word = 12"), r"unknown \[length\] key\(s\) query_max_wo"),
    (("rouge1 = 41.3", "rouge3 = 41.3"), r"unknown key\(s\) rouge3"),
    (("rouge1 = 41.3", "rouge1 = 413"), "numbers from 0 to 100"),
    (('source = "Someone et al., the same data"\n', ""), "needs a label, a source and scores"),
])
def test_protocol_mistakes_are_one_line_errors(tmp_path, stories, change, message):
    path = write_pipeline(tmp_path, stories, PROTOCOL.replace(*change))
    with pytest.raises(RecsumError, match=message) as error:
        load_pipeline(path)
    assert "\n" not in str(error.value)


def test_the_protocol_pipelines_pool_every_task_with_a_budget_each():
    qmsum = load_pipeline("pipelines/protocol-qmsum-val.toml")
    squality = load_pipeline("pipelines/protocol-squality-dev.toml")
    assert (qmsum.dataset.tasks, qmsum.max_words, qmsum.query_max_words) == ("all", 110, 65)
    assert (squality.dataset.tasks, squality.max_words, squality.query_max_words) == \
        ("all", 400, 175)
    assert [row.label for row in qmsum.published] == ["SegEnc-W", "Socratic SegEnc"]
