"""The benchmark runs end to end at smoke size and writes its tables; its helpers are exact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from recsum import Summarizer
from recsum.cli.main import main
from recsum.experiments.bench.corpus import concatenate
from recsum.experiments.bench.suite import fit_exponent
from recsum.experiments.bench.worker import run_isolated
from recsum.length import count_words

SAMPLE = Path(__file__).resolve().parents[3] / "data" / "sample-report.md"


@pytest.fixture(scope="module")
def stories(tmp_path_factory) -> Path:
    """Two SQuALITY-format records cut from the shipped sample, so the test needs no data."""
    paragraphs = [p for p in SAMPLE.read_text(encoding="utf-8").split("\n\n") if p.strip()]
    path = tmp_path_factory.mktemp("bench") / "stories.jsonl"
    with path.open("w", encoding="utf-8") as file:
        for half in (paragraphs[: len(paragraphs) // 2], paragraphs[len(paragraphs) // 2 :]):
            responses = [{"response_text": p} for p in half[:4]]
            record = {"metadata": {"passage_id": str(len(half))}, "document": "\n\n".join(half),
                      "questions": [{"question_number": 1, "question_text": "plot?",
                                     "responses": responses}]}
            file.write(json.dumps(record) + "\n")
    return path


@pytest.mark.slow
def test_smoke_bench_runs_and_writes_every_table(stories, tmp_path):
    out = tmp_path / "bench"
    code = main(["bench", "--stories", str(stories), "--out", str(out), "--smoke",
                 "--peers", "sumy-lexrank,sumy-textrank"])
    assert code == 0
    report = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## 1. Throughput", "## 2. Scaling", "## 3. Seq2Seq batching", "## 4. Peers",
                    "## 5. Whole processes"):
        assert heading in report
    for row in ("| recsum-default |", "| recsum-seq2seq |", "| lstm |", "| bigbird |",
                "| full-attention |", "| sumy-lexrank |", "| sumy-textrank |"):
        assert row in report
    for plot in ("scaling_time.png", "scaling_memory.png", "peers.png"):
        assert (out / plot).stat().st_size > 0
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    assert results["machine"]["matmul_gflops"]["float32"] > 0
    processes = results["processes"]["systems"]
    assert set(processes) == {"recsum-default", "sumy-lexrank", "sumy-textrank"}
    assert all(len(row["seconds_per_doc"]) == 1 and row["batch_seconds"] > 0
               for row in processes.values())
    assert all(r["status"] == "ok" for runs in results["scaling"]["runs"].values() for r in runs)
    # A second run into the same folder is refused before it measures anything.
    assert main(["bench", "--stories", str(stories), "--out", str(out), "--smoke"]) == 2
    assert json.loads((out / "results.json").read_text(encoding="utf-8")) == results


@pytest.mark.slow
def test_a_run_in_its_own_process_reports_its_peak_memory(tmp_path):
    document = tmp_path / "doc.txt"
    # About 700 words: more than one 512-token chunk, so the reducer runs two levels.
    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    text = ""
    while count_words(text) < 700:
        text += paragraphs.pop(0) + "\n\n"
    document.write_text(text, encoding="utf-8")
    spec = {"system": "recsum-seq2seq", "shape": "tiny", "max_words": 50, "new_tokens": 2,
            "document": str(document)}
    row = run_isolated(spec, time_cap=120, memory_cap_mb=8000, spec_path=tmp_path / "spec.json")
    assert row["status"] == "ok"
    assert row["peak_rss_mb"] >= row["loaded_rss_mb"] > 0
    assert row["tokens"] > 512  # the sample is longer than one chunk

    capped = run_isolated(spec, time_cap=120, memory_cap_mb=1, spec_path=tmp_path / "spec.json")
    assert capped["status"].startswith("memory cap")


def test_fitted_exponent_recovers_a_power_law():
    sizes = [2_000, 8_000, 32_000]
    assert fit_exponent(sizes, [3e-4 * n**1.5 for n in sizes]) == pytest.approx(1.5)
    assert fit_exponent([2_000], [1.0]) is None


def test_long_documents_have_exactly_the_asked_words_and_count_repeats():
    texts = ["one two three\n\nfour five", "six seven eight nine"]
    document, repeated = concatenate(texts, 7)
    assert count_words(document) == 7 and repeated == 0
    document, repeated = concatenate(texts, 12)
    assert count_words(document) == 12 and repeated == 3
    assert document.startswith("one two three\n\nfour five\n\nsix")


def test_encoder_stats_count_what_the_encoder_computed(extractive):
    from recsum.summarizers.encoder import EncoderStats

    paragraphs = SAMPLE.read_text(encoding="utf-8").split("\n\n")
    text = "\n\n".join(paragraphs[:12])
    extractive.encoder.stats = EncoderStats()
    result = Summarizer(extractive).summarize(text, max_words=40)
    stats = extractive.encoder.stats
    assert result.depth >= 1
    # One reading of each chunk of the document, whatever the number of levels.
    assert stats.chunks == len(result.levels[0].parts) and stats.batches >= 1
    assert 0 < stats.tokens <= stats.padded_tokens
    assert stats.token_squares >= stats.tokens**2 / stats.chunks


def test_missing_stories_file_is_a_one_line_error(tmp_path, capsys):
    assert main(["bench", "--stories", str(tmp_path / "absent.jsonl"), "--smoke"]) == 2
    assert "no such file" in capsys.readouterr().err


def _words(value: int):
    from recsum.length import Length

    return Length(value)
