"""The Ray engine on a local Ray that these tests start (2 CPUs) and stop: the local engine's
predictions, resumable either way, failures recorded, and the command line's failed exit."""

import json
import sys
from dataclasses import replace

import fakes
import pytest
from fakes import PoisonSystem, PrefixSummarizer

from recsum.cli.main import main
from recsum.evaluation.predictions import batch_settings, failures_path
from recsum.experiments.batch import run_batch
from recsum.experiments.pipeline import load_pipeline, run_pipeline
from recsum.experiments.ray_engine import RayEngine
from recsum.experiments.systems import build_system
from recsum.length import Length
from recsum.records import Record

pytestmark = pytest.mark.slow
# The only fields of a line that may differ between engines: times measured on each.
TIMES = ("seconds", "group_seconds")


@pytest.fixture(scope="module", autouse=True)
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    # Actors unpickle the fakes and this module's helpers by value: the tests folder is not on
    # their path.
    ray.cloudpickle.register_pickle_by_value(fakes)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    yield ray
    ray.shutdown()


def lines_by_id(path) -> dict[str, dict]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == len({row["id"] for row in rows}), "an id was written twice"
    return {row["id"]: {k: v for k, v in row.items() if k not in TIMES} for row in rows}


def prefix_system():
    return build_system("recursive", part_summarizer=PrefixSummarizer(64))


def records(count: int) -> list[Record]:
    return [Record(f"doc{i}", " ".join(f"Sentence {k} of document {i} goes on a while."
                                       for k in range(10 + 7 * i)), (f"Reference {i}.",))
            for i in range(count)]


def test_real_stories_give_the_local_engines_predictions(squality_stories, tmp_path):
    """The embedded MiniLM default on three SQuALITY dev stories, on two actors; Ray writes in
    the order its actors finish, so the files are compared by id."""
    stories = [Record(s["id"], " ".join(s["document"].split()[:700]), tuple(s["references"]))
               for s in squality_stories[:3]]
    length = Length(60)
    settings = batch_settings("recursive", {}, length)
    local, distributed = tmp_path / "local.jsonl", tmp_path / "ray.jsonl"
    run_batch(lambda: build_system("recursive"), stories, length, local, settings=settings,
              group_size=2, progress=False)
    result = run_batch(lambda: build_system("recursive"), stories, length, distributed,
                       settings=settings, group_size=2, progress=False,
                       engine=RayEngine(concurrency=2))
    assert (result.written, result.failures) == (3, {})
    expected = lines_by_id(local)
    assert lines_by_id(distributed) == expected
    assert all(40 < row["words"] <= 60 for row in expected.values())
    timed = [json.loads(line) for line in distributed.read_text().splitlines()]
    assert all(row["seconds"] > 0 and row["group_size"] in (1, 2) for row in timed)


def test_either_engine_resumes_the_others_file_without_duplicates(tmp_path):
    length = Length(12)
    settings = batch_settings("recursive", {}, length)
    whole = tmp_path / "whole.jsonl"
    run_batch(prefix_system, records(6), length, whole, settings=settings, group_size=2,
              progress=False)
    mixed = tmp_path / "mixed.jsonl"
    run_batch(prefix_system, records(6)[:2], length, mixed, settings=settings, progress=False)
    result = run_batch(prefix_system, records(6)[:4], length, mixed, settings=settings,
                       group_size=2, progress=False, engine=RayEngine())
    assert (result.written, result.resumed) == (2, 2)
    result = run_batch(prefix_system, records(6), length, mixed, settings=settings,
                       group_size=2, progress=False)
    assert (result.written, result.resumed) == (2, 4)
    # Nothing left: Ray builds nothing and writes nothing.
    result = run_batch(prefix_system, records(6), length, mixed, settings=settings,
                       progress=False, engine=RayEngine())
    assert (result.written, result.resumed) == (0, 6)
    assert lines_by_id(mixed) == lines_by_id(whole)


def test_a_failing_document_is_recorded_and_the_others_are_written(tmp_path):
    data = [Record("d0", "one two three", ("r",)), Record("d1", "a poison pill", ("r",)),
            Record("d2", "four five six", ("r",))]
    output = tmp_path / "p.jsonl"
    result = run_batch(PoisonSystem, data, Length(2), output, group_size=2, progress=False,
                       settings=batch_settings("poison", {}, Length(2)),
                       engine=RayEngine(concurrency=2))
    assert dict(result.failures) == {"d1": "ValueError: cannot summarize a poisoned document"}
    assert {key: row["summary"] for key, row in lines_by_id(output).items()} == {
        "d0": "one two", "d2": "four five"}
    assert json.loads(failures_path(output).read_text())["id"] == "d1"


def test_the_command_line_exits_1_naming_the_failed_documents(tmp_path, capsys):
    """A real failure: with --max-depth 1 the long document cannot reach 20 words."""
    dataset = tmp_path / "d.jsonl"
    rows = [{"id": "short", "text": "A short note. It fits.", "summary": "A note."},
            {"id": "long", "text": " ".join(f"Sentence {k} tells of the harbour and its ships."
                                            for k in range(400)), "summary": "Ships."}]
    dataset.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    output = tmp_path / "p.jsonl"
    assert main(["batch", str(dataset), "-o", str(output), "--max-words", "20",
                 "--max-depth", "1", "--engine", "ray", "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "1 document(s) summarized, 0 already done, 1 failed, 2 in all" in err
    assert "'long': RecsumError: the summary did not reach 20 words within 1 levels" in err
    assert str(failures_path(output)) in err and "run the same command again" in err
    assert list(lines_by_id(output)) == ["short"]


def test_a_pipeline_on_the_ray_engine_writes_the_local_engines_predictions(tmp_path):
    dataset = tmp_path / "d.jsonl"
    dataset.write_text("".join(json.dumps({"id": r.id, "text": r.document,
                                           "summary": r.references[0]}) + "\n"
                               for r in records(3)), encoding="utf-8")
    text = PIPELINE.format(dataset=dataset, output=tmp_path / "{engine}")
    predictions = {}
    for engine in ("local", "ray"):
        path = tmp_path / f"{engine}.toml"
        path.write_text(text.replace("{engine}", engine), encoding="utf-8")
        pipeline = load_pipeline(path)
        if engine == "local":
            pipeline = replace(pipeline, engine="local", ray={})
        result = run_pipeline(pipeline, progress=False, part_summarizer=PrefixSummarizer(64))
        assert result.report.exists()
        predictions[engine] = lines_by_id(tmp_path / engine / "predictions" / "recursive.jsonl")
    assert predictions["ray"] == predictions["local"] and len(predictions["ray"]) == 3


PIPELINE = """
[dataset]
path = "{dataset}"
[length]
max_words = 12
[[systems]]
kind = "recursive"
[batch]
engine = "ray"
group_size = 2
[ray]
concurrency = 2
[evaluation]
bootstrap = 0
[output]
dir = "{output}"
"""
