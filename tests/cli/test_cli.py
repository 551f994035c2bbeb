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
        ("empty.txt", ("empty",)),
        ("blank.txt", ("empty",)),
        ("binary.bin", ("binary", "NUL")),
        ("latin1.txt", ("not valid utf-8", "offset 3", "--encoding")),
    ],
)
def test_bad_input_files(files, capsys, name, fragments):
    assert main(["summarize", str(files / name)]) == 2
    assert_one_line_error(capsys.readouterr().err, *fragments)


def test_several_files_load_the_model_once_and_a_bad_one_is_one_line(files, capsys):
    (files / "second.md").write_text("# Notes\n\nThe bridge opened in May. Traffic doubled.\n")
    names = [str(files / "ok.txt"), str(files / "empty.txt"), str(files / "second.md")]
    assert main(["summarize", *names, "--max-words", "10", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "empty" in one_line(captured.err) and str(files / "empty.txt") in captured.err
    blocks = captured.out.split("\n\n")
    assert [block.splitlines()[0] for block in blocks] == [f"==> {names[0]} <==",
                                                           f"==> {names[2]} <=="]
    assert all(0 < len(" ".join(block.splitlines()[1:]).split()) <= 10 for block in blocks)


def test_a_directory_is_its_documents_in_name_order(tmp_path, capsys):
    (tmp_path / "b.txt").write_text("The river rose. The town watched. " * 20)
    (tmp_path / "a.md").write_text("The harbour froze. Ships waited outside the bay. " * 20)
    (tmp_path / "notes.bin").write_bytes(b"\x00\x01")
    assert main(["summarize", str(tmp_path), "--max-words", "8", "--json", "--quiet"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["file"] for line in lines] == [str(tmp_path / "a.md"), str(tmp_path / "b.txt")]
    assert all(0 < line["summary_words"] <= 8 for line in lines)
    (tmp_path / "empty").mkdir()
    assert main(["summarize", str(tmp_path / "empty")]) == 2
    assert "is a directory with no documents" in one_line(capsys.readouterr().err)


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


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def test_a_usage_mistake_is_one_line_with_a_hint(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["summarize"])
    assert exit_.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert "the following arguments are required: file" in line
    assert "(see recsum summarize --help)" in line


def test_the_overview_and_a_wrong_command_name_every_command(capsys):
    from recsum.cli.main import COMMANDS

    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    overview = capsys.readouterr().out
    assert all(f"    {name} " in overview for name in COMMANDS)
    with pytest.raises(SystemExit) as exit_:
        main(["summarise", "report.txt"])
    assert exit_.value.code == 2
    line = one_line(capsys.readouterr().err)
    assert "invalid choice: 'summarise'" in line and "'summarize'" in line and "'serve'" in line


@pytest.mark.parametrize(("options", "fragments"), [
    (["--num-beams", "2"], ["--num-beams", "only for a seq2seq model"]),
    (["--length-penalty", "2", "--min-new-tokens", "5"], ["--length-penalty", "--min-new-tokens"]),
    (["--batch-size", "4"], ["--batch-size", "only for a seq2seq model"]),
    (["--dtype", "float16"], ["float16 needs a GPU"]),
])
def test_options_the_model_would_ignore_are_refused(files, capsys, options, fragments):
    assert main(["summarize", str(files / "ok.txt"), *options]) == 2
    line = one_line(capsys.readouterr().err)
    assert all(f in line for f in fragments), line


def test_a_refused_setting_equal_to_recsums_default_is_named_alone(files, capsys):
    assert main(["summarize", str(files / "ok.txt"), "--num-beams", "4"]) == 2  # the default
    line = one_line(capsys.readouterr().err)
    assert line.startswith("recsum: error: --num-beams: only for a seq2seq model"), line


def test_a_closed_stdin_is_one_line(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", None)
    assert main(["summarize", "-"]) == 2
    assert "stdin is closed" in one_line(capsys.readouterr().err)


def test_utf16_and_utf32_with_a_byte_order_mark_are_text(files, tmp_path):
    from recsum.textio import read_text

    text = "Ünïcode text. A second sentence."
    for encoding in ("utf-16", "utf-32", "utf-8-sig"):
        (tmp_path / f"{encoding}.txt").write_bytes(text.encode(encoding))
        assert read_text(tmp_path / f"{encoding}.txt") == text
    (tmp_path / "le.txt").write_bytes(text.encode("utf-16-le"))  # no mark: name the encoding
    assert read_text(tmp_path / "le.txt", "utf-16-le") == text


@pytest.mark.slow
@pytest.mark.parametrize("json_output", [False, True])
def test_a_reader_that_leaves_early_is_not_an_error(files, json_output):
    long_text = files / "long.txt"
    # Within the budget, so the summary is the whole 200 kB text: more than a pipe holds
    # (64 kB), so the writer is still writing when the reader leaves, however they are scheduled.
    long_text.write_text("".join(f"Line {k} of a long story goes on.\n" for k in range(6000)))
    command = [sys.executable, "-m", "recsum.cli.main", "summarize", str(long_text),
               "--max-words", "50000", *(["--json"] if json_output else [])]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(1)
    process.stdout.close()  # like `| head -c 1`
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=300) == 141
    assert "Traceback" not in stderr and "Error" not in stderr, stderr


def test_hostile_inputs_are_one_line_each_and_the_other_files_go_on(files, capsys):
    """Issue 24, rows 5, 6, 13: a device, a PDF nested 100,000 deep, a file of emoji only."""
    from documents import deep_pdf

    (files / "deep.pdf").write_bytes(deep_pdf())
    (files / "emoji.txt").write_text("😀🎉🔥 ✨✨ 🚀\n")
    for name, fragments in [("/dev/zero", ("/dev/zero is a device, not a document",)),
                            (str(files / "deep.pdf"), ("deep.pdf nests its content too deeply",)),
                            (str(files / "emoji.txt"), ("no words to summarize", "emoji"))]:
        assert main(["summarize", name]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") <= 2  # the start line at most, then the error's one line
        assert_one_line_error(err, *fragments)
    names = [str(files / "deep.pdf"), str(files / "ok.txt")]
    assert main(["summarize", *names, "--max-words", "10", "--quiet"]) == 2
    captured = capsys.readouterr()
    assert "nests its content too deeply" in captured.err and captured.err.count("\n") == 1
    assert captured.out.startswith(f"==> {names[1]} <==")


def test_an_endless_stream_is_read_up_to_the_cap():
    with open("/dev/zero", "rb") as zeros:
        endless = subprocess.run([sys.executable, "-m", "recsum.cli.main", "summarize", "-"],
                                 stdin=zeros, capture_output=True, timeout=120)
    assert endless.returncode == 2
    assert endless.stderr.decode().count("\n") == 1
    assert_one_line_error(endless.stderr.decode(), "stdin is larger than 256 MB",
                          "the most recsum reads of one document")


@pytest.mark.parametrize(("chunk_tokens", "code", "output"), [
    ("10", 2, "the word 'AQBJBPBPB' takes 9 tokens, more than a chunk of 10 tokens holds"),
    ("14", 0, "AQBJBPBPB\n"),
])
def test_a_word_is_never_cut_into_pieces(tmp_path, capsys, chunk_tokens, code, output):
    """Issue 24, row 15 (found by the property test): the summary was ``B``."""
    (tmp_path / "word.txt").write_text("AQBJBPBPB")
    assert main(["summarize", str(tmp_path / "word.txt"), "--chunk-tokens", chunk_tokens,
                 "--max-words", "1"]) == code
    captured = capsys.readouterr()
    assert output in (captured.out if code == 0 else captured.err), captured
    if code:  # the start line, then the error's one line
        assert_one_line_error(captured.err, "--chunk-tokens to 11 or more")
        assert captured.err.count("\n") <= 2


@pytest.mark.slow
def test_a_line_of_two_million_characters_is_cut_into_words(tmp_path, capsys):
    """Issue 24, row 14: the summary was the whole line, counted as one word."""
    (tmp_path / "line.txt").write_text("x" * 2_000_000)
    assert main(["summarize", str(tmp_path / "line.txt"), "--max-words", "50", "--quiet"]) == 0
    summary = capsys.readouterr().out
    assert len(summary.split()) == 50 and len(summary) <= 50 * 101
