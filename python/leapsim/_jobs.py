"""The multi-run jobs (``leapsim ensemble``, ``leapsim compare``): the same library jobs as
the command line, with their tables as DataFrames."""

from __future__ import annotations

import json
import os
from concurrent.futures import Executor
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from . import _progress, _tables
from ._distribute import execute
from ._run import _interactive, command, scenario_paths
from .errors import InputError
from .scenario import ScenarioLike, Value, overrides

_QUANTILES = ["q05", "q25", "q50", "q75", "q95", "mean"]


class EnsembleResult:
    """An ensemble: one scenario run with many seeds.

    Attributes:
        annual: every annual series of every region over the runs (annual_quantiles.csv):
            ``year, region, series, q05, q25, q50, q75, q95, mean``.
        outcomes: each outcome over the runs: ``outcome, q05, q25, q50, q75, q95, mean``
            (headline.csv holds its mean, q05, q50 and q95).
        seeds: the runs' seeds, in order.
        manifest: the job's manifest.json.
        written: the names written into ``out`` (None without ``out``).
    """

    def __init__(self, native: Mapping[str, Any]) -> None:
        self.annual: pd.DataFrame = _tables.pandas(
            _tables.arrow(native["annual"], ["year", "region", "series", *_QUANTILES])
        )
        self.outcomes: pd.DataFrame = _tables.pandas(_tables.arrow(native["outcomes"], ["outcome", *_QUANTILES]))
        self.seeds: list[int] = list(native["seeds"])
        self.manifest: dict[str, Any] = json.loads(native["manifest"])
        self.written: list[str] | None = native["written"]

    def __repr__(self) -> str:
        return f"<EnsembleResult {len(self.seeds)} runs>"


class CompareResult:
    """Scenarios compared with common random numbers (the same seeds for each).

    Attributes:
        annual: compare.csv: ``scenario, year, region, series, value`` (the mean over seeds)
            and, with more than one run, ``q05, q25, q50, q75, q95`` over seeds.
        values: every outcome of every scenario and seed: ``outcome, scenario, seed, value``.
        outcomes: each outcome by scenario: its ``mean, q05, q95`` over seeds and the paired
            difference from the first scenario, ``diff_mean, diff_q05, diff_q95`` (seed by seed,
            so seed noise cancels).
        names: the scenarios' names, the reference first.
        seeds: the seeds every scenario ran with.
        manifest: the job's manifest.json.
        written: the names written into ``out`` (None without ``out``).
    """

    def __init__(self, native: Mapping[str, Any]) -> None:
        cols = native["annual"]
        names = ["scenario", "year", "region", "series", "value"]
        names += [q for q in _QUANTILES[:5] if q in cols]
        self.annual: pd.DataFrame = _tables.pandas(_tables.arrow(cols, names))
        self.names: list[str] = list(native["names"])
        self.seeds: list[int] = list(native["seeds"])
        outcomes: list[str] = list(native["outcomes"])
        values, stats = native["values"], native["stats"]
        self.values: pd.DataFrame = pd.DataFrame(
            [
                (o, s, seed, values[i][j][k])
                for i, o in enumerate(outcomes)
                for j, s in enumerate(self.names)
                for k, seed in enumerate(self.seeds)
            ],
            columns=["outcome", "scenario", "seed", "value"],
        )
        self.outcomes: pd.DataFrame = pd.DataFrame(
            [(o, s, *stats[i][j]) for i, o in enumerate(outcomes) for j, s in enumerate(self.names)],
            columns=["outcome", "scenario", "mean", "q05", "q95", "diff_mean", "diff_q05", "diff_q95"],
        )
        self.manifest: dict[str, Any] = json.loads(native["manifest"])
        self.written: list[str] | None = native["written"]

    def __repr__(self) -> str:
        return f"<CompareResult {', '.join(self.names)} x {len(self.seeds)} seeds>"


def ensemble(
    scenario: ScenarioLike = "historical",
    runs: int = 20,
    scale: float | None = 0.01,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    outcomes: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
    keep_runs: bool = False,
    resume: bool = False,
    posterior: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    client: Any = None,
) -> EnsembleResult:
    """Run a scenario with many seeds, as ``leapsim ensemble`` does: quantiles of every
    annual series and of the outcomes over the runs.

    Args:
        scenario: a built-in name, a scenario file or a Scenario.
        runs: the number of runs, with seeds seed, seed+1, ..., seed+runs-1.
        scale, seed, set: as for ``leapsim.run``.
        outcomes: outcomes as ``SERIES:YEARS[:AGG][@REGION]`` (e.g.
            ``"excess_deaths:1959-1961"``); empty: the headline outcomes.
        out: also write the output directory (annual_quantiles.csv, headline.csv,
            manifest.json) as ``leapsim ensemble --out`` does. Without it nothing is written
            (the finished runs are kept in a scratch directory while the job runs).
        keep_runs: with ``out``, also keep every run's own directory ``run-<seed>/``.
        resume: with ``out``, reuse the finished runs of an interrupted ensemble.
        posterior: a posterior.csv of ``calibrate --method abc-smc``: each run draws its
            parameters from it.
        progress: show a progress bar over the runs.
        executor, client: run the runs on a ``concurrent.futures.Executor`` or a Dask
            ``distributed.Client`` instead of here (the same results, item for item).

    Raises:
        ScenarioError: a bad scenario, parameter or posterior file (file, line, key).
        InputError: a bad outcome, ``runs=0``, an ``out`` that is not leapsim's.
        KeyboardInterrupt: Ctrl-C stopped the job (with ``out``, ``resume=True`` goes on).
    """
    sets = overrides(set)
    call = command("ensemble", scenario=str(scenario), runs=runs, scale=scale, seed=seed, set=sets or None)
    if keep_runs and (executor is not None or client is not None):
        raise InputError("keep_runs: the runs' directories stay on the workers; run without executor= or client=")
    with scenario_paths([scenario]) as (path,):
        args = dict(
            scenario=path, runs=runs, scale=scale, seed=seed, set=sets, outcomes=list(outcomes),
            keep_runs=keep_runs, out=_path(out), resume=resume, posterior=_path(posterior), command=call,
        )
        label = f"{scenario} x {runs} seeds"
        native = execute("ensemble", args, executor, client, lambda: _progress.bar(progress and _interactive(), label, "run"))
    return EnsembleResult(native)


def compare(
    scenarios: Sequence[ScenarioLike],
    runs: int = 5,
    scale: float | None = 0.01,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    outcomes: Sequence[str] = (),
    out: str | os.PathLike[str] | None = None,
    resume: bool = False,
    posterior: str | os.PathLike[str] | None = None,
    progress: bool = True,
    executor: Executor | None = None,
    client: Any = None,
) -> CompareResult:
    """Run two or more scenarios with the same seeds, as ``leapsim compare`` does; the first
    is the reference the others are compared with.

    Args:
        scenarios: two or more built-in names, scenario files or Scenarios.
        runs: seeds per scenario (seed, seed+1, ...; common random numbers).
        scale, seed, set: as for ``leapsim.run``, for every scenario.
        outcomes: outcomes as ``SERIES:YEARS[:AGG][@REGION]``; empty: the headline outcomes.
        out: also write compare.csv, compare.png, compare.svg and manifest.json there, as
            ``leapsim compare --out`` does. Without it nothing is written.
        resume: with ``out``, reuse the finished runs of an interrupted comparison.
        posterior: a posterior.csv: run k of every scenario draws the same particle.
        progress: show a progress bar over the runs.
        executor, client: run the runs on a ``concurrent.futures.Executor`` or a Dask
            ``distributed.Client`` instead of here (the same results, item for item).

    Raises:
        ScenarioError: a bad scenario, parameter or posterior file (file, line, key).
        InputError: fewer than two scenarios, a bad outcome, ``runs=0``.
        KeyboardInterrupt: Ctrl-C stopped the job.
    """
    sets = overrides(set)
    names = [str(s) for s in scenarios]
    call = command("compare", scenarios=names, runs=runs, scale=scale, seed=seed, set=sets or None)
    with scenario_paths(scenarios) as paths:
        args = dict(
            scenarios=paths, runs=runs, scale=scale, seed=seed, set=sets, outcomes=list(outcomes),
            out=_path(out), resume=resume, posterior=_path(posterior), command=call,
        )
        label = f"{len(names)} scenarios x {runs} seeds"
        native = execute("compare", args, executor, client, lambda: _progress.bar(progress and _interactive(), label, "run"))
    return CompareResult(native)


def _path(p: str | os.PathLike[str] | None) -> str | None:
    return None if p is None else os.fspath(p)
