"""leapsim as an EMA Workbench model: its parameters as uncertainties and levers, its outcome
grammar (``SERIES:YEARS[:AGG][@REGION]``) as outcomes (needs ``ema_workbench`` 2.5)::

    from ema_workbench import perform_experiments
    import leapsim.ema

    model = leapsim.ema.model(
        uncertainties=["food.relief_denial", ("procurement.enforcement", 0.0, 0.5)],
        outcomes=["excess_deaths:1959-1961"],
        scale=0.002, seed=1,
    )
    experiments, outcomes = perform_experiments(model, scenarios=32)

Each experiment is one call of ``leapsim.ensemble`` (``runs`` seeds from ``seed``; one by
default) with the experiment's parameters set as ``set=`` sets them, so its outcomes are the
library's, value for value: a run of ``leapsim.run(set=...)`` with the same parameters, seed and
scale has them. The model is picklable, so EMA's ``MultiprocessingEvaluator`` runs experiments
in parallel too (give each process one thread: ``RAYON_NUM_THREADS=1``).
"""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence, Tuple, Union

from . import _native
from ._jobs import ensemble
from ._run import scenario_paths
from .errors import ScenarioError
from .scenario import Scenario, ScenarioLike, Value, overrides

if TYPE_CHECKING:
    import ema_workbench

ParameterSpec = Union[str, Tuple[str, float, float]]
"""An uncertainty or a lever: a parameter's dotted key (its range: the registry's) or
``(key, low, high)``."""

OutcomeSpec = Union[str, Tuple[str, str]]
"""An outcome: ``SERIES:YEARS[:AGG][@REGION]`` (named by itself) or ``(outcome, name)``."""

__all__ = ["Experiment", "OutcomeSpec", "ParameterSpec", "Range", "model", "parameter_ranges"]


@dataclass(frozen=True)
class Range:
    """A parameter as EMA varies it: its key, kind (``float``, ``int`` or ``bool``) and range."""

    key: str
    kind: str
    low: float
    high: float


def _registry() -> dict[str, tuple[str, Any, Any]]:
    """Every parameter of the registry: key -> (kind, min, max)."""
    table = _native.params()
    return {k: (kind, lo, hi) for k, kind, lo, hi in zip(table["key"], table["kind"], table["min"], table["max"])}


def parameter_ranges(specs: Iterable[ParameterSpec], scenario: ScenarioLike = "historical") -> list[Range]:
    """The ranges of the given parameters: the registry's (``leapsim.params()``'s ``min`` and
    ``max``) unless given as ``(key, low, high)``.

    Raises:
        ScenarioError: an unknown key (with the command line's message, naming the nearest
            key), a range outside the parameter's own, or a parameter that cannot be varied.
    """
    registry = _registry()
    found: list[Range] = []
    for spec in specs:
        key, low, high = (spec, None, None) if isinstance(spec, str) else spec
        with scenario_paths([scenario]) as (path,):
            if key not in registry:
                _native.check(path, None, None, [f"{key}=0"])  # raises the library's message
                raise ScenarioError(f"`{key}`: not a parameter (see leapsim.params())", "uncertainties", key=key)
            kind, lo, hi = registry[key]
            if kind == "bool":
                found.append(Range(key, "bool", 0, 1))
                continue
            if kind not in ("float", "int") or lo is None or hi is None:
                raise ScenarioError(f"key `{key}`: a {kind} parameter cannot be varied", "uncertainties", key=key)
            low, high = (lo if low is None else low), (hi if high is None else high)
            if not low < high:
                raise ScenarioError(f"key `{key}`: empty range {low}..{high}", "uncertainties", key=key)
            for bound in (low, high):  # the library checks each bound against the registry
                _native.check(path, None, None, overrides({key: int(bound) if kind == "int" else float(bound)}))
        found.append(Range(key, kind, float(low), float(high)))
    keys = [r.key for r in found]
    if len(set(keys)) != len(keys):
        raise ScenarioError(f"a parameter is given twice: {keys}", "uncertainties")
    return found


def _parameters(ranges: Sequence[Range]) -> list[Any]:
    """EMA parameters named by the leapsim keys."""
    ew = _ema()
    out: list[Any] = []
    for r in ranges:
        if r.kind == "bool":
            out.append(ew.BooleanParameter(r.key))
        elif r.kind == "int":
            out.append(ew.IntegerParameter(r.key, int(r.low), int(r.high)))
        else:
            out.append(ew.RealParameter(r.key, r.low, r.high))
    return out


@dataclass
class Experiment:
    """The function an EMA model calls for each experiment: the scenario run with the
    experiment's parameters set (as ``set=``), its outcomes by the library's outcome grammar.
    Picklable, so it can go to other processes.

    Attributes:
        scenario: what runs (a built-in name, a file or a Scenario).
        outcomes: outcome texts, in order; names: their EMA names.
        kinds: each varied parameter's kind (``float``, ``int``, ``bool``).
        scale, seed, runs: as for ``leapsim.ensemble`` (the outcome is the mean over the runs).
        set: parameters fixed for every experiment (the experiment's own win).
    """

    scenario: ScenarioLike
    outcomes: list[str]
    names: list[str]
    kinds: dict[str, str]
    scale: float | None = 0.01
    seed: int | None = None
    runs: int = 1
    set: dict[str, Value] = field(default_factory=dict)

    def values(self, parameters: Mapping[str, Any]) -> dict[str, Value]:
        """The ``set=`` of an experiment: the fixed parameters, then the experiment's, each as
        its parameter's type (EMA gives numpy numbers)."""
        values: dict[str, Value] = dict(self.set)
        for key, v in parameters.items():
            kind = self.kinds.get(key)
            if kind is None:
                raise ScenarioError(f"`{key}`: not an uncertainty or lever of this model", "experiment", key=key)
            values[key] = bool(v) if kind == "bool" else int(v) if kind == "int" else float(v)
        return values

    def __call__(self, **parameters: Any) -> dict[str, float]:
        """Run one experiment; returns each outcome's value by its EMA name."""
        e = ensemble(
            self.scenario, runs=self.runs, scale=self.scale, seed=self.seed, set=self.values(parameters),
            outcomes=self.outcomes, progress=False,
        )
        means = dict(zip(e.outcomes["outcome"], e.outcomes["mean"]))
        return {name: float(means[o]) for o, name in zip(self.outcomes, self.names)}


def _name(scenario: ScenarioLike) -> str:
    """A model name EMA accepts (letters and digits only): ``leapsim`` and the scenario's name."""
    text = scenario.name if isinstance(scenario, Scenario) else os.path.basename(os.fspath(scenario))
    return "leapsim" + re.sub(r"[^0-9A-Za-z]", "", text.removesuffix(".toml"))


def _ema() -> Any:
    """The ``ema_workbench`` module, imported without its notice that an optional evaluator's
    package (ipyparallel) is missing."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="ipyparallel not installed")
        import ema_workbench

    return ema_workbench


def model(
    scenario: ScenarioLike = "historical",
    uncertainties: Sequence[ParameterSpec] = (),
    levers: Sequence[ParameterSpec] = (),
    outcomes: Sequence[OutcomeSpec] = ("excess_deaths:1959-1961",),
    scale: float | None = 0.01,
    seed: int | None = None,
    runs: int = 1,
    set: Mapping[str, Value] | None = None,
    name: str | None = None,
) -> ema_workbench.Model:
    """An EMA Workbench model of a leapsim scenario.

    Args:
        scenario: a built-in name (``leapsim.scenarios()``), a scenario file or a Scenario.
        uncertainties, levers: parameters by dotted key (``"food.relief_denial"``, ranged as
            the registry ranges them, ``leapsim.params()``) or ``(key, low, high)``; true/false
            parameters become ``BooleanParameter``, integers ``IntegerParameter``.
        outcomes: outcomes as ``SERIES:YEARS[:AGG][@REGION]`` (``"excess_deaths:1959-1961"``),
            each a ``ScalarOutcome`` named by its text, or ``(outcome, name)``.
        scale, seed: as for ``leapsim.run`` (every experiment runs with the same seeds: common
            random numbers across experiments). runs: seeds per experiment, averaged.
        set: parameters fixed for every experiment, as ``set=`` of ``leapsim.run``.
        name: the model's name, letters and digits (default: ``leapsim`` and the scenario's name).

    Returns:
        ``ema_workbench.Model`` whose function is an ``Experiment``: pass it to
        ``perform_experiments`` with any evaluator.

    Raises:
        ScenarioError: an unknown parameter key (the message names the nearest one), a range
            outside the registry's, a key given twice, or a bad ``set=``.
        InputError: a bad outcome (an unknown series, aggregate or region, years outside the
            run), found before any experiment runs.
    """
    ew = _ema()
    ranges_u = parameter_ranges(uncertainties, scenario)
    ranges_l = parameter_ranges(levers, scenario)
    both = [r.key for r in ranges_u + ranges_l]
    if len(_distinct(both)) != len(both):
        raise ScenarioError(f"a parameter is both an uncertainty and a lever: {both}", "levers")
    texts = [o if isinstance(o, str) else o[0] for o in outcomes]
    names = [o if isinstance(o, str) else o[1] for o in outcomes]
    experiment = Experiment(
        scenario, texts, names, {r.key: r.kind for r in ranges_u + ranges_l}, scale, seed, runs, dict(set or {})
    )
    _check(experiment)
    m = ew.Model(name or _name(scenario), function=experiment)
    m.uncertainties = _parameters(ranges_u)
    m.levers = _parameters(ranges_l)
    m.outcomes = [ew.ScalarOutcome(n) for n in names]
    return m


def _distinct(keys: Iterable[str]) -> frozenset[str]:
    """The distinct keys."""
    return frozenset(keys)


def _check(experiment: Experiment) -> None:
    """Refuse bad outcomes and fixed parameters before any experiment: the outcomes and the
    scenario are checked by the library, by a run at the smallest scale (a fraction of a
    second)."""
    if not experiment.outcomes or len(_distinct(experiment.names)) != len(experiment.names):
        raise ScenarioError(f"outcomes: none, or a name twice: {experiment.names}", "outcomes")
    with scenario_paths([experiment.scenario]) as (path,):
        _native.check(path, experiment.scale, experiment.seed, overrides(experiment.set))
    ensemble(
        experiment.scenario, runs=1, scale=0.00001, seed=experiment.seed, set=experiment.set,
        outcomes=experiment.outcomes, progress=False,
    )
