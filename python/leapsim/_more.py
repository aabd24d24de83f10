"""``attribute``, ``sweep``, ``sensitivity`` and ``calibrate``: the command line's jobs, with
their tables read from the very files ``leapsim <command> --out`` writes (rendered in memory)."""

from __future__ import annotations

import io
import json
import os
from concurrent.futures import Executor
from typing import Any, Callable, Iterable, Mapping, Sequence

import pandas as pd

from . import _native, _progress
from ._distribute import execute
from ._jobs import _path
from ._run import _interactive, command, scenario_paths
from .scenario import ScenarioLike, Value, overrides


class JobResult:
    """A finished job.

    Attributes:
        table: the job's main table (attribution.csv, results.csv, sensitivity.csv or
            fit_report.csv) as a DataFrame.
        tables: every CSV file of the job's output by name (``"points"`` for points.csv).
        files: every text file of the output (CSV and TOML) as the command line writes it.
        manifest: the job's manifest.json.
        written: the names written into ``out`` (None without ``out``).
    """

    def __init__(self, native: Mapping[str, Any], main: str) -> None:
        self.files: dict[str, bytes] = dict(native["files"])
        self.tables: dict[str, pd.DataFrame] = {
            name.removesuffix(".csv"): pd.read_csv(io.BytesIO(data))
            for name, data in self.files.items()
            if name.endswith(".csv")
        }
        self.table: pd.DataFrame = self.tables[main]
        self.manifest: dict[str, Any] = json.loads(native["manifest"])
        self.written: list[str] | None = native["written"]

    def __repr__(self) -> str:
        return f"<JobResult {self.manifest.get('command', ['?'])[0]}: {', '.join(self.files)}>"


def _bar(progress: bool, label: str, unit: str) -> Callable[[], Any]:
    return lambda: _progress.bar(progress and _interactive(), label, unit)


def _common(scenario: ScenarioLike, set: Mapping[str, Value] | Iterable[str] | None) -> tuple[str, list[str]]:
    return str(scenario), overrides(set)


def attribute(
    scenario: ScenarioLike = "historical",
    causes: Sequence[str] = (),
    runs: int = 1,
    outcomes: Sequence[str] = (),
    by_province: bool = False,
    permutations: int | None = None,
    scale: float | None = 0.01,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    posterior: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    client: Any = None,
) -> JobResult:
    """Each cause's Shapley share of the outcomes, as ``leapsim attribute`` does
    (``docs/attribution.md``): the causes switched off in every combination, with common
    random numbers.

    Args:
        causes: cause names (empty: the six defaults).
        runs: seeds per coalition.
        outcomes: ``SERIES:YEARS[:AGG][@REGION]`` (empty: ``excess_deaths:1959-1961``).
        by_province: also attribute every outcome in every province.
        permutations: sample this many orders of the causes instead of every coalition.
        scenario, scale, seed, set, out, resume, posterior, progress, executor, client: as for
            ``ensemble``.

    Returns:
        JobResult whose ``table`` is attribution.csv.
    """
    name, sets = _common(scenario, set)
    call = command("attribute", scenario=name, causes=list(causes) or None, runs=runs, scale=scale, seed=seed)
    with scenario_paths([scenario]) as (path,):
        args = dict(
            scenario=path, causes=list(causes), runs=runs, outcomes=list(outcomes), by_province=by_province,
            permutations=permutations, scale=scale, seed=seed, set=sets, out=_path(out), resume=resume,
            posterior=_path(posterior), command=call,
        )
        native = execute("attribute", args, executor, client, _bar(progress, "coalitions", "run"))
    return JobResult(native, "attribution")


def sweep(
    design: str | os.PathLike[str],
    scenario: ScenarioLike = "historical",
    outcomes: Sequence[str] = (),
    scale: float | None = 0.01,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    posterior: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    client: Any = None,
) -> JobResult:
    """The scenario at every point of a design file (grid, Latin hypercube or list; see
    ``docs/sweep.md`` and ``designs/``), each with the design's seeds, as ``leapsim sweep``
    does.

    Args:
        design: the design file (TOML).
        outcomes: outcomes added to the design's own.
        scenario, scale, seed, set, out, resume, posterior, progress, executor, client: as for
            ``ensemble``.

    Returns:
        JobResult whose ``table`` is results.csv: one row per (point, seed).
    """
    name, sets = _common(scenario, set)
    call = command("sweep", design=os.fspath(design), scenario=name, scale=scale, seed=seed)
    with scenario_paths([scenario]) as (path,):
        args = dict(
            design=os.fspath(design), scenario=path, outcomes=list(outcomes), scale=scale, seed=seed, set=sets,
            out=_path(out), resume=resume, posterior=_path(posterior), command=call,
        )
        native = execute("sweep", args, executor, client, _bar(progress, os.fspath(design), "run"))
    return JobResult(native, "results")


def sensitivity(
    params: Mapping[str, tuple[float, float]] | Sequence[str] = (),
    method: str = "morris",
    scenario: ScenarioLike = "historical",
    params_file: str | os.PathLike[str] | None = None,
    outcomes: Sequence[str] = (),
    trajectories: int = 10,
    levels: int = 4,
    samples: int = 64,
    bootstrap: int = 200,
    runs: int = 1,
    independent_seeds: bool = False,
    pin: bool = False,
    scale: float | None = 0.01,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = True,
    executor: Executor | None = None,
    client: Any = None,
) -> JobResult:
    """Morris elementary effects or Sobol indices of outcomes over parameter ranges, as
    ``leapsim sensitivity`` does (``docs/sensitivity.md``).

    Args:
        params: the parameters varied and their ranges: ``{"procurement.rate": (0.2, 0.5)}``
            or ``["procurement.rate=0.2:0.5"]``.
        method: ``"morris"`` (screening, r (k + 1) runs) or ``"sobol"`` (N (k + 2) runs).
        params_file: a file of ranges, one ``KEY=LOW:HIGH`` a line.
        trajectories, levels: Morris's r and p. samples, bootstrap: Sobol's N and resamples.
        runs: runs per design point, averaged. independent_seeds: each point its own seeds.
        pin: pin the varied parameters against the timeline, as ``set`` does.
        scenario, scale, seed, set, out, resume, progress, executor, client: as for
            ``ensemble``.

    Returns:
        JobResult whose ``table`` is sensitivity.csv (``tables["points"]``: the design).
    """
    name, sets = _common(scenario, set)
    ranges = [f"{k}={lo}:{hi}" for k, (lo, hi) in params.items()] if isinstance(params, Mapping) else list(params)
    call = command("sensitivity", scenario=name, params=ranges, method=method, scale=scale, seed=seed)
    with scenario_paths([scenario]) as (path,):
        args = dict(
            scenario=path, ranges=ranges, ranges_file=_path(params_file), method=method, outcomes=list(outcomes),
            trajectories=trajectories, levels=levels, samples=samples, bootstrap=bootstrap, runs=runs,
            independent_seeds=independent_seeds, pin=pin, scale=scale, seed=seed, set=sets, out=_path(out),
            resume=resume, command=call,
        )
        native = execute("sensitivity", args, executor, client, _bar(progress, method, "run"))
    return JobResult(native, "sensitivity")


def calibrate(
    settings: str | os.PathLike[str] | None = None,
    method: str = "nelder-mead",
    scenario: ScenarioLike = "historical",
    particles: int | None = None,
    generations: int | None = None,
    max_evals: int | None = None,
    seeds: int | None = None,
    scale: float | None = None,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    progress: bool = True,
) -> JobResult:
    """Fit free parameters to targets, as ``leapsim calibrate`` does (``docs/calibrate.md``).

    Args:
        settings: a calibration settings file (None: the Great Leap's, calibration/leap.toml).
        method: ``"nelder-mead"`` (a point) or ``"abc-smc"`` (a posterior sample).
        particles, generations: ABC-SMC's (default: the settings').
        max_evals: stop after this many evaluations. seeds: runs averaged per evaluation.
        scale: None keeps the settings' scale.
        scenario, seed, set, out, resume, progress: as for ``ensemble``. A calibration's
            evaluations follow one another, so it takes no executor: each evaluation's runs go
            in parallel on this machine's cores.

    Returns:
        JobResult whose ``table`` is fit_report.csv; ``files["fitted.toml"]`` is the fitted
        scenario overlay; ``tables["loss_history"]`` the evaluations.
    """
    name, sets = _common(scenario, set)
    call = command("calibrate", settings=_path(settings), method=method, scenario=name, scale=scale)
    with scenario_paths([scenario]) as (path,):
        with _progress.bar(progress and _interactive(), "calibrate", "evaluation") as callback:
            native = _native.calibrate(
                path, _path(settings), method, particles, generations, max_evals, seeds, scale, seed, sets,
                _path(out), resume, call, callback,
            )
    return JobResult(native, "fit_report")
