"""The examples run (at a tiny scale), so they cannot rot."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_runs(example: Path) -> None:
    env = {**os.environ, "LEAPSIM_SCALE": "0.0005"}
    done = subprocess.run([sys.executable, str(example)], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the example printed nothing"


def test_there_are_examples() -> None:
    assert EXAMPLES
