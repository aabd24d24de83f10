"""The examples run (at a tiny scale, with small designs), so they cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
SMALL = {"LEAPSIM_SCALE": "0.0005", "LEAPSIM_EXPERIMENTS": "16", "LEAPSIM_SAMPLES": "4"}
"""A tiny scale for every example; 16 experiments for EMA, N = 4 for the Sobol indices."""


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(example: Path, tmp_path: Path) -> None:
    plot = tmp_path / "plot.png"
    env = {**os.environ, **SMALL, "LEAPSIM_PLOT": str(plot)}
    done = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, env=env, timeout=300,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the example printed nothing"
    if example.name == "counterfactual.py":
        assert plot.stat().st_size > 1000 and f"plot: {plot}" in done.stdout
    if example.name == "ema_discovery.py":
        assert "PRIM box " in done.stdout and "restricted parameter" in done.stdout
    if example.name == "salib_sobol.py":
        assert done.stdout.count("demography.hunger_mortality_slope") == 2


def test_there_are_examples() -> None:
    assert {"counterfactual.py", "ema_discovery.py", "salib_sobol.py"} <= {p.name for p in EXAMPLES}
