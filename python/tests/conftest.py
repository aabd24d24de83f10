"""What the tests share: the command-line binary they compare with, and tiny runs (scale
0.0005, 1953-1955) that take a fraction of a second."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = {"scale": 0.0005, "seed": 3, "set": {"run.end_year": 1955}}
"""Keyword arguments of a tiny run."""
TINY_CLI = ["--scale", "0.0005", "--seed", "3", "--set", "run.end_year=1955"]
"""The same run's command-line options."""


@pytest.fixture(scope="session")
def cli() -> Path:
    """The release `leapsim` binary of this checkout, built if it is not up to date."""
    subprocess.run(["cargo", "build", "--release", "--locked", "-q", "-p", "leapsim-cli"], cwd=ROOT, check=True)
    binary = ROOT / "target" / "release" / "leapsim"
    assert binary.is_file(), f"{binary} was not built"
    return binary


def leapsim(cli: Path, *args: str) -> None:
    """Run the command line; a failure fails the test with its output."""
    done = subprocess.run([str(cli), *args, "--quiet"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def csv_rows(path: Path) -> list[list[str]]:
    """A CSV file's rows (no quoting in leapsim's tables), header first."""
    return [line.split(",") for line in path.read_text().splitlines()]
