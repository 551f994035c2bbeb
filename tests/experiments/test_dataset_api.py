"""The Python API over datasets: summarize a datasets.Dataset, evaluate it, and failures."""

import json
import socket
import time

import datasets
import pytest
from fakes import PoisonSystem

from recsum import evaluate_predictions, summarize_dataset
from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.evaluation.predictions import batch_settings, failures_path, read_predictions
from recsum.experiments.batch import run_batch
from recsum.experiments.ray_engine import make_engine
from recsum.length import Length
from recsum.records import Record


def stories(count: int) -> datasets.Dataset:
    return datasets.Dataset.from_dict({
        "id": [f"s{i}" for i in range(count)],
        "text": [" ".join(f"Story {i} sentence {k} tells of the harbour." for k in range(20))
                 for i in range(count)],
        "summary": [f"Story {i} sentence 0 tells of the harbour." for i in range(count)],
    })


def write_jsonl(path, dataset: datasets.Dataset) -> None:
    path.write_text("".join(json.dumps(row) + "\n" for row in dataset), encoding="utf-8")


def test_a_datasets_dataset_is_summarized_and_evaluated_as_objects(tmp_path):
    output = tmp_path / "p.jsonl"
    predictions = summarize_dataset(stories(4), output, system="lead", max_words=10)
    assert predictions.path == output and not predictions.failures
    assert sorted(predictions.summaries) == ["s0", "s1", "s2", "s3"]
    assert predictions.rows["s1"]["summary"] == predictions.summaries["s1"]
    assert predictions.summaries["s1"].startswith("Story 1 sentence 0")
    scores = evaluate_predictions(predictions, stories(4), bootstrap=200)
    rouge1 = scores.evaluation.scores["rouge1"].f1
    assert rouge1.low <= rouge1.mean <= rouge1.high and rouge1.mean > 0.5
    assert len(scores.evaluation.per_document["rouge2"]) == 4
    assert scores.budget_words == 10
    # The file is the command line's: `recsum evaluate` reads it to the same mean.
    from_file = evaluate_predictions(output, stories(4), bootstrap=0)
    assert from_file.evaluation.scores["rouge1"].f1.mean == pytest.approx(rouge1.mean)


def test_without_output_the_predictions_come_back_and_no_file_stays(tmp_path):
    predictions = summarize_dataset(stories(2), system="lead", max_words=5, limit=1)
    assert predictions.path is None and list(predictions.summaries) == ["s0"]
    assert not predictions.batch.path.exists()


def test_engine_and_dataset_mistakes_are_one_line_errors():
    with pytest.raises(RecsumError, match="unknown engine 'spark'; choose one of local, ray"):
        summarize_dataset(stories(1), engine="spark", system="lead")
    with pytest.raises(RecsumError, match="concurrency: only the ray engine takes them"):
        make_engine("local", concurrency=2)
    with pytest.raises(RecsumError, match=r"unknown Ray engine option.*actors"):
        make_engine("ray", actors=2)
    with pytest.raises(RecsumError, match=r"concurrency .* at least 1, got 0"):
        make_engine("ray", concurrency=0)
    with pytest.raises(RecsumError, match="a list of Record"):
        summarize_dataset(["a text"], system="lead")


def test_without_ray_the_ray_engine_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(__import__("sys").modules, "ray", None)  # as if not installed
    dataset = tmp_path / "d.jsonl"
    write_jsonl(dataset, stories(2))
    assert main(["batch", str(dataset), "-o", str(tmp_path / "p.jsonl"), "--system", "lead",
                 "--engine", "ray", "--quiet"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("recsum: error:") and "pip install 'recsum[ray]'" in error


def records(*texts: str) -> list[Record]:
    return [Record(f"d{i}", text, ("ref",)) for i, text in enumerate(texts)]


def test_a_failing_document_is_recorded_with_its_error_and_retried_by_the_next_run(tmp_path):
    output = tmp_path / "p.jsonl"
    data = records("one two three four", "a poison pill here", "five six seven", "eight nine")
    settings = batch_settings("poison", {}, Length(2))
    result = run_batch(PoisonSystem, data, Length(2), output, settings=settings, group_size=2,
                       progress=False)
    # d1 failed in its group, so d0 was redone alone; d2 and d3 were a group of their own.
    assert (result.written, dict(result.failures)) == (
        3, {"d1": "ValueError: cannot summarize a poisoned document"})
    assert {key: row["summary"] for key, row in read_predictions(output).items()} == {
        "d0": "one two", "d2": "five six", "d3": "eight nine"}
    failure = json.loads(failures_path(output).read_text())
    assert failure == {"id": "d1", "error": "ValueError: cannot summarize a poisoned document",
                       "system": "poison", "settings": settings}
    assert "1 document(s) failed ('d1'; 'd1': ValueError" in result.failure_summary()
    # The next run retries only d1: it fails again, listed once, and nothing is duplicated.
    again = run_batch(PoisonSystem, data, Length(2), output, settings=settings, progress=False)
    assert (again.written, again.resumed, list(again.failures)) == (0, 3, ["d1"])
    assert len(failures_path(output).read_text().splitlines()) == 1
    assert len(output.read_text().splitlines()) == 3
    # Once it can be summarized, the failures file goes.
    fixed = records("one two three four", "a cured pill here", "five six seven", "eight nine")
    assert run_batch(PoisonSystem, fixed, Length(2), output, settings=settings,
                     progress=False).written == 1
    assert not failures_path(output).exists() and len(read_predictions(output)) == 4


@pytest.mark.parametrize("where", ["flag", "RAY_ADDRESS"])
def test_a_ray_cluster_that_cannot_be_reached_is_one_line(where, tmp_path, monkeypatch,
                                                          capsys):
    with socket.socket() as probe:  # a port of this machine that nothing listens on
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    dataset = tmp_path / "d.jsonl"
    write_jsonl(dataset, stories(2))
    command = ["batch", str(dataset), "-o", str(tmp_path / "p.jsonl"), "--system", "lead",
               "--engine", "ray", "--quiet"]
    if where == "flag":
        command += ["--ray-address", address]
    else:
        monkeypatch.setenv("RAY_ADDRESS", address)
    started = time.monotonic()
    assert main(command) == 2
    assert time.monotonic() - started < 30  # Ray alone would retry for minutes
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and "Traceback" not in error[0]
    assert error[0].startswith(f"recsum: error: cannot reach the Ray cluster at {address} (")
    assert "RAY_ADDRESS" in error[0]
    assert not (tmp_path / "p.jsonl").exists() or not (tmp_path / "p.jsonl").read_text()
