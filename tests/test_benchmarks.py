"""The benchmark scripts run end to end on a slice of the real data (smoke size)."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from conftest import ROOT


def run_benchmark(script: str, *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.mark.slow
def test_domain_transfer_prints_a_row_of_scores_per_reading(data_dir) -> None:
    done = run_benchmark("domain_transfer.py", "--data", str(data_dir), "--limit", "2",
                         "--epochs", "1", "--centrality-weights", "0,0.5")
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[0] for row in rows[1:]] == [
        "| as shipped", "| standardized", "| features only",
        "| standardized + features only + 0 × centrality",
        "| standardized + features only + 0.5 × centrality",
        "| gated: as shipped if familiar, else the fallback (0.5)"]
    # The held-out domains' mean ROUGE-1, which chose the weight, for every reading.
    (means,) = [line for line in done.stdout.splitlines() if line.startswith("Mean ROUGE-1")]
    assert len(re.findall(r" \d+\.\d\d(?:,|$)", means)) == len(rows) - 1
    for row in rows[1:]:
        cells = row.strip("| ").split(" | ")[1:]
        assert len(cells) == 7  # three domains held out in turn, four evaluation sets
        scores = [float(value) for cell in cells for value in cell.split(" / ")]
        assert all(0 <= score <= 100 for score in scores)
        assert any(score > 0 for score in scores)
    assert re.search(r"unseen papers \(\d+\)", rows[0]) and "ECTSum val (45)" in rows[0]
    # No document of a held-out domain is taken for one of the domains the scorer learned.
    assert "stories 0/2, meetings 0/2, papers 0/2" in done.stdout


@pytest.mark.slow
def test_dtype_timing_times_every_format_this_cpu_runs(data_dir) -> None:
    done = run_benchmark("dtype_timing.py", "--data", str(data_dir), "--limit", "1", "--rounds",
                         "1")
    rows = {line.split(" | ")[0]: line for line in done.stdout.splitlines()
            if line.startswith("| ") and not line.startswith("| format")}
    # float32 and int8 run on every CPU; bfloat16 is timed or said to be refused.
    assert {"| float32", "| int8"} <= set(rows)
    assert rows["| float32"].endswith("| 1.00× |")
    assert "| bfloat16" in rows or "bfloat16: not run" in done.stdout
    seconds = float(rows["| int8"].split(" | ")[1])
    assert 0 < seconds < 60
