"""leapsim.ema.model: EMA Workbench experiments are leapsim runs with the experiment's
parameters set, and their outcomes are the library's."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pytest
from ema_workbench import SequentialEvaluator, perform_experiments

import leapsim
import leapsim.ema

OUTCOME = "deaths:1954-1955"


def tiny(**specs: Any) -> Any:
    """A model of tiny runs (scale 0.0005, seed 3, to 1955)."""
    return leapsim.ema.model(scale=0.0005, seed=3, set={"run.end_year": 1955}, **specs)


def deaths(r: leapsim.RunResult) -> float:
    """The outcome ``deaths:1954-1955`` read from a run's annual table."""
    a = r.annual
    rows = a[(a["region"] == "CN") & (a["series"] == "deaths") & a["year"].between(1954, 1955)]
    assert len(rows) == 2
    return float(rows["value"].iloc[0] + rows["value"].iloc[1])


def test_ranges_default_to_the_registrys_and_can_be_given() -> None:
    m = tiny(
        uncertainties=["procurement.enforcement", ("food.relief_denial", 0.5, 1.0)],
        levers=["reporting.honest"], outcomes=[OUTCOME, ("grain_true_mt:1955", "grain")],
    )
    p = leapsim.params().set_index("key")
    u = m.uncertainties["procurement.enforcement"]
    assert (u.lower_bound, u.upper_bound) == (p.loc["procurement.enforcement", "min"], p.loc["procurement.enforcement", "max"])
    assert (m.uncertainties["food.relief_denial"].lower_bound, m.uncertainties["food.relief_denial"].upper_bound) == (0.5, 1.0)
    assert [lever.name for lever in m.levers] == ["reporting.honest"]
    assert type(m.levers["reporting.honest"]).__name__ == "BooleanParameter"
    assert [o.name for o in m.outcomes] == [OUTCOME, "grain"]


def test_unknown_keys_bad_ranges_and_bad_outcomes_are_refused() -> None:
    with pytest.raises(leapsim.ScenarioError) as e:
        tiny(uncertainties=["procurement.ratee"], outcomes=[OUTCOME])
    assert e.value.key == "procurement.ratee" and "did you mean `procurement.rate`" in str(e.value)
    with pytest.raises(leapsim.ScenarioError) as e:
        tiny(uncertainties=[("procurement.rate", 0.2, 7.0)], outcomes=[OUTCOME])
    assert e.value.key == "procurement.rate"
    with pytest.raises(leapsim.ScenarioError, match="both"):
        tiny(uncertainties=["procurement.rate"], levers=["procurement.rate"])
    with pytest.raises(leapsim.InputError, match="unknown series `deathz`"):
        tiny(uncertainties=["procurement.rate"], outcomes=["deathz:1954"])
    with pytest.raises(leapsim.InputError, match="the runs cover 1953-1955"):
        tiny(uncertainties=["procurement.rate"], outcomes=["deaths:1960"])


def test_an_experiment_equals_leapsim_run_with_the_same_parameters() -> None:
    m = tiny(
        uncertainties=[("demography.mortality_level", 0.5, 1.5), ("demography.hunger_mortality_slope", 2.0, 8.0)],
        levers=["reporting.honest"], outcomes=[OUTCOME],
    )
    np.random.seed(7)
    with SequentialEvaluator(m) as evaluator:
        experiments, outcomes = perform_experiments(m, scenarios=2, policies=2, evaluator=evaluator)
    assert len(experiments) == 4
    values = []
    for i, row in experiments.iterrows():
        params = {"demography.mortality_level": float(row["demography.mortality_level"]),
                  "demography.hunger_mortality_slope": float(row["demography.hunger_mortality_slope"]),
                  "reporting.honest": bool(row["reporting.honest"])}
        r = leapsim.run(scale=0.0005, seed=3, set={"run.end_year": 1955, **params}, progress=False)
        assert outcomes[OUTCOME][i] == pytest.approx(deaths(r), rel=1e-12, abs=1e-6)
        values.append(outcomes[OUTCOME][i])
    # The uncertainties reach the runs: the two scenarios differ (the lever, honest reports,
    # changes nothing before 1958); each as its parameter's type, the fixed set= kept.
    assert len(set(values)) == 2
    assert m.function.values({"reporting.honest": np.True_, "demography.mortality_level": np.float64(0.75)}) == {
        "run.end_year": 1955, "reporting.honest": True, "demography.mortality_level": 0.75}
    with pytest.raises(leapsim.ScenarioError, match="not an uncertainty or lever"):
        m.function(**{"procurement.rate": 0.3})
    # The model's function goes to other processes (EMA's MultiprocessingEvaluator).
    again = pickle.loads(pickle.dumps(m.function))
    first = {k: experiments.iloc[0][k] for k in ["demography.mortality_level", "demography.hunger_mortality_slope", "reporting.honest"]}
    assert again(**first)[OUTCOME] == outcomes[OUTCOME][0]


def test_the_multiprocessing_evaluator_gives_the_sequential_outcomes(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from ema_workbench import MultiprocessingEvaluator

    m = tiny(uncertainties=[("demography.mortality_level", 0.5, 1.5)], outcomes=[OUTCOME])
    monkeypatch.setenv("RAYON_NUM_THREADS", "1")
    started = multiprocessing.get_start_method()
    multiprocessing.set_start_method("spawn", force=True)  # leapsim's threads do not survive fork
    try:
        np.random.seed(2)
        with MultiprocessingEvaluator(m, n_processes=2) as evaluator:
            _, spread = perform_experiments(m, scenarios=4, evaluator=evaluator)
    finally:
        multiprocessing.set_start_method(started, force=True)
    np.random.seed(2)
    with SequentialEvaluator(m) as evaluator:
        _, local = perform_experiments(m, scenarios=4, evaluator=evaluator)
    assert list(spread[OUTCOME]) == list(local[OUTCOME])
    assert len(set(local[OUTCOME])) == 4
