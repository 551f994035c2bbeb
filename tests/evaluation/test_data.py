"""Dataset loading: adapters on the real data, field mapping, and every kind of bad input."""

import json
import logging

import pytest

from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.evaluation.data import DatasetSpec, load_records, read_jsonl


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def test_squality_generic_task_has_four_references(data_dir):
    records = load_records(DatasetSpec(str(data_dir / "squality" / "dev.jsonl"),
                                       adapter="squality"))
    assert len(records) == 25
    assert len({r.id for r in records}) == 25
    assert all(len(r.references) == 4 and r.query is None for r in records)
    assert all(len(r.document.split()) > 2000 for r in records)


def test_squality_query_tasks_are_an_option(data_dir):
    path = str(data_dir / "squality" / "dev.jsonl")
    queries = load_records(DatasetSpec(path, adapter="squality", tasks="query", limit=2))
    both = load_records(DatasetSpec(path, adapter="squality", tasks="all", limit=2))
    assert len(queries) == 8 and len(both) == 10
    assert all(r.query and r.id.endswith(("-q2", "-q3", "-q4", "-q5")) for r in queries)
    assert queries[0].document == both[0].document


def test_qmsum_renders_turns_and_takes_the_general_answer(data_dir):
    path = data_dir / "qmsum" / "val.jsonl"
    raw = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    records = load_records(DatasetSpec(str(path), adapter="qmsum", limit=1))
    assert [r.id for r in records] == ["0"]
    first = raw["meeting_transcripts"][0]
    assert records[0].document.splitlines()[0] == f"{first['speaker']}: {first['content']}"
    assert len(records[0].document.splitlines()) == len(raw["meeting_transcripts"])
    assert records[0].references == (raw["general_query_list"][0]["answer"],)
    specific = load_records(DatasetSpec(str(path), adapter="qmsum", tasks="query", limit=1))
    assert len(specific) == len(raw["specific_query_list"])
    assert specific[0].query == raw["specific_query_list"][0]["query"]


def test_flat_fields_are_mapped_and_found_by_common_names(tmp_path):
    rows = [{"article": "Doc one.", "abstract": "Sum one.", "key": "a"},
            {"article": "Doc two.", "abstract": "Sum two.", "key": "b"}]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    records = load_records(DatasetSpec(str(path), id_field="key"))
    assert [(r.id, r.document, r.references) for r in records] == [
        ("a", "Doc one.", ("Sum one.",)), ("b", "Doc two.", ("Sum two.",))]
    assert [r.id for r in load_records(DatasetSpec(str(path)))] == ["0", "1"]  # row numbers


def test_several_references_from_a_list_or_several_fields(tmp_path):
    rows = [{"text": "A document.", "refs": ["One.", "Two."], "r1": "One.", "r2": "Two."}]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    listed = load_records(DatasetSpec(str(path), reference_field="refs"))
    fields = load_records(DatasetSpec(str(path), reference_field=["r1", "r2"]))
    assert listed[0].references == fields[0].references == ("One.", "Two.")


def test_csv_and_parquet_and_txt_files(tmp_path):
    (tmp_path / "d.csv").write_text("id,text,summary\nx,A long text.,Short.\n", encoding="utf-8")
    assert load_records(DatasetSpec(str(tmp_path / "d.csv")))[0].id == "x"
    import datasets

    datasets.Dataset.from_dict({"text": ["Body."], "summary": ["Sum."]}).to_parquet(
        str(tmp_path / "d.parquet"))
    assert load_records(DatasetSpec(str(tmp_path / "d.parquet")))[0].references == ("Sum.",)
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "story.txt").write_text("Line one.\n\nLine two.\n", encoding="utf-8")
    (folder / "empty.txt").write_text("\n", encoding="utf-8")
    # One document per file, named after it; plain text has no reference to evaluate against.
    records = load_records(DatasetSpec(str(folder)), need_references=False)
    assert [(r.id, r.document, r.references) for r in records] == [
        ("story", "Line one.\n\nLine two.\n", ())]
    with pytest.raises(RecsumError, match=r"no field found for reference field.*--reference-field"):
        load_records(DatasetSpec(str(folder)))


def test_missing_fields_are_one_line_errors_naming_the_fix(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"body": "x", "summary": "y"}])
    with pytest.raises(RecsumError) as error:
        load_records(DatasetSpec(str(path)))
    assert "pass --text-field" in str(error.value) and "body" in str(error.value)
    with pytest.raises(RecsumError, match=r"no field 'nope'.*fix --reference-field"):
        load_records(DatasetSpec(str(path), text_field="body", reference_field="nope"))
    with pytest.raises(RecsumError, match=r"lacks field.*questions.*check --adapter"):
        load_records(DatasetSpec(str(path), adapter="squality"))
    with pytest.raises(RecsumError, match="unknown adapter"):
        DatasetSpec(str(path), adapter="arxiv")


def test_a_malformed_json_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "summary": "b"}\n\n{"text": "c", "summ\n', encoding="utf-8")
    with pytest.raises(RecsumError, match=r"d.jsonl, line 3: malformed JSON"):
        load_records(DatasetSpec(str(path)))
    with pytest.raises(RecsumError, match="line 3"):
        read_jsonl(path)


def test_empty_documents_and_references_are_skipped_and_counted(tmp_path, caplog):
    rows = [{"id": "ok", "text": "Fine.", "summary": "Good."},
            {"id": "e1", "text": "  ", "summary": "x"},
            {"id": "e2", "text": None, "summary": "x"},
            {"id": "r1", "text": "Text.", "summary": ""}]
    path = write_jsonl(tmp_path / "d.jsonl", rows)
    with caplog.at_level(logging.WARNING, logger="recsum"):
        records = load_records(DatasetSpec(str(path)))
    assert [r.id for r in records] == ["ok"]
    assert "skipped 2 record(s)" in caplog.text and "empty document: 'e1', 'e2'" in caplog.text
    assert "skipped 1 record(s)" in caplog.text and "no reference: 'r1'" in caplog.text


def test_duplicate_ids_and_missing_files_are_errors(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": 1, "text": "a", "summary": "b"}] * 2)
    with pytest.raises(RecsumError, match="id '1' occurs twice"):
        load_records(DatasetSpec(str(path)))
    with pytest.raises(RecsumError, match="no such file"):
        load_records(DatasetSpec(str(tmp_path / "absent.jsonl")))
    with pytest.raises(RecsumError, match="no split 'validation'"):
        load_records(DatasetSpec(str(path), split="validation"))


def test_an_unknown_hub_dataset_offline_says_the_hub_is_unreachable(monkeypatch, capsys):
    import datasets.config
    import huggingface_hub.constants

    # What HF_HUB_OFFLINE=1 sets when the libraries are imported.
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    code = main(["evaluate", "--predictions", "p.jsonl", "--references",
                 "nobody-here/no-such-dataset"])
    error = capsys.readouterr().err
    assert code == 2
    assert error.count("\n") == 1, error  # one line, no traceback
    assert "hub is unreachable" in error


def test_scisummnet_trains_and_ectsum_is_for_evaluation_only(data_dir, tmp_path):
    from recsum.training.examples import load_datasets

    papers = load_records(DatasetSpec(str(data_dir / "scisummnet" / "dev.jsonl"),
                                      adapter="scisummnet", limit=12))
    assert papers and all(r.id.startswith("scisummnet-") and len(r.references) == 1
                          for r in papers)
    with pytest.raises(RecsumError, match="no record"):  # papers have no questions
        load_records(DatasetSpec(str(data_dir / "scisummnet" / "dev.jsonl"),
                                 adapter="scisummnet", limit=12, tasks="query"))
    calls = str(data_dir / "ectsum" / "val.jsonl")
    assert len(load_records(DatasetSpec(calls, adapter="ectsum", limit=2))) == 2
    with pytest.raises(RecsumError, match=r"ectsum is for evaluation only .*GPL-3\.0"):
        load_datasets([f"ectsum:{calls}"], limit=2)
    assert main(["train", "part", "--output", str(tmp_path / "never"), "--train",
                 f"ectsum:{calls}", "--quiet"]) == 2
    assert not (tmp_path / "never").exists()
