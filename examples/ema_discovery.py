"""Scenario discovery with EMA Workbench: under which assumptions do the excess deaths of
1959-1961 exceed 30 million?

A Latin hypercube of experiments over three uncertain parameters of the historical scenario
(each run by leapsim through ``leapsim.ema.model``), then PRIM: the box of parameter values in
which the runs above the threshold concentrate.

    .venv/bin/python examples/ema_discovery.py                 # 32 experiments at scale 0.002
    LEAPSIM_SCALE=0.01 LEAPSIM_EXPERIMENTS=200 .venv/bin/python examples/ema_discovery.py

``LEAPSIM_THRESHOLD`` changes the threshold (30e6). When no run, or every run, passes it (a
tiny design may not reach it), the median of the runs is used instead, and said so.
"""

from __future__ import annotations

import os
import time

import numpy as np
from ema_workbench import SequentialEvaluator, perform_experiments
from ema_workbench.analysis import prim

import leapsim.ema

OUTCOME = "excess_deaths:1959-1961"
UNCERTAINTIES: list[leapsim.ema.ParameterSpec] = [
    ("food.kcal_need_per_day", 1600.0, 1850.0),  # historical 1730
    ("procurement.enforcement", 0.0, 0.5),  # historical 0.268
    ("demography.hunger_mortality_slope", 4.0, 12.0),  # historical 8.52
]


def main() -> None:
    scale = float(os.environ.get("LEAPSIM_SCALE", "0.002"))
    n = int(os.environ.get("LEAPSIM_EXPERIMENTS", "32"))
    threshold = float(os.environ.get("LEAPSIM_THRESHOLD", "30e6"))
    model = leapsim.ema.model("historical", uncertainties=UNCERTAINTIES, outcomes=[OUTCOME], scale=scale, seed=1,
                              set={"run.end_year": 1962})
    for u in model.uncertainties:
        print(f"{u.name}: {u.lower_bound} .. {u.upper_bound}")
    np.random.seed(1)  # EMA's Latin hypercube draws from numpy's global generator
    started = time.perf_counter()
    with SequentialEvaluator(model) as evaluator:
        experiments, outcomes = perform_experiments(model, scenarios=n, evaluator=evaluator)
    deaths = np.asarray(outcomes[OUTCOME])
    print(f"{n} experiments at scale {scale} in {time.perf_counter() - started:.1f} s; "
          f"excess deaths 1959-1961 from {deaths.min() / 1e6:.1f} to {deaths.max() / 1e6:.1f} million "
          f"(median {np.median(deaths) / 1e6:.1f})")
    above = deaths > threshold
    if above.all() or not above.any():
        print(f"{above.sum()} of {n} runs exceed {threshold / 1e6:.0f} million: "
              f"PRIM on the median ({np.median(deaths) / 1e6:.1f} million) instead")
        threshold = float(np.median(deaths))
        above = deaths > threshold
    print(f"{above.sum()} of {n} runs exceed {threshold / 1e6:.1f} million")

    x = experiments[[u.name for u in model.uncertainties]]
    # Friedman and Fisher's original objective (the default, lenient1, may not peel at all
    # when a first peel gains nothing); then, of the boxes on the peeling trajectory whose
    # density reaches 0.8, the one that covers the most runs above the threshold.
    box = prim.Prim(x, above, threshold=0.8, obj_function=prim.PRIMObjectiveFunctions.ORIGINAL).find_box()
    trajectory = box.peeling_trajectory
    dense = trajectory[trajectory["density"] >= 0.8]
    chosen = int(dense["coverage"].idxmax()) if len(dense) else len(trajectory) - 1
    box.select(chosen)
    stats = trajectory.iloc[chosen]
    print(f"\nPRIM box {chosen} of {len(trajectory)}: coverage {stats['coverage']:.2f}, density {stats['density']:.2f}, "
          f"mass {stats['mass']:.2f} ({int(stats['n'])} runs), {int(stats['res_dim'])} restricted parameter(s)")
    initial = box.prim.box_init  # the samples' own range of each parameter
    for key in initial.columns:
        low, high = box.box_lims[chosen][key].iloc[0], box.box_lims[chosen][key].iloc[1]
        if low > initial[key].iloc[0] or high < initial[key].iloc[1]:
            print(f"  {key}: {low:.4g} .. {high:.4g}   (sampled {initial[key].iloc[0]:.4g} .. {initial[key].iloc[1]:.4g})")

if __name__ == "__main__":
    main()
