"""``recsum summarize`` end to end, and every bad input: one line, exit code 2, no traceback."""

import json
import subprocess
import sys

import pytest

from recsum.cli.main import main


def run_cli(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "recsum.cli.main", *args],
        input=stdin,
        capture_output=True,
        timeout=600,
    )


def assert_one_line_error(stderr: str, *fragments: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert lines and all(f in lines[-1] for f in fragments), stderr


@pytest.fixture()
def files(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "blank.txt").write_text("  \n\t \n")
    (tmp_path / "binary.bin").write_bytes(b"PK\x03\x04\x00\x00binary")
    (tmp_path / "latin1.txt").write_bytes("Caf\u00e9 au lait.\nSecond line.".encode("latin-1"))
    (tmp_path / "ok.txt").write_text("The river rose. The town watched. " * 40)
    return tmp_path


@pytest.mark.slow
def test_bad_files_are_one_line_errors_in_a_real_process(files):
    result = run_cli("summarize", str(files / "missing.txt"))
    assert result.returncode == 2
    assert_one_line_error(result.stderr.decode(), "missing.txt", "no such file")
    result = run_cli("summarize", str(files / "latin1.txt"))
    assert result.returncode == 2
    assert_one_line_error(result.stderr.decode(), "not valid utf-8", "line 1", "--encoding")


@pytest.mark.parametrize(
    ("name", "fragments"),
    [
        ("", ("is a directory",)),
        ("empty.txt", ("empty",)),
        ("blank.txt", ("empty",)),
        ("binary.bin", ("binary", "NUL")),
        ("latin1.txt", ("not valid utf-8", "offset 3", "--encoding")),
    ],
)
def test_bad_input_files(files, capsys, name, fragments):
    assert main(["summarize", str(files / name)]) == 2
    assert_one_line_error(capsys.readouterr().err, *fragments)


def test_other_encodings_are_accepted_when_named(files, tiny_seq2seq_path, capsys):
    code = main(
        [
            "summarize",
            str(files / "latin1.txt"),
            "--encoding",
            "latin-1",
            "--model",
            str(tiny_seq2seq_path),
            "--num-beams",
            "1",
            "--max-words",
            "5",
        ]
    )
    assert code == 0 and capsys.readouterr().out.strip()


@pytest.mark.parametrize(
    ("model", "fragments"),
    [
        ("no-such-org/no-such-model", ("hub is unreachable", "embedded default")),
        ("__MINILM__", ("not a seq2seq summarizer",)),
    ],
)
def test_models_that_cannot_be_used(files, capsys, model, fragments):
    from recsum.summarizers import default_model_path

    model = default_model_path() if model == "__MINILM__" else model
    assert main(["summarize", str(files / "ok.txt"), "--model", model]) == 2
    assert_one_line_error(capsys.readouterr().err, *fragments)


def test_a_budget_too_small_for_the_special_tokens(files, tiny_seq2seq_path, capsys):
    code = main(
        [
            "summarize",
            str(files / "ok.txt"),
            "--model",
            str(tiny_seq2seq_path),
            "--chunk-tokens",
            "2",
        ]
    )
    assert code == 2
    assert_one_line_error(capsys.readouterr().err, "special tokens", "--chunk-tokens")


@pytest.mark.parametrize(
    "option",
    [
        ["--max-words", "0"],
        ["--max-words", "-5"],
        ["--max-tokens", "0"],
        ["--chunk-tokens", "0"],
        ["--overlap", "-1"],
        ["--max-depth", "0"],
    ],
)
def test_zero_or_negative_lengths(files, capsys, option):
    with pytest.raises(SystemExit) as exit_info:
        main(["summarize", str(files / "ok.txt"), *option])
    assert exit_info.value.code == 2
    assert_one_line_error(capsys.readouterr().err, option[0])


@pytest.mark.slow
def test_json_output_carries_the_tree(files, tiny_seq2seq_path, capsys):
    code = main(
        [
            "summarize",
            str(files / "ok.txt"),
            "--model",
            str(tiny_seq2seq_path),
            "--num-beams",
            "1",
            "--max-words",
            "12",
            "--chunk-tokens",
            "64",
            "--json",
        ]
    )
    assert code == 0
    result = json.loads(capsys.readouterr().out)
    assert result["summary_words"] <= 12 and result["depth"] == len(result["levels"]) >= 2
    parts = result["levels"][0]["parts"]
    assert parts[0]["start"] == 0 and all(p["input_tokens"] <= 64 for p in parts)
    assert all(level["seconds"] >= 0 for level in result["levels"])


@pytest.mark.slow
def test_stdin_with_the_embedded_default(squality_stories):
    story = squality_stories[3]["document"].encode()
    result = run_cli("summarize", "-", "--max-words", "120", "--quiet", stdin=story)
    assert result.returncode == 0, result.stderr.decode()
    summary = result.stdout.decode().strip()
    assert 0 < len(summary.split()) <= 120
    assert result.stderr.decode().count("\r") == 0  # no progress bar when not a terminal
