"""leapsim.run against `leapsim run`: the same tables value for value, the same files."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

import leapsim
from leapsim import _native

from conftest import TINY, TINY_CLI, csv_rows, leapsim as cli_run


def as_rows(frame: pd.DataFrame) -> list[list[str]]:
    """A DataFrame's rows as the CSV files write them (numbers through the library's
    formatting), header first."""
    columns = list(frame.columns)
    rows = [columns]
    values = [frame[c].tolist() for c in columns]
    for row in zip(*values):
        rows.append([_native.fmt_value(v) if isinstance(v, float) else str(v) for v in row])
    return rows


@pytest.fixture(scope="module")
def cli_dir(cli: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "run"
    cli_run(cli, "run", "historical", *TINY_CLI, "--out", str(out))
    return out


@pytest.fixture(scope="module")
def result() -> leapsim.RunResult:
    return leapsim.run("historical", progress=False, **TINY)  # type: ignore[arg-type]


def test_annual_and_monthly_equal_the_command_lines(result: leapsim.RunResult, cli_dir: Path) -> None:
    annual = csv_rows(cli_dir / "annual.csv")
    assert len(annual) > 1000
    assert as_rows(result.annual) == annual
    assert as_rows(result.monthly) == csv_rows(cli_dir / "monthly.csv")
    assert result.annual["value"].dtype == "float64"
    assert list(result.to_polars().columns) == ["year", "region", "series", "value"]
    assert result.to_polars(monthly=True).height == len(result.monthly)


def test_summary_manifest_and_fit_table(result: leapsim.RunResult, cli_dir: Path) -> None:
    assert result.summary == json.loads((cli_dir / "summary.json").read_text())
    fit = result.fit_table
    assert {"figure", "model", "record", "low", "high", "ok"} <= set(fit.columns)
    assert len(fit) == len(result.summary["fit"]) > 3
    manifest = result.manifest
    cli_manifest = json.loads((cli_dir / "manifest.json").read_text())
    assert manifest["params"] == cli_manifest["params"]
    assert manifest["scale"] == 0.0005 and manifest["seed"] == 3
    assert manifest["command"][0] == "leapsim.run"


def test_save_writes_what_the_command_line_writes(result: leapsim.RunResult, cli_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "saved"
    names = result.save(out)
    assert sorted(names) == sorted(p.name for p in cli_dir.iterdir())
    for name in ["annual.csv", "monthly.csv", "summary.json"]:
        assert (out / name).read_bytes() == (cli_dir / name).read_bytes(), name
    ours = json.loads((out / "manifest.json").read_text())
    theirs = json.loads((cli_dir / "manifest.json").read_text())
    assert set(ours) == set(theirs)
    for key in ["params", "timeline", "seed", "scale", "overrides", "scenario", "person_months"]:
        assert ours[key] == theirs[key], key
    # A directory that is not a run is never replaced.
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(leapsim.InputError, match="not a leapsim output directory"):
        result.save(foreign)
    assert (foreign / "keep.txt").read_text() == "mine"


def test_bad_parameter_raises_scenario_error_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(leapsim.ScenarioError) as e:
        leapsim.run(set={"procurement.ratee": 0.3}, progress=False)
    assert e.value.key == "procurement.ratee"
    assert e.value.file == "--set"
    assert "did you mean `procurement.rate`" in str(e.value)
    with pytest.raises(leapsim.ScenarioError) as e:
        leapsim.run(set={"procurement.rate": 7}, progress=False)
    assert e.value.key == "procurement.rate"
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "historical"\nname = "bad"\n\n[procurement]\nrate = "high"\n')
    with pytest.raises(leapsim.ScenarioError) as e:
        leapsim.Scenario.from_file(bad)
    assert (e.value.file, e.value.line, e.value.key) == (str(bad), 5, "procurement.rate")
    assert str(e.value).startswith(f"{bad}:5: key `procurement.rate`: ")
    # Nothing is written by a job refused for a bad parameter.
    out = tmp_path / "ens"
    with pytest.raises(leapsim.ScenarioError):
        leapsim.ensemble(runs=2, set=["food.mess_hallz=false"], out=out, progress=False)
    assert list(tmp_path.iterdir()) == [bad]


def test_overlay_in_code_equals_the_built_in_overlay() -> None:
    overlay = leapsim.Scenario("historical").extend(
        "no-mess-halls-in-code", "No communal mess halls", pinned={"food.mess_halls": False}
    )
    assert overlay.name == "no-mess-halls-in-code"
    assert "[pinned.food]\nmess_halls = false" in overlay.to_toml()
    ours = leapsim.run(overlay, progress=False, **TINY)  # type: ignore[arg-type]
    builtin = leapsim.run("no-mess-halls", progress=False, **TINY)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(ours.annual, builtin.annual)
    # A pinned parameter of an overlay built in code is a --set of the command line's, and
    # parameters change the run.
    strict = overlay.extend("strict", pinned={"procurement.plan_rate": 0.2})
    assert 'extends = "no-mess-halls-in-code.toml"' in strict.to_toml()
    tiny = {"scale": 0.0005, "seed": 3}
    pinned = leapsim.run(strict, set=["run.end_year=1955"], progress=False, **tiny)  # type: ignore[arg-type]
    sets = ["food.mess_halls=false", "procurement.plan_rate=0.2", "run.end_year=1955"]
    by_set = leapsim.run("historical", set=sets, progress=False, **tiny)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(pinned.annual, by_set.annual)
    assert not pinned.annual["value"].equals(ours.annual["value"])
    with pytest.raises(leapsim.ScenarioError) as e:
        leapsim.Scenario("historical").extend("x", params={"food.mess_hallz": 1})
    assert e.value.key == "food.mess_hallz"


def test_scenarios_and_params() -> None:
    s = leapsim.scenarios()
    assert list(s.columns) == ["name", "description"]
    assert s["name"].iloc[0] == "historical" and "no-exports" in set(s["name"])
    p = leapsim.params()
    for column in ["key", "unit", "default", "range", "meaning", "source"]:
        assert column in p.columns
    row = p.set_index("key").loc["procurement.rate"]
    assert row["min"] <= row["default"] <= row["max"] and row["range"] == (row["min"], row["max"])
    assert p["key"].is_unique and len(p) > 50


def test_run_releases_the_gil() -> None:
    done = threading.Event()

    def work() -> None:
        leapsim.run(scale=0.002, seed=1, progress=False)
        done.set()

    t = threading.Thread(target=work)
    t.start()
    started, ticks = time.perf_counter(), 0
    while not done.is_set():
        ticks += 1
    elapsed = time.perf_counter() - started
    t.join()
    # The main thread kept running Python while the run went on.
    assert elapsed > 0.1 and ticks > 10_000, (elapsed, ticks)


def test_progress_is_reported_month_by_month() -> None:
    seen: list[tuple[int, int]] = []
    _native.run("historical", 0.0005, 3, ["run.end_year=1955"], None, lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (36, 36)
    assert all(total == 36 for _, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)

    def fail(done: int, total: int) -> None:
        raise RuntimeError("stop here")

    # An exception of the progress callback stops the run and is raised.
    with pytest.raises(RuntimeError, match="stop here"):
        _native.run("historical", 0.002, 3, [], None, fail)
