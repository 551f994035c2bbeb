"""The public API: Summarizer (its config, its four calls, the System call) and recsum.summarize."""

from __future__ import annotations

import pytest
from fakes import PrefixSummarizer

import recsum
from recsum import Summarizer
from recsum.config import DEFAULT_MAX_WORDS, SummarizerConfig
from recsum.errors import RecsumError
from recsum.experiments.systems import System, build_system
from recsum.length import Length, count_words

TEXT = " ".join(f"Sentence {k} tells the reader one more thing." for k in range(60))


def test_summarize_keeps_the_budget_in_words_or_tokens():
    summarizer = Summarizer(PrefixSummarizer(64))
    result = summarizer.summarize(TEXT, 20)
    assert 0 < count_words(result.summary) <= 20 and result.depth >= 2
    assert result.length == Length(20)
    assert summarizer.summarize(TEXT, max_tokens=12).length == Length(12, "tokens")
    assert summarizer.summarize(TEXT).length == Length(DEFAULT_MAX_WORDS)


def test_summarize_many_gives_one_result_per_text_in_order():
    summarizer = Summarizer(PrefixSummarizer(64))
    texts = [TEXT, "Short text. It fits.", TEXT.replace("reader", "listener")]
    results = summarizer.summarize_many(texts, 15)
    assert [r.summary for r in results] == [summarizer.summarize(t, 15).summary for t in texts]
    assert results[1].summary.split() == ["Short", "text.", "It", "fits."]  # already short


def test_summarize_file_reads_text_and_markdown(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# Notes\n\n" + TEXT, encoding="utf-8")
    result = Summarizer(PrefixSummarizer(64)).summarize_file(path, 25)
    assert 0 < count_words(result.summary) <= 25
    with pytest.raises(RecsumError, match="no such file"):
        Summarizer(PrefixSummarizer(64)).summarize_file(tmp_path / "absent.txt")


def test_settings_reach_the_reducer_and_unknown_ones_are_named():
    summarizer = Summarizer(PrefixSummarizer(64), chunk_tokens=40, overlap=1, max_depth=9)
    assert summarizer.config == SummarizerConfig(chunk_tokens=40, overlap=1, max_depth=9)
    assert all(p.input_tokens <= 40 for p in summarizer.summarize(TEXT, 20).levels[0].parts)
    with pytest.raises(RecsumError, match=r"unknown setting.*chunk_tokenz.*chunk_tokens"):
        Summarizer(PrefixSummarizer(64), chunk_tokenz=40)


def test_the_summarizer_is_the_recursive_system():
    part = PrefixSummarizer(64)
    system = build_system("recursive", {"chunk_tokens": 40}, part_summarizer=part)
    assert isinstance(system, System) and system.name == "recursive:prefix"
    assert system.summarizer is part
    (summary,) = system.summarize_documents([TEXT], Length(20))
    assert summary == Summarizer(part, chunk_tokens=40).summarize(TEXT, 20).summary
    assert summary != Summarizer(part).summarize(TEXT, 20).summary  # the option was used
    with pytest.raises(RecsumError, match="unknown setting"):
        build_system("recursive", {"chunk_tokenz": 40}, part_summarizer=part)


def test_generation_settings_become_a_generation_config():
    config = SummarizerConfig.from_options({"model": "some/bart", "num_beams": 2})
    assert config.model == "some/bart"
    assert config.generation.num_beams == 2 and config.generation.no_repeat_ngram_size == 3


@pytest.mark.slow
def test_recsum_summarize_with_the_embedded_default():
    summary = recsum.summarize(TEXT, 30)
    assert 0 < count_words(summary) <= 30
    assert set(summary.splitlines()) <= {f"Sentence {k} tells the reader one more thing."
                                         for k in range(60)}


def test_a_query_reaches_the_reducer_from_every_entry_point(tmp_path):
    from fakes import RatingSummarizer

    from recsum import Summarizer

    text = " ".join(f"Sentence {i} talks about {'budgets' if i == 7 else 'weather'} today."
                    for i in range(40))
    summarizer = Summarizer(RatingSummarizer(64))
    focused = summarizer.summarize(text, 12, query="Any budgets?")
    assert "budgets" in focused.summary and focused.query == "Any budgets?"
    assert [s.relevance for s in focused.sentences if "budgets" in s.text] == [1.0]
    (many,) = summarizer.summarize_many([text], 12, queries=["Any budgets?"])
    assert many.summary == focused.summary
    path = tmp_path / "doc.txt"
    path.write_text(text, encoding="utf-8")
    assert summarizer.summarize_file(path, 12, query="Any budgets?").summary == (
        focused.summary)
    assert "budgets" not in summarizer.summarize(text, 12).summary


@pytest.mark.slow
def test_the_shipped_query_scorer_steers_a_real_meeting_toward_the_query(data_dir):
    import json

    row = json.loads((data_dir / "qmsum" / "val.jsonl").read_text().splitlines()[17])
    meeting = "\n".join(f"{turn['speaker']}: {turn['content']}"
                        for turn in row["meeting_transcripts"])
    summarizer = Summarizer(config=SummarizerConfig(dtype="float32"))  # the same on every CPU
    generic = summarizer.summarize(meeting, max_words=65)
    query = "What did the group members think of the buttons of the remote control?"
    answer = summarizer.summarize(meeting, max_words=65, query=query)

    assert len(answer.levels) >= 2 and count_words(answer.summary) <= 65
    assert answer.summary != generic.summary
    on_topic = [sum("button" in line.lower() for line in result.summary.splitlines())
                for result in (answer, generic)]
    assert on_topic[0] > on_topic[1]
    assert all(s.relevance is not None for s in answer.sentences)
    assert all(meeting[s.start:s.end].strip() for s in answer.sentences)  # provenance
