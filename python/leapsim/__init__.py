"""leapsim: an agent-based simulator of China's Great Leap Forward planning system and of the
famine it caused, from Python.

Every function calls the same library as the ``leapsim`` command line, so a run here equals
``leapsim run`` value for value::

    import leapsim
    r = leapsim.run("historical", scale=0.01, seed=1)
    r.annual                      # annual.csv as a pandas DataFrame
    r.fit_table                   # the model beside the historical record
    leapsim.compare(["historical", "no-exports"], runs=5).outcomes

``leapsim.ema.model(...)`` makes an EMA Workbench model of a scenario (``leapsim.ema``).
See ``docs/python.md`` for the guide.
"""

from __future__ import annotations

import pandas as pd

from . import _native, ema
from ._jobs import CompareResult, EnsembleResult, compare, ensemble
from ._more import JobResult, attribute, calibrate, sensitivity, sweep
from ._run import RunResult, run
from .errors import InputError, LeapsimError, MemoryLimitError, ScenarioError
from .scenario import Scenario

__version__: str = _native.VERSION
"""The version of the library (as ``leapsim --version``)."""

__all__ = [
    "CompareResult",
    "EnsembleResult",
    "InputError",
    "JobResult",
    "LeapsimError",
    "MemoryLimitError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "attribute",
    "calibrate",
    "compare",
    "ema",
    "ensemble",
    "params",
    "run",
    "scenarios",
    "sensitivity",
    "sweep",
]


def scenarios() -> pd.DataFrame:
    """The built-in scenarios: ``name, description`` (historical and its counterfactuals)."""
    frame: pd.DataFrame = pd.DataFrame(_native.scenarios(), columns=["name", "description"])
    return frame


def params() -> pd.DataFrame:
    """Every parameter of the model, from the registry the scenario parser checks against:
    ``key, kind, unit, default, historical, min, max, range, lever, meaning, source``
    (``historical`` is its value in the historical scenario; ``lever`` says the timeline may
    change it)."""
    frame = pd.DataFrame(_native.params())
    assert isinstance(frame, pd.DataFrame)
    frame.insert(7, "range", [(lo, hi) for lo, hi in zip(frame["min"], frame["max"])])
    return frame
