"""The benchmark script still runs (it measures nothing here: its figures are read by people, not asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "bench_build.py"


def test_the_benchmark_runs_and_prints_its_figures(tmp_path):
    command = [sys.executable, str(SCRIPT), "--sizes", "60", "--repeat", "1", "--work", str(tmp_path / "work")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = [line.split()[0:2] for line in result.stdout.splitlines() if line.strip()]
    assert ["start-up:", "roadmap-cards"] in lines
    assert ["cold", "build"] in lines
    assert ["rebuild"] in [line[:1] for line in lines]
    assert ["raw", "genanki"] in lines
