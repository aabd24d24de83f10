"""leapsim.ensemble and leapsim.compare against the command line's files; Ctrl-C."""

from __future__ import annotations

import _thread
import threading
import time
from pathlib import Path

import pytest

import leapsim
from conftest import TINY_CLI, csv_rows, leapsim as cli_run
from test_run import as_rows

TINY = {"scale": 0.0005, "seed": 3, "set": ["run.end_year=1955"]}
OUTCOMES = ["deaths:1954-1955", "grain_true_mt:1955@CN-HA"]


def test_ensemble_quantiles_equal_the_command_lines(cli: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "cli"
    cli_run(cli, "ensemble", "historical", "--runs", "3", *TINY_CLI, "--out", str(theirs),
            "--outcome", OUTCOMES[0], "--outcome", OUTCOMES[1])
    e = leapsim.ensemble("historical", runs=3, outcomes=OUTCOMES, progress=False, **TINY)  # type: ignore[arg-type]
    assert e.seeds == [3, 4, 5]
    assert e.written is None
    assert as_rows(e.annual) == csv_rows(theirs / "annual_quantiles.csv")
    headline = e.outcomes[["outcome", "mean", "q05", "q50", "q95"]]
    assert as_rows(headline) == csv_rows(theirs / "headline.csv")
    assert e.manifest["seeds"] == [3, 4, 5]
    # With out=, the same files as the command line, and no work store left behind.
    ours = tmp_path / "py"
    again = leapsim.ensemble("historical", runs=3, outcomes=OUTCOMES, out=ours, progress=False, **TINY)  # type: ignore[arg-type]
    assert sorted(again.written or []) == sorted(p.name for p in theirs.iterdir())
    for name in ["annual_quantiles.csv", "headline.csv"]:
        assert (ours / name).read_bytes() == (theirs / name).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli", "py"]


def test_comparison_equals_the_command_lines(cli: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "cli"
    cli_run(cli, "compare", "historical", "no-exports", "--runs", "2", *TINY_CLI, "--out", str(theirs),
            "--outcome", OUTCOMES[0])
    c = leapsim.compare(["historical", "no-exports"], runs=2, outcomes=OUTCOMES[:1], progress=False, **TINY)  # type: ignore[arg-type]
    assert c.names == ["historical", "no-exports"] and c.seeds == [3, 4]
    assert as_rows(c.annual) == csv_rows(theirs / "compare.csv")
    assert len(c.values) == 4 and len(c.outcomes) == 2
    ref = c.outcomes.iloc[0]
    assert ref["diff_mean"] == 0.0 and ref["scenario"] == "historical"
    paired = c.values.pivot(index="seed", columns="scenario", values="value")
    diff = (paired["no-exports"] - paired["historical"]).mean()
    assert c.outcomes.iloc[1]["diff_mean"] == pytest.approx(diff, rel=1e-12, abs=1e-9)
    with pytest.raises(leapsim.InputError, match="two or more"):
        leapsim.compare(["historical"], runs=1, progress=False)


def test_ctrl_c_stops_a_job_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "ens"
    timer = threading.Timer(0.5, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        leapsim.ensemble(runs=40, scale=0.002, out=out, progress=False)
    elapsed = time.perf_counter() - started
    timer.cancel()
    assert elapsed < 5, elapsed
    assert not out.exists()
    # The finished runs are kept for resume=True, as the command line keeps them.
    assert [p.name for p in tmp_path.iterdir()] in ([], ["ens.work"])


def test_ctrl_c_stops_a_run() -> None:
    timer = threading.Timer(0.2, _thread.interrupt_main)
    started = time.perf_counter()
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        leapsim.run(scale=0.02, progress=False)
    timer.cancel()
    assert time.perf_counter() - started < 3
