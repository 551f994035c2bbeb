"""Fuzzing every option of the API and the CLI with awkward texts: each case gives a summary
within budget made of the document's words, or one line of RecsumError; never a hang, never a
traceback, never an empty summary with success.

The API cases run the real reducer around deterministic part summarizers (one token per word),
so hundreds of cases take seconds; the CLI cases run ``recsum summarize`` in process with the
embedded default, fewer of them. Each case has a deadline, so a hang is a failure, not a stall.
"Words of the document" are words as recsum counts them (``recsum.length.words``: a run of more
than 100 characters is several), compared without case and the punctuation around them.

CI runs a fixed sequence of examples (``derandomize``, tests/conftest.py), and the failing
examples found so far are kept as ``@example`` cases; a longer randomized run is
``HYPOTHESIS_PROFILE=long python -m pytest tests/test_fuzz.py -m ""`` (ten times the cases).
"""

from __future__ import annotations

import os
import string

import pytest
from fakes import PrefixSummarizer, RatingSummarizer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from recsum import Summarizer
from recsum.cli.main import main
from recsum.errors import RecsumError
from recsum.length import count_words, words

# The long randomized run (see above) tries ten times as many cases.
SCALE = 10 if os.environ.get("HYPOTHESIS_PROFILE") == "long" else 1
WORD = st.from_regex(r"[a-zA-Z]{1,12}", fullmatch=True)
MIXED = st.sampled_from(["Ωmega", "数据", "données", "ключ", "٣٤٥", "x=y+1;", "|a|b|", "—"])


@st.composite
def texts(draw) -> str:
    """Prose, no punctuation at all, one word repeated, mixed scripts, code, one long line."""
    kind = draw(st.sampled_from(["prose", "unpunctuated", "repeated", "mixed", "code", "line"]))
    words = draw(st.lists(WORD, min_size=1, max_size=300))
    if kind == "prose":
        return " ".join(f"{w}." if i % 7 == 6 else w for i, w in enumerate(words))
    if kind == "unpunctuated":
        return " ".join(words)
    if kind == "repeated":
        return " ".join([words[0]] * draw(st.integers(1, 2000)))
    if kind == "mixed":
        return " ".join(draw(st.lists(MIXED, min_size=1, max_size=200)))
    if kind == "code":
        return "\n".join(f"    {w} = {w}({i})" for i, w in enumerate(words))
    return "".join(words) * draw(st.integers(1, 50))  # one word-like line without spaces


OPTIONS = st.fixed_dictionaries({
    "chunk_tokens": st.one_of(st.none(), st.integers(1, 64)),
    "overlap": st.integers(0, 40),
    "max_depth": st.one_of(st.none(), st.integers(1, 6)),
})


def check(text: str, run) -> None:
    """``run()`` returns a result whose summary must be sound, or raises one line."""
    try:
        result = run()
    except RecsumError as error:
        assert "\n" not in str(error) and str(error).strip()
        return
    count = count_words(result.summary)
    assert 0 < count <= result.length.value or result.length.unit != "words"
    assert result.summary.strip(), "an empty summary returned as a success"
    assert _bare_words(result.summary) <= _bare_words(text) or result.truncated


def _bare_words(text: str) -> set[str]:
    """Words without their case and the punctuation around them: the cleaner drops
    hesitations and restarts ("A A EH." reads "A.") and capitalizes a sentence's first word."""
    return {word.strip(string.punctuation).lower() for word in words(text)} - {""}


@settings(max_examples=150 * SCALE, deadline=5_000, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts(), options=OPTIONS, max_words=st.integers(1, 60),
       rating=st.booleans())
@example(text="x" * 2_000, options={"chunk_tokens": 4, "overlap": 0, "max_depth": None},
         max_words=3, rating=False)
@example(text="A A A A A A EH.", options={"chunk_tokens": None, "overlap": 0, "max_depth": None},
         max_words=1, rating=False)  # cleaned to "A.", not a word of the document as written
def test_the_api_with_any_options_and_text(text, options, max_words, rating):
    part = RatingSummarizer(64) if rating else PrefixSummarizer(64)
    check(text, lambda: Summarizer(part, **options).summarize(text, max_words))


@pytest.fixture(scope="module")
def document_file(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@pytest.mark.slow
@settings(max_examples=25 * SCALE, deadline=60_000,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=texts(), options=OPTIONS, max_words=st.integers(0, 40))
@example(text="AQBJBPBPB", options={"chunk_tokens": 10, "overlap": 0, "max_depth": None},
         max_words=1)  # issue 24: the summary was "B", a piece of the word
def test_the_cli_with_any_options_and_text(document_file, capsys, text, options, max_words):
    path = document_file / "doc.txt"
    path.write_text(text, encoding="utf-8")
    flags = [f"--{key.replace('_', '-')}={value}" for key, value in options.items()
             if value is not None]
    capsys.readouterr()
    try:
        code = main(["summarize", str(path), f"--max-words={max_words}", "--quiet", *flags])
    except SystemExit as exit_:  # argparse refuses a value: its one line, exit 2
        code = exit_.code
    out, err = capsys.readouterr()
    if code == 0:
        assert out.strip() and 0 < count_words(out) <= max_words, out
        assert set(words(out)) <= set(words(text)), out
    else:
        assert code == 2 and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and "error:" in err, err
