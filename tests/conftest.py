"""Shared fixtures: the real data (skipped when absent), the default model, a tiny seq2seq model."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests on a fixed sequence of examples, so that its result depends on the
# code alone; the examples that once failed are kept in the tests as @example. The "long"
# profile is the randomized search for new ones: HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("long", print_blob=True)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
elif os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("RECSUM_DATA", ROOT.parent / "shared" / "data"))


def pytest_configure(config) -> None:
    """Encoders built during the tests go to a cache of their own (inherited by the command
    lines the tests start), never to the user's; it is removed at the end."""
    os.environ["RECSUM_CACHE"] = tempfile.mkdtemp(prefix="recsum-test-cache-")


def pytest_unconfigure(config) -> None:
    shutil.rmtree(os.environ.pop("RECSUM_CACHE", ""), ignore_errors=True)


NO_DATA = f"real data not found under {DATA} (set RECSUM_DATA)"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    if not (DATA / "squality" / "dev.jsonl").exists():
        pytest.skip(NO_DATA)
    return DATA


def pytest_terminal_summary(terminalreporter) -> None:
    """Say at the end, where it is seen, that the real-data tests did not run and how to run
    them (the skip reasons alone scroll by, or hide behind -q)."""
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if NO_DATA in str(report.longrepr)]
    if skipped:
        terminalreporter.write_line(
            f"note: {len(skipped)} test(s) skipped for want of the real data under {DATA}; set "
            "RECSUM_DATA to a folder with squality/ and qmsum/ to run them", yellow=True)


@pytest.fixture(scope="session")
def squality_stories(data_dir) -> list[dict]:
    """SQuALITY dev records through the project's adapter: id, document, the 4 references."""
    from recsum.evaluation.data import DatasetSpec, load_records

    spec = DatasetSpec(str(data_dir / "squality" / "dev.jsonl"), adapter="squality")
    return [asdict(record) for record in load_records(spec)]


@pytest.fixture(scope="session")
def extractive():
    """The embedded default part summarizer, loaded once per test session."""
    from recsum.summarizers import ExtractiveSummarizer

    return ExtractiveSummarizer.from_pretrained()


@pytest.fixture(scope="session")
def tiny_seq2seq_path(tmp_path_factory) -> Path:
    """A random BART with d_model 32 and the MiniLM WordPiece tokenizer, saved to disk."""
    from recsum.experiments.bench.scaling import save_random_bart

    return save_random_bart(tmp_path_factory.mktemp("tiny-bart"), shape="tiny",
                            max_positions=128, fixed_length=False)
