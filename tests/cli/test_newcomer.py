"""Issue 25, a newcomer's first hour: messages in the words of the interface used (flag, TOML key,
Python argument), options named alike across commands, bad files in a folder, output folders,
progress without a terminal, pipelines pointed at the data, --version."""

import json
import os
import sys
from pathlib import Path

import pytest
from fakes import PrefixSummarizer
from test_cli import assert_one_line_error, run_cli

import recsum
from recsum.cli.main import main
from recsum.errors import RecsumError

STORY = "The river rose over the banks. The town watched it from the bridge. " * 30


@pytest.fixture()
def folder(tmp_path):
    """Two stories and, named like them, a binary file."""
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(STORY)
    (tmp_path / "c.txt").write_bytes(b"PK\x03\x04\x00\x00binary")
    return tmp_path


def test_an_option_is_never_taken_for_the_longer_one_it_begins():
    result = run_cli("summarize", "notes.txt", "--length", "100")
    assert result.returncode == 2
    assert_one_line_error(result.stderr.decode(), "unrecognized arguments: --length 100",
                          "see recsum summarize --help")
    result = run_cli("summarize", "notes.txt", "--max-w", "100")
    assert_one_line_error(result.stderr.decode(), "unrecognized arguments: --max-w")


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"recsum {recsum.__version__}"


def test_each_kind_of_training_has_its_own_help(capsys):
    helps = {}
    for kind in ("part", "lstm", "bigbird"):
        with pytest.raises(SystemExit):
            main(["train", kind, "--help"])
        helps[kind] = " ".join(capsys.readouterr().out.split())
    assert "--cross-validate" in helps["part"] and "--cross-validate" not in helps["lstm"]
    assert "--max-tokens" in helps["bigbird"] and "--max-tokens" not in helps["part"]
    assert "--epochs EPOCHS default: 12" in helps["part"]
    assert "--epochs EPOCHS default: 8" in helps["lstm"]
    assert "the same seed gives the same model" in helps["lstm"]
    with pytest.raises(SystemExit):
        main(["train", "lstm", "--train", "squality:x.jsonl", "--cross-validate", "3"])
    assert_one_line_error(capsys.readouterr().err, "--cross-validate",
                          "see recsum train lstm --help")
    assert "--fallback" in helps["part"] and "--fallback" not in helps["lstm"]
    assert main(["train", "part", "--tasks", "query", "--fallback", "--output", "x",
                 "--train", "squality:x.jsonl"]) == 2
    assert_one_line_error(capsys.readouterr().err, "--fallback is for generic summaries",
                          "leave it out with --tasks query")


def test_help_says_what_quiet_and_dtype_do(capsys):
    with pytest.raises(SystemExit):
        main(["summarize", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "no progress bar or warnings: errors only" in text
    assert "number format of the model's weights and arithmetic" in text


def test_an_unknown_length_key_in_a_pipeline_is_named(tmp_path):
    path = tmp_path / "p.toml"
    path.write_text('[dataset]\npath = "d.jsonl"\n[length]\nmax_word = 100\n'
                    '[[systems]]\nkind = "lead"\n')
    result = run_cli("run", str(path))
    assert result.returncode == 2
    assert_one_line_error(result.stderr.decode(), "unknown [length] key(s) max_word",
                          "use max_words")


@pytest.fixture()
def squality(tmp_path):
    """Two SQuALITY-shaped stories with a generic and a query-focused question each."""
    questions = [{"question_number": n, "question_text": q,
                  "responses": [{"response_text": "The town watched the river."}]}
                 for n, q in ((1, "What is the plot of the story?"), (2, "Who watched?"))]
    path = tmp_path / "squality.jsonl"
    path.write_text("".join(json.dumps({"metadata": {"passage_id": f"s{i}"},
                                        "document": STORY, "questions": questions}) + "\n"
                            for i in range(2)))
    return path


def test_a_query_blind_system_on_query_tasks_is_told_in_each_interface(squality, tmp_path,
                                                                       capsys):
    assert main(["batch", str(squality), "--adapter", "squality", "--tasks", "query",
                 "--system", "lead", "-o", str(tmp_path / "p.jsonl")]) == 2
    assert_one_line_error(capsys.readouterr().err, "for --tasks query",
                          "use --tasks generic, or --ignore-query")
    pipeline = tmp_path / "p.toml"
    pipeline.write_text(f'[dataset]\npath = "{squality}"\nadapter = "squality"\n'
                        'tasks = "query"\n[length]\nmax_words = 20\n[[systems]]\nkind = "lead"\n')
    assert main(["run", str(pipeline)]) == 2
    assert_one_line_error(capsys.readouterr().err, 'for tasks = "query"',
                          'use tasks = "generic", or ignore_query = true')
    with pytest.raises(RecsumError, match=r"use tasks='generic', or ignore_query=True"):
        recsum.summarize_dataset(str(squality), tmp_path / "q.jsonl", system="lead",
                                 adapter="squality", tasks="query")


def test_a_model_folder_without_a_model_says_so(tmp_path, capsys):
    (tmp_path / "doc.txt").write_text(STORY)
    (tmp_path / "empty-model").mkdir()
    assert main(["summarize", str(tmp_path / "doc.txt"), "--model",
                 str(tmp_path / "empty-model")]) == 2
    assert_one_line_error(capsys.readouterr().err, "empty-model is a folder without a model",
                          "(no config.json)", "or no --model for the embedded default")
    with pytest.raises(RecsumError, match=r"or model=None for the embedded default"):
        recsum.Summarizer(model=str(tmp_path / "empty-model"))
    with pytest.raises(RecsumError, match=r"hub is unreachable.*or model=None for the embedded"):
        recsum.Summarizer(model="no-such-org/no-such-model")  # offline, in Python's words


@pytest.mark.parametrize("value", ["100", 1.5, True, 0])
def test_a_budget_of_the_wrong_type_names_the_python_argument(value):
    summarizer = recsum.Summarizer(PrefixSummarizer(64))
    with pytest.raises(RecsumError, match=r"max_words must be a whole number of at least 1"):
        summarizer.summarize(STORY, max_words=value)
    with pytest.raises(RecsumError, match=r"max_tokens must be a whole number of at least 1"):
        summarizer.summarize(STORY, max_tokens=value)


def test_batch_and_summarize_treat_a_bad_file_in_a_folder_alike(folder, tmp_path, capsys):
    assert main(["summarize", str(folder), "--max-words", "8", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert_one_line_error(captured.err, "c.txt", "binary")
    assert captured.out.count("==> ") == 2
    output = tmp_path / "preds.jsonl"
    assert main(["batch", str(folder), "-o", str(output), "--max-words", "8"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "WARNING" in line]
    assert len(warnings) == 1 and "skipped: " in warnings[0] and "c.txt" in warnings[0]
    assert [json.loads(line)["id"] for line in output.read_text().splitlines()] == ["a", "b"]
    # batch has no --encoding: its warning about a file in another encoding does not offer one
    latin = tmp_path / "latin"
    latin.mkdir()
    (latin / "a.txt").write_text(STORY)
    (latin / "d.txt").write_bytes("Caf\u00e9 au lait every morning.".encode("latin-1"))
    assert main(["batch", str(latin), "-o", str(tmp_path / "more.jsonl"), "--max-words", "8"]) == 0
    warning = next(line for line in capsys.readouterr().err.splitlines() if "d.txt" in line)
    assert "not valid utf-8" in warning and "save it as UTF-8" in warning
    assert "--encoding" not in warning


def test_no_folder_is_made_above_the_output_named(folder, tmp_path, capsys):
    missing = tmp_path / "no" / "such"
    for command in (["batch", str(folder), "-o", str(missing / "p.jsonl")],
                    ["evaluate", str(folder), "--predictions", "p.jsonl", "--output",
                     str(missing / "s.json")]):
        with pytest.raises(SystemExit) as exit_:
            main(command)
        assert exit_.value.code == 2
        assert_one_line_error(capsys.readouterr().err, f"folder {missing} does not exist",
                              "mkdir -p")
    assert not (tmp_path / "no").exists()


def test_evaluate_takes_the_dataset_as_batch_does(tmp_path, capsys):
    dataset = tmp_path / "d.jsonl"
    dataset.write_text("".join(json.dumps({"id": f"d{i}", "text": STORY, "summary": "A river."})
                               + "\n" for i in range(2)))
    predictions = tmp_path / "p.jsonl"
    assert main(["batch", str(dataset), "-o", str(predictions), "--max-words", "8",
                 "--quiet"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(dataset), "--predictions", str(predictions),
                 "--bootstrap", "0"]) == 0
    positional = capsys.readouterr().out
    assert main(["evaluate", "--references", str(dataset), "--predictions", str(predictions),
                 "--bootstrap", "0"]) == 0  # the older spelling, as README showed it
    assert capsys.readouterr().out == positional
    assert main(["evaluate", str(dataset), "--references", str(dataset),
                 "--predictions", str(predictions)]) == 2
    assert_one_line_error(capsys.readouterr().err, "give the dataset once")


def test_progress_reaches_a_log_as_lines(tmp_path, capsys, monkeypatch):
    """stderr is not a terminal here, as with `recsum summarize big.txt 2> log`."""
    monkeypatch.setenv("RECSUM_PROGRESS_SECONDS", "0")
    (tmp_path / "long.txt").write_text(STORY * 20)
    assert main(["summarize", str(tmp_path / "long.txt"), "--max-words", "20"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == f"recsum: summarizing {tmp_path / 'long.txt'} (7,800 words) to 20 words"
    levels = [line for line in lines if line.startswith("level 1: ")]
    assert len(levels) >= 2 and "100%" in levels[-1]
    assert not any("\r" in line for line in lines)
    assert main(["summarize", str(tmp_path / "long.txt"), "--max-words", "20", "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_training_shows_progress_without_a_terminal():
    from recsum.cli.main import build_parser
    from recsum.cli.train import _settings

    parser = build_parser("train")
    assert _settings(parser.parse_args(["train", "lstm", "--train", "squality:x"])).progress
    quiet = parser.parse_args(["train", "lstm", "--train", "squality:x", "--quiet"])
    assert not _settings(quiet).progress


def test_a_pipeline_runs_on_the_data_folder_given_and_a_limit(tmp_path, monkeypatch, capsys):
    data = tmp_path / "data"
    (data / "set").mkdir(parents=True)
    (data / "set" / "dev.jsonl").write_text(
        "".join(json.dumps({"id": f"d{i}", "text": STORY, "summary": "A river."}) + "\n"
                for i in range(4)))
    pipeline = tmp_path / "p.toml"
    pipeline.write_text('name = "tiny"\n[dataset]\npath = "{data}/set/dev.jsonl"\n'
                        '[length]\nmax_words = 10\n[[systems]]\nkind = "lead"\n'
                        f'[evaluation]\nbootstrap = 0\n[output]\ndir = "{tmp_path / "out"}"\n')
    monkeypatch.delenv("RECSUM_DATA", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(pipeline)]) == 2
    assert_one_line_error(capsys.readouterr().err, "dataset ../shared/data/set/dev.jsonl not "
                          "found", "--data DIR (or RECSUM_DATA)")
    assert main(["run", str(pipeline), "--data", str(data), "--limit", "2", "--quiet"]) == 0
    assert "| lead | 2 |" in capsys.readouterr().out
    report = (tmp_path / "out" / "report.md").read_text()
    assert f"--data {data} --limit 2" in report
    monkeypatch.setenv("RECSUM_DATA", str(data))
    assert main(["run", str(pipeline), "--quiet"]) == 0
    assert "| lead | 4 |" in capsys.readouterr().out


@pytest.mark.slow
def test_the_test_run_ends_with_a_note_when_real_data_tests_were_skipped(tmp_path):
    import subprocess

    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "tests/evaluation/test_data.py::test_squality_generic_task_has_four_references"],
        cwd=root, capture_output=True, text=True, timeout=300,
        env={**os.environ, "RECSUM_DATA": str(tmp_path / "none")})
    last = result.stdout.strip().splitlines()[-2:]
    assert last[0].startswith("note: 1 test(s) skipped for want of the real data under "
                              f"{tmp_path / 'none'}; set RECSUM_DATA"), result.stdout
    assert "1 skipped" in last[1]
