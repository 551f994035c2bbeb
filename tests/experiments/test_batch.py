"""Batch runs: one fsynced line per document, resumable after kill -9, never overwritten."""

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from fakes import PrefixSummarizer

from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.evaluation.predictions import batch_settings, read_predictions
from recsum.experiments.batch import run_batch
from recsum.experiments.systems import build_system
from recsum.length import Length, count_words
from recsum.records import Record

LENGTH = Length(12)
SETTINGS = batch_settings("recursive", {}, LENGTH)


def records(count: int) -> list[Record]:
    return [Record(f"doc{i}", " ".join(f"Sentence {k} of document {i} goes on a while."
                                       for k in range(30)), (f"Reference {i}.",))
            for i in range(count)]


class Builds:
    """Counts how often the batch run had to build its system: the real recursive system
    around a deterministic one-token-per-word part summarizer."""

    def __init__(self):
        self.count = 0

    def __call__(self):
        self.count += 1
        return build_system("recursive", part_summarizer=PrefixSummarizer(64))


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_line_per_document_with_summary_settings_and_timings(tmp_path):
    output = tmp_path / "out" / "p.jsonl"
    result = run_batch(Builds(), records(5), LENGTH, output, settings=SETTINGS, group_size=2,
                       progress=False)
    assert (result.written, result.resumed, result.total) == (5, 0, 5)
    rows = lines(output)
    assert [r["id"] for r in rows] == [f"doc{i}" for i in range(5)]
    for row in rows:
        assert 0 < count_words(row["summary"]) <= 12 == row["settings"]["length"]["value"]
        assert row["system"] == "recursive:prefix" and row["words"] == count_words(row["summary"])
        assert row["seconds"] >= 0 and row["group_size"] in (1, 2)


def test_a_document_asked_several_questions_is_summarized_once_by_a_blind_system(tmp_path):
    document = records(1)[0].document
    questions = [Record(f"q{i}", document, (f"Answer {i}.",), query=f"Question {i}?")
                 for i in range(3)] + records(2)  # doc0 is the questions' document again
    once, each = PrefixSummarizer(64), PrefixSummarizer(64)
    result = run_batch(lambda: build_system("recursive", part_summarizer=once), questions,
                       LENGTH, tmp_path / "once.jsonl", settings=SETTINGS, progress=False,
                       one_summary_per_document=True)
    run_batch(lambda: build_system("recursive", part_summarizer=each), questions, LENGTH,
              tmp_path / "each.jsonl", settings=SETTINGS, progress=False, group_size=1)
    assert (result.written, result.total) == (5, 5)
    rows = {row["id"]: row for row in lines(tmp_path / "once.jsonl")}
    assert rows == {row["id"]: row | {"seconds": rows[row["id"]]["seconds"],
                                      "group_seconds": rows[row["id"]]["group_seconds"],
                                      "group_size": rows[row["id"]]["group_size"]}
                    for row in lines(tmp_path / "each.jsonl")}
    assert [rows[f"q{i}"]["query"] for i in range(3)] == [f"Question {i}?" for i in range(3)]
    # Two documents read instead of five, each as often as before.
    texts = [sum(len(call) for call in part.calls) for part in (once, each)]
    assert texts[0] * 5 == texts[1] * 2


def test_a_rerun_skips_finished_ids_and_builds_nothing_when_all_are_done(tmp_path):
    output = tmp_path / "p.jsonl"
    builds = Builds()
    run_batch(builds, records(4)[:2], LENGTH, output, settings=SETTINGS, progress=False)
    result = run_batch(builds, records(4), LENGTH, output, settings=SETTINGS, progress=False)
    assert (result.written, result.resumed) == (2, 2)
    assert [r["id"] for r in lines(output)] == ["doc0", "doc1", "doc2", "doc3"]
    result = run_batch(builds, records(4), LENGTH, output, settings=SETTINGS, progress=False)
    assert (result.written, result.resumed, builds.count) == (0, 4, 2)


def test_a_torn_last_line_is_dropped_and_redone(tmp_path, caplog):
    output = tmp_path / "p.jsonl"
    run_batch(Builds(), records(3), LENGTH, output, settings=SETTINGS, progress=False)
    data = output.read_bytes()
    output.write_bytes(data[: len(data) - 25])  # killed in the middle of writing doc2
    with caplog.at_level(logging.WARNING, logger="recsum"):
        result = run_batch(Builds(), records(3), LENGTH, output, settings=SETTINGS,
                           progress=False)
    assert "torn last line" in caplog.text
    assert (result.written, result.resumed) == (1, 2)
    rows = lines(output)
    assert [r["id"] for r in rows] == ["doc0", "doc1", "doc2"]
    whole = [json.loads(line) for line in data.decode().splitlines()]
    assert rows[2]["summary"] == whole[2]["summary"]  # redone, whole again


def test_output_made_with_other_settings_is_refused_unless_overwrite(tmp_path):
    output = tmp_path / "p.jsonl"
    run_batch(Builds(), records(2), LENGTH, output, settings=SETTINGS, progress=False)
    before = output.read_bytes()
    other = batch_settings("recursive", {}, Length(20))
    with pytest.raises(RecsumError, match=r"other settings.*--overwrite"):
        run_batch(Builds(), records(2), Length(20), output, settings=other, progress=False)
    with pytest.raises(RecsumError, match=r"not in this dataset.*--overwrite"):
        run_batch(Builds(), records(1), LENGTH, output, settings=SETTINGS, progress=False)
    assert output.read_bytes() == before
    result = run_batch(Builds(), records(2), Length(20), output, settings=other, overwrite=True,
                       progress=False)
    assert result.written == 2
    assert all(row["settings"]["length"]["value"] == 20 for row in lines(output))


def test_the_cli_refuses_existing_output_in_one_line(tmp_path, capsys):
    dataset = tmp_path / "d.jsonl"
    dataset.write_text("".join(json.dumps({"id": r.id, "text": r.document, "summary": "s"}) + "\n"
                               for r in records(2)), encoding="utf-8")
    output = tmp_path / "p.jsonl"
    command = ["batch", str(dataset), "-o", str(output), "--system", "lead", "--quiet"]
    assert main([*command, "--max-words", "12"]) == 0
    assert main([*command, "--max-words", "15"]) == 2
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("recsum: error:") and "--overwrite" in error
    assert main([*command, "--max-words", "15", "--overwrite"]) == 0
    assert len(lines(output)) == 2


def test_bad_prediction_files_name_the_line(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": "a", "summary": "x"}\n{"id": "b"}\n', encoding="utf-8")
    with pytest.raises(RecsumError, match=r"line 2: a prediction needs \"id\" and \"summary\""):
        read_predictions(path)
    path.write_text('{"id": "a", "summary": "x"}\n{"id": "a", "summary": "y"}\n', encoding="utf-8")
    with pytest.raises(RecsumError, match="line 2: id 'a' appears a second time"):
        read_predictions(path)
    path.write_text('{"id": "a", "summary": "x"}\nnot json\n{"id": "c", "summary": "z"}\n',
                    encoding="utf-8")
    with pytest.raises(RecsumError, match="line 2: malformed JSON"):
        read_predictions(path)


@pytest.mark.slow
def test_the_default_model_summarizes_real_stories_within_the_budget(squality_stories, extractive,
                                                                     tmp_path):
    stories = [Record(s["id"], " ".join(s["document"].split()[:900]), tuple(s["references"]))
               for s in squality_stories[:2]]
    output = tmp_path / "p.jsonl"
    length = Length(120)
    run_batch(lambda: build_system("recursive", part_summarizer=extractive), stories, length,
              output,
              settings=batch_settings("recursive", {}, length), group_size=2, progress=False)
    rows = lines(output)
    assert [r["id"] for r in rows] == [s.id for s in stories]
    assert all(60 < r["words"] <= 120 and r["system"].startswith("recursive:") for r in rows)


def squality_slice(path, stories, count: int, words: int) -> None:
    """A SQuALITY-format file of ``count`` stories cut to ``words`` words each."""
    rows = [{"metadata": {"passage_id": s["id"]},
             "document": " ".join(s["document"].split()[:words]),
             "questions": [{"question_number": 1, "question_text": "What is the plot?",
                            "responses": [{"response_text": r} for r in s["references"]]}]}
            for s in stories[:count]]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


KILLED_PIPELINE = """
name = "killed"
[dataset]
path = "{dataset}"
adapter = "squality"
[length]
max_words = 80
[[systems]]
kind = "recursive"
[batch]
group_size = 1
[evaluation]
bootstrap = 0
[output]
dir = "{output}"
"""


@pytest.mark.parametrize("command", ["batch", "run", "batch --engine ray"])
@pytest.mark.slow
def test_kill_9_mid_run_then_the_same_command_loses_and_duplicates_nothing(
        command, squality_stories, tmp_path, capsys):
    """With the Ray engine, the killed command's local Ray goes with it, and the rerun starts
    its own."""
    dataset = tmp_path / "stories.jsonl"
    squality_slice(dataset, squality_stories, count=4, words=500)
    if command.startswith("batch"):
        output = tmp_path / "preds.jsonl"
        arguments = ["batch", str(dataset), "--adapter", "squality", "--output", str(output),
                     "--max-words", "80", "--group-size", "1", "--quiet", *command.split()[1:]]
    else:
        pipeline = tmp_path / "killed.toml"
        pipeline.write_text(KILLED_PIPELINE.format(dataset=dataset, output=tmp_path / "out"))
        output = tmp_path / "out" / "predictions" / "recursive.jsonl"
        arguments = ["run", str(pipeline), "--quiet"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    process = subprocess.Popen([sys.executable, "-m", "recsum.cli.main", *arguments], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not (output.exists() and output.read_bytes().count(b"\n") >= 1):
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "no line written within 240 s"
        time.sleep(0.02)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    process.stderr.close()
    written_before = output.read_bytes().count(b"\n")
    assert 1 <= written_before < 4, "the run finished before it could be killed"

    # The same command again, in this process.
    assert main(arguments) == 0
    if command.startswith("batch"):
        assert f"{4 - written_before} document(s) summarized, {written_before} already done" \
            in capsys.readouterr().err
    else:
        assert (tmp_path / "out" / "report.md").exists()
    raw = output.read_text(encoding="utf-8").splitlines()
    ids = [json.loads(line)["id"] for line in raw]  # every line is valid JSON
    assert sorted(ids) == sorted(s["id"] for s in squality_stories[:4])
    assert len(ids) == len(set(ids))


def test_a_second_writer_of_the_same_output_is_refused_in_one_line(tmp_path):
    output = tmp_path / "p.jsonl"
    first_lines = []

    class Second:
        """Builds the system; meanwhile, a second run starts on the same file."""

        def __call__(self):
            with pytest.raises(RecsumError, match=r"p.jsonl is being written by another run; "
                                                  r"wait until it is done"):
                run_batch(Builds(), records(3), LENGTH, output, settings=SETTINGS,
                          progress=False)
            first_lines.extend(output.read_text().splitlines())
            return Builds()()

    result = run_batch(Second(), records(3), LENGTH, output, settings=SETTINGS, progress=False)
    assert first_lines == [] and result.written == 3
    assert [row["id"] for row in lines(output)] == ["doc0", "doc1", "doc2"]
    # Once the first run is over, the file is free: the next run resumes it.
    assert run_batch(Builds(), records(3), LENGTH, output, settings=SETTINGS,
                     progress=False).resumed == 3


@pytest.mark.slow
def test_two_batch_commands_at_once_write_each_id_once(tmp_path):
    """Issue 24, row 8: two runs on one output wrote every id twice."""
    data = tmp_path / "docs.jsonl"
    text = " ".join(f"Sentence {k} tells of the river and the mill {k % 7}." for k in range(300))
    data.write_text("".join(json.dumps({"id": f"d{i}", "text": text}) + "\n" for i in range(40)))
    output = tmp_path / "p.jsonl"
    # The default model: slow enough that the first run still writes when the second starts.
    command = [sys.executable, "-m", "recsum.cli.main", "batch", str(data), "--max-words", "30",
               "-o", str(output), "--quiet", "--group-size", "1"]
    first = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not (output.exists() and output.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the first run writes its lines
    second = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert first.wait(120) == 0, first.stderr.read()
    assert second.returncode == 2 and second.stderr.count("\n") == 1, second.stderr
    assert "p.jsonl is being written by another run" in second.stderr
    ids = [row["id"] for row in lines(output)]
    assert ids == [f"d{i}" for i in range(40)], "an id lost or written twice"


FILE_SIZE_LIMITED = """
import resource, signal, sys
from recsum.errors import RecsumError
from recsum.evaluation.predictions import batch_settings
from recsum.experiments.batch import run_batch
from recsum.experiments.systems import build_system
from recsum.length import Length
from recsum.records import Record

# Files may not grow past 12 KB: a write past that fails with EFBIG, as on a full disk.
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (12 * 1024, 12 * 1024))
records = [Record(f"d{i}", f"Document {i} tells it. " * 60, ()) for i in range(40)]
try:
    run_batch(lambda: build_system("lead", {}), records, Length(40), sys.argv[1],
              settings=batch_settings("lead", {}, Length(40)), progress=False)
except RecsumError as error:
    sys.exit(f"recsum: error: {error}")
"""


def test_a_file_that_can_grow_no_more_is_one_line_and_the_resume_completes_it(tmp_path):
    output = tmp_path / "p.jsonl"
    limited = subprocess.run([sys.executable, "-c", FILE_SIZE_LIMITED, str(output)],
                             capture_output=True, text=True, timeout=120)
    assert limited.returncode == 1 and limited.stderr.count("\n") == 1, limited.stderr
    assert "cannot write" in limited.stderr and "(File too large): the disk" in limited.stderr
    records = [Record(f"d{i}", f"Document {i} tells it. " * 60, ()) for i in range(40)]
    settings = batch_settings("lead", {}, Length(40))
    result = run_batch(lambda: build_system("lead", {}), records, Length(40), output,
                       settings=settings, progress=False)
    assert 0 < result.resumed < 40 and result.resumed + result.written == 40
    assert [row["id"] for row in lines(output)] == [f"d{i}" for i in range(40)]


@pytest.mark.slow
def test_a_full_disk_is_one_line_and_the_resume_completes_the_file(tmp_path):
    """On a 12 KB tmpfs, mounted in a user namespace of its own (skipped where there is none):
    the run stops in one line, and after the disk grows the same command finishes the file."""
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("no user namespace to mount a small tmpfs in (unshare -rm failed)")
    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps({"id": f"d{i}", "text": f"Document {i} tells it. " * 60})
                            + "\n" for i in range(40)))
    disk = tmp_path / "disk"
    disk.mkdir()
    batch = (f"{sys.executable} -m recsum.cli.main batch {data} --system lead --max-words 40 "
             f"-o {disk}/p.jsonl --quiet")
    script = (f"mount -t tmpfs -o size=12k tmpfs {disk} && {{ {batch} 2>{tmp_path}/full.err; "
              f"echo $? > {tmp_path}/full.code; }}; mount -o remount,size=1m {disk} && "
              f"{batch} && cp {disk}/p.jsonl {tmp_path}/p.jsonl")
    finished = subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True,
                              text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr
    error = (tmp_path / "full.err").read_text()
    assert (tmp_path / "full.code").read_text().strip() == "2"
    assert error.count("\n") == 1 and "(No space left on device): the disk" in error
    assert "Traceback" not in error
    ids = [row["id"] for row in lines(tmp_path / "p.jsonl")]
    assert ids == [f"d{i}" for i in range(40)]


@pytest.mark.parametrize(("rows", "message"), [
    ([{"id": "a", "text": 5}], "row 1 (id 'a'): the text field 'text' holds int 5, not text"),
    ([{"id": "z", "text": "Fine."}, {"id": None, "text": "Words."}],
     "row 2: the id field 'id' holds null; ids must be strings or numbers"),
    ([{"id": {"a": 1}, "text": "Words."}], "row 1: the id field 'id' holds dict {\"a\": 1}"),
    ([{"id": [1], "text": "Words."}], "row 1: the id field 'id' holds list [1]"),
])
def test_a_row_with_a_bad_text_or_id_is_one_line_naming_it(tmp_path, capsys, rows, message):
    data = tmp_path / "docs.jsonl"
    data.write_text("".join(json.dumps(row) + "\n" for row in rows))
    capsys.readouterr()
    assert main(["batch", str(data), "--system", "lead", "-o", str(tmp_path / "p.jsonl")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err, err


def test_an_output_that_is_a_directory_is_one_line(tmp_path):
    with pytest.raises(RecsumError, match=r"is a directory; give a file name for the predictions"):
        run_batch(Builds(), records(1), LENGTH, tmp_path, settings=SETTINGS, progress=False)
