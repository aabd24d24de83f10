"""attribute, sweep, sensitivity and calibrate against the command line: the same files, byte
for byte, from the same arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

import leapsim
from conftest import leapsim as cli_run

SMALL = ["--scale", "0.0005", "--seed", "3"]
SETTINGS = """description = "two parameters, two targets"
[method]
seeds = 1
max_evals = 6
scale = 0.0005

[[param]]
key = "procurement.enforcement"
start = 0.9
lower = 0.05
upper = 1.0

[[param]]
key = "planning.area_cut"
lower = 0.05
upper = 0.5

[[target]]
id = "procurement_ratio_1959"

[[target]]
outcome = "grain_true_mt:1959"
record = 170.0
band = [160.0, 185.0]
source = "data/national.csv"
"""


def same_files(ours: leapsim.JobResult, theirs: Path, names: list[str]) -> None:
    for name in names:
        assert ours.files[name] == (theirs / name).read_bytes(), name


def test_attribution_equals_the_command_lines(cli: Path, tmp_path: Path) -> None:
    cli_run(cli, "attribute", "--causes", "weather,reporting", "--runs", "2", *SMALL, "--out", str(tmp_path / "a"))
    a = leapsim.attribute(causes=["weather", "reporting"], runs=2, scale=0.0005, seed=3, progress=False)
    same_files(a, tmp_path / "a", ["attribution.csv"])
    assert set(a.table["cause"]) >= {"weather", "reporting"}
    assert a.manifest["seeds"] == [3, 4]
    with pytest.raises(leapsim.InputError):
        leapsim.attribute(causes=["no-such-cause"], scale=0.0005, progress=False)


def test_sweep_equals_the_command_lines(cli: Path, tmp_path: Path) -> None:
    design = tmp_path / "design.toml"
    design.write_text(
        '[design]\nkind = "list"\nseeds = 2\noutcomes = ["deaths:1954"]\n\n'
        "[[point]]\nprocurement.rate = 0.3\n\n[[point]]\nprocurement.rate = 0.4\n"
    )
    cli_run(cli, "sweep", str(design), "historical", *SMALL, "--set", "run.end_year=1955", "--out", str(tmp_path / "s"))
    s = leapsim.sweep(design, scale=0.0005, seed=3, set=["run.end_year=1955"], progress=False)
    same_files(s, tmp_path / "s", ["results.csv"])
    assert len(s.table) == 4
    assert s.written is None and sorted(p.name for p in tmp_path.iterdir()) == ["design.toml", "s"]


def test_sensitivity_equals_the_command_lines(cli: Path, tmp_path: Path) -> None:
    args = ["--param", "procurement.rate=0.2:0.4", "--param", "planning.area_cut=0.05:0.3", "--trajectories", "2"]
    cli_run(cli, "sensitivity", *args, *SMALL, "--set", "run.end_year=1955", "--outcome", "deaths:1954-1955",
            "--out", str(tmp_path / "m"))
    m = leapsim.sensitivity(
        {"procurement.rate": (0.2, 0.4), "planning.area_cut": (0.05, 0.3)}, trajectories=2,
        outcomes=["deaths:1954-1955"], scale=0.0005, seed=3, set={"run.end_year": 1955}, progress=False,
    )
    same_files(m, tmp_path / "m", ["sensitivity.csv", "points.csv"])
    assert len(m.tables["points"]) == 2 * 3
    with pytest.raises(leapsim.InputError, match="sobol"):
        leapsim.sensitivity(["procurement.rate=0.2:0.4"], method="anova", progress=False)


def test_calibration_equals_the_command_lines(cli: Path, tmp_path: Path) -> None:
    settings = tmp_path / "tiny.toml"
    settings.write_text(SETTINGS)
    cli_run(cli, "calibrate", "--settings", str(settings), "--seed", "3", "--out", str(tmp_path / "c"))
    out = tmp_path / "py"
    c = leapsim.calibrate(settings, seed=3, out=out, progress=False)
    names = ["fitted.toml", "loss_history.csv", "fit_report.csv"]
    same_files(c, tmp_path / "c", names)
    for name in names:
        assert (out / name).read_bytes() == (tmp_path / "c" / name).read_bytes()
    assert len(c.tables["loss_history"]) >= 6
    bad = tmp_path / "bad.toml"
    bad.write_text(SETTINGS.replace('key = "planning.area_cut"', 'key = "planning.area_cutt"'))
    with pytest.raises(leapsim.ScenarioError) as e:
        leapsim.calibrate(bad, progress=False)
    assert e.value.key is not None and e.value.file == str(bad) and e.value.line is not None
