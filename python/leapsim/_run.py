"""``leapsim.run``: one run, as ``leapsim run`` does it, and its result."""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

import pandas as pd

from . import _native, _progress, _tables
from .scenario import Scenario, ScenarioLike, Value, overrides

if TYPE_CHECKING:
    import polars


@contextlib.contextmanager
def scenario_paths(scenarios: Iterable[ScenarioLike]) -> Iterator[list[str]]:
    """What the native module reads for each scenario: a built-in name, a path, or an overlay
    built in code written to a temporary directory for as long as the block runs."""
    items = list(scenarios)
    if not any(isinstance(s, Scenario) and s._text is not None for s in items):
        yield [s.path("") if isinstance(s, Scenario) else os.fspath(s) for s in items]
        return
    with tempfile.TemporaryDirectory(prefix="leapsim-scenario-") as d:
        yield [s.path(d) if isinstance(s, Scenario) else os.fspath(s) for s in items]


def command(what: str, **args: Any) -> list[str]:
    """The call as a manifest records it: the function and its arguments, one per item."""
    return [f"leapsim.{what}"] + [f"{k}={v!r}" for k, v in args.items() if v is not None]


class RunResult:
    """A finished run. Its tables are built when first read.

    Attributes:
        name: the scenario's name.
        seed: the run's seed.
        scale: the share of real families simulated.
        seconds: wall time of the run (build and simulation).
    """

    def __init__(self, native: _native.Run, command: list[str]) -> None:
        self._native = native
        self._command = command
        self._annual: pd.DataFrame | None = None
        self._monthly: pd.DataFrame | None = None
        self.name: str = native.name
        self.seed: int = native.seed
        self.scale: float = native.scale
        self.seconds: float = native.seconds

    def _arrow(self, monthly: bool) -> Any:
        if monthly:
            return _tables.arrow(self._native.monthly(), ["year", "month", "region", "series", "value"])
        return _tables.arrow(self._native.annual(), ["year", "region", "series", "value"])

    @property
    def annual(self) -> pd.DataFrame:
        """annual.csv as a DataFrame: ``year, region, series, value`` (region ``CN`` or a
        province code; region and series as categoricals), the same rows in the same order."""
        if self._annual is None:
            self._annual = _tables.pandas(self._arrow(False))
        return self._annual

    @property
    def monthly(self) -> pd.DataFrame:
        """monthly.csv as a DataFrame: ``year, month, region, series, value`` (rates
        annualised), the same rows in the same order."""
        if self._monthly is None:
            self._monthly = _tables.pandas(self._arrow(True))
        return self._monthly

    def to_arrow(self, monthly: bool = False) -> Any:
        """The annual (or monthly) table as a ``pyarrow.Table``."""
        return self._arrow(monthly)

    def to_polars(self, monthly: bool = False) -> polars.DataFrame:
        """The annual (or monthly) table as a polars DataFrame (needs ``polars``)."""
        import polars

        frame = polars.from_arrow(self._arrow(monthly))
        assert isinstance(frame, polars.DataFrame)
        return frame

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json: headline figures (``summary["headline"]``), the fit table
        (``summary["fit"]``) and diagnostics."""
        value: dict[str, Any] = json.loads(self._native.summary_json())
        return value

    @property
    def fit_table(self) -> pd.DataFrame:
        """The model beside the historical record, one row per target: id, group, figure,
        model, record, low, high, ok, source, kind (what ``leapsim run`` prints)."""
        frame: pd.DataFrame = pd.DataFrame(self.summary["fit"])
        return frame

    @property
    def manifest(self) -> dict[str, Any]:
        """manifest.json: resolved parameters, timeline, seed, scale, version, git revision,
        the call, timings, peak memory and the memory estimate."""
        value: dict[str, Any] = json.loads(self._native.manifest_json(self._command))
        return value

    @property
    def detail(self) -> pd.DataFrame | None:
        """detail.csv (with ``detail=``): one commune team by team, month by month."""
        text = self._native.detail_csv()
        if text is None:
            return None
        import io

        return pd.read_csv(io.StringIO(text))

    def save(self, out: str | os.PathLike[str]) -> list[str]:
        """Write the run directory ``out`` exactly as ``leapsim run --out`` does (annual.csv,
        monthly.csv, summary.json, manifest.json and, with ``detail=``, detail.csv),
        atomically: complete or not at all. An existing ``out`` is replaced only if it holds
        an earlier run. Returns the names written."""
        return self._native.save(str(Path(out)), self._command)

    def __repr__(self) -> str:
        return f"<RunResult {self.name} scale={self.scale} seed={self.seed}>"


def run(
    scenario: ScenarioLike = "historical",
    scale: float | None = 0.01,
    seed: int | None = None,
    set: Mapping[str, Value] | Iterable[str] | None = None,
    detail: str | None = None,
    progress: bool = True,
) -> RunResult:
    """Run a scenario, as ``leapsim run`` does, and return its result.

    Args:
        scenario: a built-in name (``leapsim.scenarios()``), a scenario file or a Scenario.
        scale: the share of real families simulated (0.00001 to 1; 0.01 is about 6.8 million
            people and runs in seconds). None keeps the scenario's own.
        seed: the base seed of the random streams (None: the scenario's).
        set: parameters fixed for the whole run, as ``--set``:
            ``{"reporting.honest": True, "labour.steel_campaign": 0}`` or ``["key=value"]``.
        detail: a province code (e.g. ``"CN-HA"``): also follow one commune of it
            team by team (``RunResult.detail``).
        progress: show a progress bar (tqdm) over the months, on a terminal or in a notebook.

    Returns:
        RunResult with ``.annual``, ``.monthly``, ``.summary``, ``.fit_table``, ``.manifest``,
        ``.to_polars()`` and ``.save(dir)``.

    Raises:
        ScenarioError: a bad scenario or parameter (its file, line and key); nothing runs.
        MemoryLimitError: the run cannot fit in the process's memory limit.
        KeyboardInterrupt: Ctrl-C (or a notebook's interrupt) stopped the run.

    The run holds no GIL: other Python threads go on while it runs.
    """
    sets = overrides(set)
    call = command("run", scenario=str(scenario), scale=scale, seed=seed, set=sets or None, detail=detail)
    with scenario_paths([scenario]) as (path,):
        with _progress.bar(progress and _interactive(), str(scenario), "month") as callback:
            native = _native.run(path, scale, seed, sets, detail, callback)
    return RunResult(native, call)


def _interactive() -> bool:
    """Whether a progress bar has somewhere to go (a terminal or a notebook)."""
    return sys.stderr is not None and (sys.stderr.isatty() or "ipykernel" in sys.modules)
